"""One set of offline models per process, whatever spelling of the cache directory asks for it."""

from __future__ import annotations

import pytest

from pipelines.models import models_key


def test_spellings_of_one_cache_dir_share_a_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = models_key("base", ".cache/models", "int8", 2)
    assert models_key("base", tmp_path / ".cache" / "models", "int8", 2) == relative
    assert models_key("base", "./.cache/../.cache/models/", "int8", 2) == relative
    assert models_key("base", str(tmp_path / ".cache/models"), "int8", 2) == relative


def test_a_different_configuration_is_a_different_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    key = models_key("base", ".cache/models", "int8", 2)
    assert models_key("tiny.en", ".cache/models", "int8", 2) != key
    assert models_key("base", "other", "int8", 2) != key
    assert models_key("base", ".cache/models", "float32", 2) != key
    assert models_key("base", ".cache/models", "int8", 1) != key


@pytest.mark.e2e
def test_the_listener_reuses_the_profiles_models(local_resources, listener):
    """local_resources loads from the settings' relative MODEL_CACHE_DIR, the listener from the
    absolute path: one Whisper object, not a second copy (the tests run from the repository root)."""
    from pipelines.models import load_local_models
    from testkit.server import ROOT

    assert listener is local_resources.core.models.whisper
    again = load_local_models("base", str(ROOT / ".cache" / "models") + "/")
    assert again is local_resources.core.models
