"""The rule brain's language room: understanding, dialogue policy and localized phrases.

No Pipecat imports here (``processors/`` wraps it in frame processors); it may import ``flights``
and nothing above it.
"""
