"""Tracing and call logs, end to end: one simulated call (local profile) through a gateway served
in-process, with the OpenTelemetry SDK's in-memory exporter as the collector.

- the call produces one ``conversation`` span (``call_sid``, ``language``), a ``turn`` span under it,
  and ``stt``, ``llm`` and ``tts`` spans under the turn, each with the ``call_sid``;
- what was said never leaves the process at default settings: Pipecat recorded the transcript on
  the raw spans, the exported (redacted) ones carry none of :data:`gateway.tracing.SPOKEN_ATTRIBUTES`;
- every line logged by the call's own code and Pipecat's while it runs carries its ``call_sid``.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from loguru import logger
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.caller import SimulatedCaller, Turn
from gateway.tracing import SPOKEN_ATTRIBUTES, CallSidProcessor, exporter_for
from testkit.server import fixture

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_call_gives_a_call_span_with_turns_and_stage_children_and_no_transcripts(local_resources):
    import uvicorn

    from gateway.app import create_app
    from gateway.cli import uvicorn_config
    from gateway.settings import Settings

    raw, exported = InMemorySpanExporter(), InMemorySpanExporter()
    settings = Settings(_env_file=None, otel_exporter_otlp_endpoint="http://127.0.0.1:9", stream_scheme="ws")
    assert settings.tracing_enabled and not settings.trace_transcripts
    provider = TracerProvider()
    provider.add_span_processor(CallSidProcessor())  # as setup_tracing does (it sets call_sid at span start)
    provider.add_span_processor(SimpleSpanProcessor(raw))
    provider.add_span_processor(SimpleSpanProcessor(exporter_for(settings, exported)))
    trace.set_tracer_provider(provider)

    records: list[dict] = []
    sink = logger.add(lambda m: records.append(m.record), level="DEBUG")

    async def go():
        port = _free_port()
        server = uvicorn.Server(uvicorn_config(create_app(settings, local_resources), settings, "127.0.0.1", port,
                                               lifespan="on"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            return await SimulatedCaller(f"ws://127.0.0.1:{port}/twilio/stream", [Turn(fixture("en_goodbye"))],
                                         parameters={"From": "+15551230000", "To": "+15559870000",
                                                     "language": "en"}).run()
        finally:
            server.should_exit = True
            await task

    try:
        result = asyncio.run(go())
    finally:
        logger.remove(sink)
    provider.force_flush()
    assert result.closed_by_gateway  # the goodbye ended it

    spans = exported.get_finished_spans()
    [call] = [s for s in spans if s.name == "conversation"]
    assert call.attributes["call_sid"] == result.call_sid and call.attributes["language"] == "en"
    assert call.attributes["conversation.id"] == result.call_sid
    turns = [s for s in spans if s.name == "turn" and s.parent and s.parent.span_id == call.context.span_id]
    assert turns, [s.name for s in spans]
    turn_ids = {t.context.span_id for t in turns}
    stages = {s.name for s in spans if s.parent and s.parent.span_id in turn_ids}
    assert {"stt", "llm", "tts"} <= stages, stages
    under_call = [s for s in spans if s.parent and (s.parent.span_id == call.context.span_id
                                                    or s.parent.span_id in turn_ids)]
    assert all(s.attributes.get("call_sid") == result.call_sid for s in under_call)

    said = [s for s in raw.get_finished_spans() if s.name == "stt" and s.attributes.get("transcript")]
    assert said, "Pipecat recorded no transcript: nothing to strip, the check below would prove nothing"
    for span in spans:
        assert not SPOKEN_ATTRIBUTES & set(span.attributes or {}), (span.name, dict(span.attributes))

    started = next(i for i, r in enumerate(records) if r["message"].startswith("call started"))
    ended = next(i for i, r in enumerate(records) if r["message"].startswith("call ended"))
    during = [r for r in records[started:ended + 1] if (r["name"] or "").split(".")[0] in ("pipecat", "processors",
                                                                                          "gateway", "pipelines")]
    assert len(during) > 5
    assert all(r["extra"].get("call_sid") == result.call_sid for r in during), \
        [(r["name"], r["message"]) for r in during if r["extra"].get("call_sid") != result.call_sid][:5]
