"""Prometheus metrics of the gateway (exposed at ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# One registry per process, defined low so the call pipeline's metrics (turn stages, languages) live
# beside these without processors importing gateway.
from processors.metrics import REGISTRY  # noqa: F401 (re-exported: GET /metrics serves it)

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

#: how late the event loop wakes a 50 ms sleeper (s), sampled by :class:`gateway.load.LoopLagMonitor`
EVENT_LOOP_LAG = Histogram(
    "gateway_event_loop_lag_seconds", "Event-loop lag: how late a timer fires (s)",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
#: the lag the admission guard sees: 90th percentile over the last window (s)
EVENT_LOOP_LAG_RECENT = Gauge(
    "gateway_event_loop_lag_recent_seconds", "Event-loop lag, p90 over the admission window (s)", registry=REGISTRY,
)
#: asyncio tasks alive on the server's loop (sampled about once a second; a leak shows as growth)
ASYNCIO_TASKS = Gauge("gateway_asyncio_tasks", "asyncio tasks alive on the event loop", registry=REGISTRY)
#: how long the collection before a heap trim took (s), on the event loop, by :class:`gateway.memory.HeapTrimmer`
GC_COLLECT_SECONDS = Histogram(
    "gateway_gc_collect_seconds", "gc.collect() after a call end, before the heap release, on the event loop (s)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0), registry=REGISTRY,
)
#: how long a heap trim after a call end took (s), by :class:`gateway.memory.HeapTrimmer`
HEAP_TRIM_SECONDS = Histogram(
    "gateway_heap_trim_seconds", "malloc_trim(0) after a call end, in a worker thread (s)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0), registry=REGISTRY,
)
