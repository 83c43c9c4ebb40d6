"""The rule brain's language understanding, dialogue policy and localized phrases (no Pipecat imports).

Placeholder on this branch: the ``dialogue`` branch moves ``processors/dialogue.py`` and
``processors/phrases.py`` here. The room exists so the import-linter layers contract
(``pyproject.toml``) can name it: gateway → pipelines → processors → dialogue → flights.
"""
