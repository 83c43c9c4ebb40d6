"""Prometheus metrics of the gateway (exposed at ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

CALLS = Counter("gateway_calls_total", "Calls started", ["profile", "direction"], registry=REGISTRY)
CALLS_REFUSED = Counter("gateway_calls_refused_total", "Calls refused", ["reason"], registry=REGISTRY)
ACTIVE_CALLS = Gauge("gateway_active_calls", "Calls in progress", registry=REGISTRY)
CALL_SECONDS = Histogram(
    "gateway_call_duration_seconds", "Call length (s)",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1800), registry=REGISTRY,
)
BAD_MESSAGES = Counter(
    "gateway_stream_bad_messages_total", "Malformed Media Streams messages dropped", registry=REGISTRY
)
CALL_ENDINGS = Counter("gateway_call_endings_total", "How calls ended", ["reason"], registry=REGISTRY)
FLIGHT_SEARCHES = Counter("gateway_flight_searches_total", "search_flights tool calls", ["status"], registry=REGISTRY)
TURN_STAGE_SECONDS = Histogram(
    "gateway_turn_stage_seconds", "Per-turn latency by stage (s); speech_end_to_wire is the caller's wait",
    ["stage"], buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0), registry=REGISTRY,
)

from processors.language_metrics import LanguageMetrics  # noqa: E402

#: language per call (and where it came from) and switches per call
LANGUAGE_METRICS = LanguageMetrics.create(REGISTRY)
