"""OpenTelemetry tracing, switched on by ``OTEL_EXPORTER_OTLP_ENDPOINT`` (Pipecat's own tracing).

Pipecat traces a ``PipelineWorker`` built with ``enable_tracing=True``
(https://docs.pipecat.ai/server/utilities/opentelemetry): one ``conversation`` span per call (here
with ``conversation.id``, ``call_sid`` and the starting ``language``), a ``turn`` span per turn
under it, and ``stt``/``llm``/``tts`` spans under each turn (the local profile's services carry
Pipecat's ``traced_*`` decorators too); :class:`CallSidProcessor` copies ``call_sid`` onto each of
them, and ``stt`` spans carry the ``language`` Whisper heard. The shell passes those parameters
(:func:`pipelines.shell.build_call`, ``settings.tracing_enabled``).

Pipecat puts what was said on its spans (``transcript``, ``text``, LLM ``input``/``output``, system
instructions). Unless ``TRACE_TRANSCRIPTS=true``, :class:`RedactingExporter` drops those attributes
before any span leaves the process.

Export: OTLP over HTTP/protobuf to ``{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces``
(https://opentelemetry.io/docs/specs/otel/protocol/exporter/), batched.
"""

from __future__ import annotations

from collections.abc import Sequence

from loguru import logger
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

#: Span attributes that hold what a caller or the bot said (Pipecat's names, see
#: ``pipecat/utils/tracing/service_attributes.py``); dropped unless ``TRACE_TRANSCRIPTS=true``.
SPOKEN_ATTRIBUTES = frozenset({
    "transcript", "text", "text_output", "input", "output", "gen_ai.system_instructions",
    "system_instructions", "user_id",
})


class RedactingExporter(SpanExporter):
    """Wraps an exporter; spans reach it without :data:`SPOKEN_ATTRIBUTES`."""

    def __init__(self, inner: SpanExporter):
        self.inner = inner

    @staticmethod
    def redact(span: ReadableSpan) -> ReadableSpan:
        attributes = span.attributes or {}
        if not any(k in SPOKEN_ATTRIBUTES for k in attributes):
            return span
        return ReadableSpan(
            name=span.name, context=span.context, parent=span.parent, resource=span.resource,
            attributes={k: v for k, v in attributes.items() if k not in SPOKEN_ATTRIBUTES},
            events=span.events, links=span.links, kind=span.kind, status=span.status,
            start_time=span.start_time, end_time=span.end_time, instrumentation_scope=span.instrumentation_scope,
        )

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self.redact(s) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


class CallSidProcessor(SpanProcessor):
    """Puts the call span's ``call_sid`` on every span under it (turns, stt/llm/tts), so any span
    can be found by CallSid. Holds only the spans still open."""

    def __init__(self):
        self._open: dict[int, ReadableSpan] = {}

    def on_start(self, span, parent_context=None) -> None:
        self._open[span.context.span_id] = span
        parent = self._open.get(span.parent.span_id) if span.parent else None
        call_sid = (parent.attributes or {}).get("call_sid") if parent is not None else None
        if call_sid and "call_sid" not in (span.attributes or {}):
            span.set_attribute("call_sid", call_sid)

    def on_end(self, span: ReadableSpan) -> None:
        self._open.pop(span.context.span_id, None)

    def shutdown(self) -> None:
        self._open.clear()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def exporter_for(settings, inner: SpanExporter) -> SpanExporter:
    """``inner``, behind :class:`RedactingExporter` unless ``TRACE_TRANSCRIPTS=true``."""
    return inner if settings.trace_transcripts else RedactingExporter(inner)


def setup_tracing(settings) -> bool:
    """Install the process's tracer provider with the OTLP/HTTP exporter when
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (Pipecat's ``setup_tracing``); returns whether it did."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from pipecat.utils.tracing.setup import setup_tracing as pipecat_setup_tracing

    from opentelemetry import trace

    url = endpoint.rstrip("/") + "/v1/traces"
    ok = pipecat_setup_tracing(settings.otel_service_name, exporter=exporter_for(settings, OTLPSpanExporter(url)))
    if ok:
        trace.get_tracer_provider().add_span_processor(CallSidProcessor())
        logger.info(f"tracing: OpenTelemetry spans to {url} (transcripts "
                    f"{'kept' if settings.trace_transcripts else 'stripped'})")
    else:
        logger.warning("tracing: OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry could not be set up")
    return ok
