"""Start-up checks of a cloud profile's vendors: is the key accepted, is the endpoint reachable?

A check opens the vendor's connection once with the configured key (a WebSocket upgrade, or an
authenticated ``GET``) and closes it. The outcome goes into ``/health`` (``resources.vendors`` and
``resources.problems``) and the start-up log, naming the environment variable of a rejected key —
never the key. A failed check does not stop the gateway: calls then fail over to a spoken apology.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

PROBE_TIMEOUT_SECS = 5.0


@dataclass
class VendorCheck:
    """One vendor check.

    Parameters:
        name: vendor (``openai_realtime``, ``deepgram``, ``llm``, ``cartesia``).
        url: what was checked (no secrets).
        key_variable: the environment variable holding the key.
        ok: the vendor accepted the key.
        status: HTTP status of a refusal, if any.
        error: what went wrong (no secrets).
        latency_ms: time to the vendor's answer.
    """

    name: str
    url: str
    key_variable: str
    ok: bool = False
    status: int | None = None
    error: str = ""
    latency_ms: float | None = None

    @property
    def problem(self) -> str:
        """One sentence for operators, or ``""`` when the check passed."""
        if self.ok:
            return ""
        if self.status in (401, 403):
            return f"{self.key_variable} was rejected by {self.name} (HTTP {self.status} from {self.url})"
        return f"{self.name} not reachable at {self.url}: {self.error or f'HTTP {self.status}'}"

    def public(self) -> dict[str, Any]:
        return {"ok": self.ok, "url": self.url, "key": self.key_variable, "status": self.status,
                "error": self.error, "latency_ms": self.latency_ms}

    def summary(self) -> str:
        return f"{self.name}: ok" if self.ok else self.problem


async def probe_websocket(name: str, url: str, headers: dict[str, str], *, key_variable: str,
                          timeout: float = PROBE_TIMEOUT_SECS) -> VendorCheck:
    """Open (and close) a WebSocket to ``url`` with ``headers``."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    public_url = url.split("?")[0]
    check = VendorCheck(name, public_url, key_variable)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with connect(url, additional_headers=headers, open_timeout=timeout):
                check.ok = True
    except InvalidStatus as e:
        check.status = e.response.status_code
        check.error = f"HTTP {check.status}"
    except Exception as e:  # unreachable, TLS, timeout...
        check.error = f"{e.__class__.__name__}: {e}"[:200]
    check.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return check


async def probe_http(name: str, url: str, headers: dict[str, str], *, key_variable: str,
                     timeout: float = PROBE_TIMEOUT_SECS) -> VendorCheck:
    """``GET url`` with ``headers``; any 2xx passes, 401/403 is a rejected key."""
    import aiohttp

    check = VendorCheck(name, url, key_variable)
    started = time.perf_counter()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(url, headers=headers) as response:
                check.status = response.status
                check.ok = 200 <= response.status < 300
                if not check.ok:
                    check.error = f"HTTP {response.status}"
    except Exception as e:
        check.error = f"{e.__class__.__name__}: {e}"[:200]
    check.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return check
