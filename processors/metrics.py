"""The process's Prometheus registry and the metrics a call's pipeline reports.

The registry lives here, in the lowest room that reports metrics, so processors and the call shell
never import ``gateway``; :mod:`gateway.metrics` adds the gateway's own metrics to the same registry
and exposes it at ``GET /metrics``. Processors take these objects as arguments (tests pass their
own ``CollectorRegistry``); :mod:`pipelines.shell` passes the ones below.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

from processors.language_metrics import LanguageMetrics

REGISTRY = CollectorRegistry()

#: per-turn latency by stage (s), observed by :class:`processors.turn_timing.TurnTimingObserver`
TURN_STAGE_SECONDS = Histogram(
    "gateway_turn_stage_seconds", "Per-turn latency by stage (s); speech_end_to_wire is the caller's wait",
    ["stage"], buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0), registry=REGISTRY,
)

#: language per call (and where it came from) and switches per call
LANGUAGE_METRICS = LanguageMetrics.create(REGISTRY)
