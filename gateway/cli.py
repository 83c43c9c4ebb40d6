"""Command line: ``python -m gateway serve | call``.

- ``serve [--host H] [--port P]`` runs the gateway with uvicorn.
- ``call A.wav [B.wav …] [--url ws://…/twilio/stream] [--out call.wav]`` places a simulated call
  (see :mod:`gateway.caller`): each WAV is one caller turn; ``B.wav@800`` barges in 800 ms after the
  bot starts its next reply. Without ``--url`` the gateway starts in-process on a free loopback port.
  Prints both sides' transcripts with timestamps; exits 1 if the call failed to connect.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

from loguru import logger

from gateway.settings import Settings


def _setup_logging(level: str) -> None:
    logger.remove()
    logger.add(sys.stderr, level=level.upper(), backtrace=False, diagnose=False,
               format="{time:HH:mm:ss.SSS} {level: <7} {extra[call_sid]: <10.10} {message}")
    logger.configure(extra={"call_sid": "-"})


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app

    from gateway.settings import MissingSettingError

    settings = Settings()
    _setup_logging(args.log_level or settings.log_level)
    try:
        app = create_app(settings)
    except MissingSettingError as e:  # e.g. PROFILE=realtime without OPENAI_API_KEY
        logger.error(f"cannot start: {e}")
        return 2
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port,
                log_level="warning", ws_ping_interval=None)
    return 0


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
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               ws_ping_interval=None, lifespan="on"))
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
