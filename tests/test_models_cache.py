"""One set of offline models per process, whatever spelling of the cache directory asks for it."""

from __future__ import annotations

import os

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
    assert models_key("base", ".cache/models", "int8", 2, workers=3) != key


def test_zero_workers_is_one_per_core(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert models_key("base", ".cache/models", "int8", 1, 0) == models_key("base", ".cache/models", "int8", 1, 3)


@pytest.mark.e2e
def test_every_decode_the_queue_runs_at_once_has_a_whisper_replica(local_resources):
    """The STT queue's workers decode in parallel only if CTranslate2 has as many model replicas:
    with one, the second decode waits inside the model for the first (what the queue let through
    ran one at a time)."""
    core = local_resources.core
    assert core.models.whisper.model.num_workers == core.decode_queue.workers


@pytest.mark.e2e
def test_the_listener_reuses_the_profiles_models(local_resources, listener):
    """local_resources loads from the settings' relative MODEL_CACHE_DIR, the listener from the
    absolute path: one Whisper object, not a second copy (the tests run from the repository root)."""
    from pipelines.models import load_local_models
    from testkit.server import ROOT

    assert listener is local_resources.core.models.whisper
    again = load_local_models("base", str(ROOT / ".cache" / "models") + "/")
    assert again is local_resources.core.models


def _thread_nices() -> list[int]:
    """Niceness of every thread of this process (``/proc/self/task/*/stat`` field 19)."""
    nices = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                nices.append(int(f.read().rsplit(")", 1)[1].split()[16]))
        except OSError:  # the thread ended meanwhile
            continue
    return nices


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="Linux threads only")
def test_the_whisper_replicas_run_below_the_audio_work(local_resources):
    """Each Whisper replica's thread runs at DECODE_NICE, so the event loop and the TTS are
    scheduled first and the decodes take what they leave (the process itself stays at 0)."""
    from pipelines.models import DECODE_NICE

    assert DECODE_NICE > os.getpriority(os.PRIO_PROCESS, 0)
    assert _thread_nices().count(DECODE_NICE) >= local_resources.core.decode_queue.workers


@pytest.mark.e2e
def test_piper_synthesizes_on_one_thread(local_resources):
    from pipelines.models import PIPER_THREADS

    voice = local_resources.core.models.piper_voice
    assert PIPER_THREADS == 1
    assert voice.session.get_session_options().intra_op_num_threads == PIPER_THREADS
    assert sum(len(chunk.audio_int16_bytes) for chunk in voice.synthesize("Hello there.")) > 0
