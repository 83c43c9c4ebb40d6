"""A Twilio-compatible REST server for tests: the Calls resource on 127.0.0.1, real wire format.

Speaks https://www.twilio.com/docs/voice/api/call-resource: ``POST
/2010-04-01/Accounts/{AccountSid}/Calls.json`` (create; form-encoded; HTTP Basic auth AccountSid:
AuthToken) and ``POST …/Calls/{CallSid}.json`` (update: ``Status=completed`` hangs up, ``Twiml=…``
replaces the live call's TwiML, kept per call in :meth:`FakeTwilio.twiml_updates`). Errors use
Twilio's body ``{"code", "message", "more_info", "status"}`` (20003 auth, 21211 invalid To,
20404 unknown call). Every request is recorded (method, path, auth user, form params, time).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qsl

from aiohttp import web

INVALID_TO = "+14155550111"  # this fake answers 21211 "invalid To" for it, like Twilio's magic +15005550001


@dataclass
class Recorded:
    method: str
    path: str
    user: str
    form: list[tuple[str, str]]
    at: float = field(default_factory=time.time)

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.form if k == name), None)


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                              "status": status}, status=status)


class FakeTwilio:
    """Runs in its own thread; ``base_url`` is its REST root."""

    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self.calls: dict[str, dict] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _auth_ok(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if (user, password) == (self.account_sid, self.auth_token) else None

    def _call_json(self, sid: str) -> dict:
        c = self.calls[sid]
        now = formatdate(usegmt=True)
        return {
            "sid": sid, "account_sid": self.account_sid, "to": c["to"], "from": c["from"],
            "status": c["status"], "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "start_time": None, "end_time": None,
            "duration": None, "price": None, "price_unit": "USD", "answered_by": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
            "subresource_uris": {}, "parent_call_sid": None, "phone_number_sid": None,
            "forwarded_from": None, "caller_name": None, "group_sid": None, "queue_time": "0",
            "trunk_sid": None,
        }

    async def _create(self, request: web.Request) -> web.Response:
        form = list(parse_qsl(await request.text(), keep_blank_values=True))
        user = self._auth_ok(request)
        self.requests.append(Recorded("POST", request.path, user or "", form))
        if user is None or request.match_info["account"] != self.account_sid:
            return _error(401, 20003, "Authenticate")
        params = dict(form)
        if params.get("To") == INVALID_TO:
            return _error(400, 21211, f"The 'To' number {INVALID_TO} is not a valid phone number.")
        sid = "CA" + secrets.token_hex(16)
        self.calls[sid] = {"to": params.get("To"), "from": params.get("From"), "status": "queued", "form": form}
        return web.json_response(self._call_json(sid), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        form = list(parse_qsl(await request.text(), keep_blank_values=True))
        user = self._auth_ok(request)
        self.requests.append(Recorded("POST", request.path, user or "", form))
        if user is None:
            return _error(401, 20003, "Authenticate")
        sid = request.match_info["call"]
        if sid not in self.calls:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        status = dict(form).get("Status")
        if status:
            self.calls[sid]["status"] = status
        twiml = dict(form).get("Twiml")
        if twiml is not None:
            self.calls[sid].setdefault("twiml", []).append(twiml)
        return web.json_response(self._call_json(sid))

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls.json", self._create)
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()

    def add_call(self, sid: str, *, to: str = "", from_: str = "", status: str = "in-progress") -> None:
        """Make an inbound call known (Twilio knows every live call; this fake only those it placed
        or was told of), so updates to it succeed."""
        self.calls[sid] = {"to": to, "from": from_, "status": status, "form": []}

    def twiml_updates(self, sid: str) -> list[str]:
        """The ``Twiml`` documents POSTed to call ``sid``, oldest first."""
        return list(self.calls.get(sid, {}).get("twiml", []))

    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def updates(self) -> list[Recorded]:
        return [r for r in self.requests if not r.path.endswith("/Calls.json")]

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
