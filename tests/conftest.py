"""Shared fixtures: a real gateway server on 127.0.0.1 and the offline Whisper model for listening."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayServer:
    """``python -m gateway serve`` in a subprocess; its log goes to ``log_path``."""

    def __init__(self, env: dict[str, str] | None = None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/twilio/stream"
        self.log_path = ROOT / ".cache" / f"gateway-test-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, "PUBLIC_HOST": f"127.0.0.1:{self.port}", "STREAM_SCHEME": "ws",
                    "LOG_LEVEL": "DEBUG", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", **(env or {})}
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gateway did not become healthy in 120 s")

    def log(self) -> str:
        return self.log_path.read_text()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


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
    """The offline Whisper base model, to transcribe what the bot said."""
    from pipelines.models import load_local_models

    return load_local_models("base", ROOT / ".cache" / "models").whisper


def fixture(name: str) -> str:
    return str(FIXTURES / f"{name}.wav")
