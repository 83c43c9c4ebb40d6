"""Command line: ``python -m gateway serve | call``.

- ``serve [--host H] [--port P]`` runs the gateway with uvicorn, behind :func:`guarded_protocol`
  (request-receipt deadline, URL and header size caps) and without uvicorn's own proxy-header
  rewriting (``X-Forwarded-*`` are trusted only from ``FORWARDED_ALLOW_IPS``, see :mod:`gateway.twilio`);
  SIGTERM drains calls first (:mod:`gateway.drain`).
- ``call A.wav [B.wav …] [--url ws://…/twilio/stream] [--out call.wav]`` places a simulated call
  (see :mod:`gateway.caller`): each WAV is one caller turn; ``B.wav@800`` barges in 800 ms after the
  bot starts its next reply. Without ``--url`` the gateway starts in-process on a free loopback port.
  Prints both sides' transcripts with timestamps; exits 1 if the call failed to connect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from pathlib import Path

from loguru import logger

from gateway.settings import Settings


def _ordinary_hangup(record) -> None:
    """Loguru patcher: Pipecat's ERROR for closing a socket the caller already closed is an INFO.

    After Twilio's ``stop`` the caller closes the socket; Pipecat then tries to close it too and
    logs ``ERROR … exception while closing the websocket: `` with the (empty) text of Starlette's
    ``WebSocketDisconnect``. That is every ordinary hang-up, so it is logged as one. A close that
    fails with a message stays an ERROR.
    """
    if (record["level"].no >= 40 and (record["name"] or "").startswith("pipecat.transports.websocket")
            and record["message"].endswith("exception while closing the websocket: ")):
        info = logger.level("INFO")
        record["level"] = type(record["level"])(info.name, info.no, info.icon)
        record["message"] = "the caller had already closed the socket (ordinary hang-up)"


def json_line(record) -> str:
    """One log record as a JSON object (no newline): ``time`` (ISO 8601 UTC, ms), ``level``,
    ``message``, ``logger`` (module), ``call_sid`` (``"-"`` outside a call), any other bound
    ``extra`` fields, and ``exception`` (the formatted traceback) when there is one."""
    from datetime import timezone

    extra = dict(record["extra"])
    line: dict = {
        "time": record["time"].astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record["level"].name,
        "message": record["message"],
        "logger": record["name"],
        "call_sid": extra.pop("call_sid", "-"),
        **{k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in extra.items()},
    }
    if record["exception"] is not None:
        import traceback

        exc = record["exception"]
        line["exception"] = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
    return json.dumps(line, ensure_ascii=False)


def _json_sink(message) -> None:
    sys.stderr.write(json_line(message.record) + "\n")
    sys.stderr.flush()


def _setup_logging(level: str, log_format: str = "text") -> None:
    """Logs to stderr: readable lines, or JSON lines with ``LOG_FORMAT=json`` (:func:`json_line`).
    Lines logged during a call carry its ``call_sid`` (see :func:`gateway.calls.handle_stream`)."""
    logger.remove()
    if log_format == "json":
        logger.add(_json_sink, level=level.upper(), backtrace=False, diagnose=False, catch=True)
    else:
        logger.add(sys.stderr, level=level.upper(), backtrace=False, diagnose=False,
                   format="{time:HH:mm:ss.SSS} {level: <7} {extra[call_sid]: <10.10} {message}")
    logger.configure(extra={"call_sid": "-"}, patcher=_ordinary_hangup)


#: Longest request target (path and query) accepted, in bytes, as gunicorn's ``limit_request_line``;
#: longer gets 414. Twilio's URLs are ours and short.
MAX_URL_BYTES = 4096
#: Longest single header (name and value) accepted, in bytes; longer gets 431 (the ``websockets``
#: handshake parser stops at 8192-byte lines).
MAX_HEADER_LINE_BYTES = 8000


def guarded_protocol(receipt_timeout_secs: float, max_head_bytes: int):
    """uvicorn's httptools HTTP protocol with a request-receipt deadline and head-size caps.

    uvicorn has no timeout for a request that is never finished (encode/uvicorn#157: its keep-alive
    timer is reset by every byte), so a slow or idle client holds a connection forever. This
    subclass, the approach of xorbitsai/inference#5213:

    - arms a deadline when the connection opens and when each request begins, and disarms it when
      the request (headers *and* body) has been fully received or upgraded to a WebSocket; on expiry
      it answers ``408`` and closes the connection (a response already streaming is never cut);
    - answers ``414`` to a request target over :data:`MAX_URL_BYTES`, and ``431`` to a header over
      :data:`MAX_HEADER_LINE_BYTES` or a head (target plus headers) over ``max_head_bytes``, before
      buffering more of it;
    - closes the connection once a response is complete while its request body is still arriving
      (FastAPI's 413 for ``MAX_REQUEST_BYTES``), instead of reading and discarding the rest.

    Args:
        receipt_timeout_secs: ``REQUEST_RECEIPT_TIMEOUT_SECS`` (s).
        max_head_bytes: ``MAX_REQUEST_HEAD_BYTES`` (bytes).

    Returns:
        A class for ``uvicorn.Config(http=...)``.
    """
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            self._receipt_timer = None
            self._refused = False
            self._head_bytes = 0
            self._unfinished = None
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            if self._receipt_timer is None:
                self._receipt_timer = self.loop.call_later(receipt_timeout_secs, self._receipt_expired)

        def _disarm(self) -> None:
            if self._receipt_timer is not None:
                self._receipt_timer.cancel()
                self._receipt_timer = None

        def _receipt_expired(self) -> None:
            self._receipt_timer = None
            if self.transport.is_closing():
                return
            self.logger.info("closing a connection whose request was not received within %.0f s",
                             receipt_timeout_secs)
            self._refuse(408)

        def _refuse(self, status: int) -> None:
            """Answer ``status`` (unless a response is under way) and close the connection."""
            self._refused = True
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(STATUS_LINE[status] + b"content-length: 0\r\nconnection: close\r\n\r\n")
            elif self.cycle is not None:  # the app is waiting for the rest of the body
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)

        def handle_websocket_upgrade(self) -> None:
            if self._refused:
                return
            self._disarm()
            super().handle_websocket_upgrade()

        # parser callbacks
        def on_message_begin(self) -> None:
            self._head_bytes = 0
            self._arm()
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            if self._refused:
                return
            self._head_bytes += len(url)
            if len(self.url) + len(url) > MAX_URL_BYTES:
                self.logger.info("refused a request target over %d bytes", MAX_URL_BYTES)
                self._refuse(414)
                return
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            if self._refused:
                return
            self._head_bytes += len(name) + len(value)
            if len(name) + len(value) > MAX_HEADER_LINE_BYTES or self._head_bytes > max_head_bytes:
                self.logger.info("refused a request head over its size limit")
                self._refuse(431)
                return
            super().on_header(name, value)

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_headers_complete(self) -> None:
            if self._refused:
                return
            super().on_headers_complete()
            self._unfinished = self.cycle  # its request body is still to come

        def on_message_complete(self) -> None:
            if self._refused:
                return
            self._disarm()
            self._unfinished = None
            super().on_message_complete()

        def on_response_complete(self) -> None:
            if self.cycle is not None and self.cycle is self._unfinished and self.cycle.response_complete:
                # Answered before its body arrived (a 413): close rather than read and discard the rest.
                self._disarm()
                self.transport.close()
                return
            super().on_response_complete()

    return GuardedHttpToolsProtocol


def uvicorn_config(app, settings: Settings, host: str, port: int, **overrides):
    """The gateway's ``uvicorn.Config``: guarded HTTP protocol, no proxy-header rewriting, no pings,
    no WebSocket compression.

    ``permessage-deflate`` (RFC 7692) is declined: a Media Stream is 50 small base64 μ-law messages a
    second each way, which deflate barely shrinks, and compressing them cost the event loop about a
    tenth of its work at 25 calls (py-spy, ``bench/capacity.py``). A client that offers it simply gets
    an uncompressed stream.
    """
    import uvicorn

    kwargs = dict(
        host=host, port=port, log_level="warning", ws_ping_interval=None, proxy_headers=False,
        ws_per_message_deflate=False,
        http=guarded_protocol(settings.request_receipt_timeout_secs, settings.max_request_head_bytes),
        h11_max_incomplete_event_size=settings.max_request_head_bytes,
    )
    kwargs.update(overrides)
    return uvicorn.Config(app, **kwargs)


def serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.drain import Drain, DrainingServer
    from gateway.settings import MissingSettingError

    from gateway.tracing import setup_tracing

    settings = Settings()
    _setup_logging(args.log_level or settings.log_level, settings.log_format)
    setup_tracing(settings)
    drain = Drain(settings.drain_timeout_secs)
    try:
        app = create_app(settings, drain=drain)
    except MissingSettingError as e:  # e.g. PROFILE=realtime without OPENAI_API_KEY
        logger.error(f"cannot start: {e}")
        return 2
    config = uvicorn_config(app, settings, args.host or settings.host, args.port or settings.port)
    server = DrainingServer(config, drain)
    server.run()  # SIGTERM drains calls, then returns (see gateway.drain)
    return 0 if server.started else 3  # 3: start-up failed (uvicorn's STARTUP_FAILURE), e.g. REDIS_URL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parse_turns(specs: list[str]):
    from gateway.caller import Turn, fixture_texts

    texts = fixture_texts()
    turns = []
    for spec in specs:
        path, _, barge = spec.partition("@")
        if not Path(path).exists():
            raise SystemExit(f"no such WAV: {path}")
        turns.append(Turn(wav=path, barge_in_ms=int(barge) if barge else None, text=texts.get(Path(path).stem)))
    return turns


async def _call(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.caller import SimulatedCaller, format_transcript, transcribe_bot, write_wav
    from pipelines.models import load_local_models

    settings = Settings()
    turns = _parse_turns(args.wavs)
    server = None
    url = args.url
    server_task = None
    if not url:
        from gateway.app import create_app
        from pipelines import load_resources

        logger.info("starting the gateway in-process (loading models)…")
        resources = await asyncio.to_thread(load_resources, settings)
        port = _free_port()
        app = create_app(settings, resources)
        server = uvicorn.Server(uvicorn_config(app, settings, "127.0.0.1", port, lifespan="on"))
        server_task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        url = f"ws://127.0.0.1:{port}/twilio/stream"
    params = {"From": args.caller_id, "To": "+15559870000"}
    if args.language:
        params["language"] = args.language
    caller = SimulatedCaller(url, turns, parameters=params, hangup_after_s=args.hangup_after)
    try:
        result = await caller.run()
    except OSError as e:
        print(f"could not connect to {url}: {e}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.should_exit = True
            await server_task
    if args.out:
        write_wav(result, args.out)
    if not args.no_transcribe:
        models = await asyncio.to_thread(load_local_models, "base", settings.model_cache_dir)
        await asyncio.to_thread(transcribe_bot, result, models.whisper, ["en", "es", "fr", "de", "it", "pt"])
    print()
    print(f"=== call {result.call_sid} ({len(result.turns)} caller turns, {len(result.bot)} bot utterances) ===")
    print(format_transcript(result))
    if args.out:
        print(f"(what the caller heard: {args.out})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the gateway")
    p_serve.add_argument("--host")
    p_serve.add_argument("--port", type=int)
    p_serve.add_argument("--log-level")
    p_call = sub.add_parser("call", help="place a simulated call")
    p_call.add_argument("wavs", nargs="+", help="caller turns (WAV files); FILE@MS barges in MS after the bot starts")
    p_call.add_argument("--url", help="ws://HOST:PORT/twilio/stream (default: start the gateway in-process)")
    p_call.add_argument("--out", help="write what the caller heard to this WAV")
    p_call.add_argument("--language", help="starting language parameter (ISO 639-1)")
    p_call.add_argument("--caller-id", default="+15551230000", help="From number (E.164)")
    p_call.add_argument("--hangup-after", type=float, default=12.0,
                        help="seconds to wait after the last turn before the caller hangs up")
    p_call.add_argument("--no-transcribe", action="store_true", help="skip transcribing the bot's audio")
    p_call.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    _setup_logging(args.log_level)
    return asyncio.run(_call(args))
