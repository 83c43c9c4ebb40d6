"""Shared fixtures and the fast run's no-model guard.

- ``gateway``: a real gateway server on 127.0.0.1 (:class:`testkit.server.GatewayServer`), one per
  session; ``local_resources``: the local profile's models and flight search, loaded once;
  ``listener``: the Whisper model of the process, to transcribe what the bot said. All three load
  models: tests using them are marked ``e2e``.
- In a run that deselects ``e2e`` (``make test-fast`` = ``pytest -m "not e2e"``), loading a model
  is an error: :func:`pipelines.models.load_local_models` (the only loader of Whisper, Piper and the
  Silero/Smart Turn sessions) raises, and the session fails if anything loaded a model anyway
  (its cache is checked at the end) — so the fast suite provably never loads one.
"""

from __future__ import annotations

import gc
import sys

import pytest

from testkit.server import FIXTURES, ROOT, GatewayServer, fixture  # noqa: F401  (re-exported for tests)

__all__ = ["FIXTURES", "ROOT", "GatewayServer", "fixture"]


class ModelLoadedInFastRun(AssertionError):
    """A test outside ``e2e`` tried to load the offline models."""


def _fast_run(config: pytest.Config) -> bool:
    expr = (config.getoption("markexpr") or "").replace(" ", "")
    return "note2e" in expr


def pytest_configure(config: pytest.Config) -> None:
    if not _fast_run(config):
        return
    import pipelines.models as models

    def refuse(*args, **kwargs):
        config._model_load_attempts.append(args)  # type: ignore[attr-defined]
        raise ModelLoadedInFastRun(
            "load_local_models() called in a run without e2e tests: mark the test e2e or drop the models"
        )

    config._model_load_attempts = []  # type: ignore[attr-defined]
    models.load_local_models = refuse


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not _fast_run(config):
        return
    models = sys.modules.get("pipelines.models")
    loaded = dict(getattr(models, "_loaded", {}) or {})
    attempts = getattr(config, "_model_load_attempts", [])
    libraries = [m for m in ("faster_whisper", "ctranslate2", "piper", "onnxruntime") if m in sys.modules]
    # Belt and braces: no model object of those libraries is alive, whoever would have made it.
    kinds = tuple(k for k in (_attr("faster_whisper", "WhisperModel"), _attr("piper", "PiperVoice"),
                              _attr("onnxruntime", "InferenceSession")) if k is not None)
    alive = sum(1 for o in gc.get_objects() if isinstance(o, kinds)) if kinds else 0
    line = (f"no-model guard: load_local_models calls {len(attempts)}, models cached {len(loaded)}, "
            f"model objects alive {alive}; model libraries imported (code only): {', '.join(libraries) or 'none'}")
    print("\n" + line)
    if attempts or loaded or alive:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _attr(module: str, name: str):
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


@pytest.fixture(scope="session")
def gateway():
    server = GatewayServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def local_resources():
    """The local profile's shared resources (models, flight search), loaded once per test session."""
    from gateway.settings import Settings
    from pipelines import load_resources

    return load_resources(Settings(_env_file=None))


@pytest.fixture(scope="session")
def listener():
    """The offline Whisper base model, to transcribe what the bot said: the process's own copy
    (``load_local_models`` caches by resolved path, so this absolute path finds the set
    ``local_resources`` loaded from the relative default, and vice versa)."""
    from pipelines.models import load_local_models

    return load_local_models("base", ROOT / ".cache" / "models").whisper
