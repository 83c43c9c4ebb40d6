"""Prometheus metrics of the gateway (exposed at ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# One registry per process, defined low so the call pipeline's metrics (turn stages, languages) live
# beside these without processors importing gateway.
from processors.metrics import LANGUAGE_METRICS, REGISTRY, TURN_STAGE_SECONDS  # noqa: F401 (re-exported)

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
