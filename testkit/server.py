"""A real gateway in a subprocess (``python -m gateway serve``) on a free 127.0.0.1 port.

Used by the end-to-end tests (``tests/``, marked ``e2e``) and the latency benchmarks (``bench/``).
It loads the profile's models at start-up like production, so starting one takes 10-60 s on 2 cores.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
#: How long a server may take to answer ``/health`` with 200 (models load at start-up).
START_TIMEOUT_SECS = 120


def fixture(name: str) -> str:
    """Path of the WAV fixture ``tests/fixtures/<name>.wav`` (8 kHz mono PCM16)."""
    return str(FIXTURES / f"{name}.wav")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayServer:
    """``python -m gateway serve`` in a subprocess, ready (``/health`` 200) when the constructor returns.

    Args:
        env: environment overrides (settings variables, e.g. ``FLIGHT_PROVIDERS``); by default
            Twilio credentials are blank and ``LOG_LEVEL`` is DEBUG.
        root: the source tree to run (its directory is the working directory and ``PYTHONPATH``);
            default: this checkout.
        log_path: where the server's output goes (default ``.cache/gateway-test-<port>.log``).

    Attributes:
        base: ``http://127.0.0.1:<port>``; ``ws_url``: the Media Streams WebSocket URL.
        log_path: the server's stdout/stderr (``.cache/gateway-test-<port>.log``), for benchmarks
            that read its per-turn timing lines; tests assert on their own call's output instead.

    Raises:
        RuntimeError: the server exited or was not healthy within :data:`START_TIMEOUT_SECS`.
    """

    def __init__(self, env: dict[str, str] | None = None, *, root: Path | None = None,
                 log_path: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/twilio/stream"
        self.log_path = log_path or ROOT / ".cache" / f"gateway-test-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        root = root or ROOT
        full_env = {**os.environ, "PUBLIC_HOST": f"127.0.0.1:{self.port}", "STREAM_SCHEME": "ws",
                    "LOG_LEVEL": "DEBUG", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "",
                    **({"PYTHONPATH": str(root)} if root != ROOT else {}), **(env or {})}
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=root, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gateway did not become healthy in {START_TIMEOUT_SECS} s")

    def log(self) -> str:
        """The server's output so far."""
        return self.log_path.read_text()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ended_call_record(self, call_sid: str, api_key: str, wait_s: float = 10.0) -> dict:
        """``GET /calls/{call_sid}`` once the gateway has finalized the call: ``ended_at`` and
        ``ending`` are set, and with them the details (``turns``, ``searches``, ``interruptions``…),
        which the gateway writes when the pipeline ends (``CallSession.finish_record``), a moment
        after the caller hangs up. A record read before that is the live one, without details.
        Raises ``AssertionError`` when the call has not ended within ``wait_s`` seconds."""
        deadline = time.monotonic() + wait_s
        while True:
            r = httpx.get(f"{self.base}/calls/{call_sid}", headers={"Authorization": f"Bearer {api_key}"})
            body = r.json() if r.status_code == 200 else {}
            if body.get("ended_at") is not None and body.get("ending") is not None:
                return body
            assert time.monotonic() < deadline, f"call {call_sid} not ended after {wait_s} s: {r.status_code} {r.text}"
            time.sleep(0.1)

    def stop(self) -> None:
        """Terminate (then kill after 10 s) the server process."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()
