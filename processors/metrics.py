"""The process's Prometheus registry and the metrics a call's pipeline reports.

The registry lives here, in the lowest room that reports metrics, so processors and the call shell
never import ``gateway``; :mod:`gateway.metrics` adds the gateway's own metrics to the same registry
and exposes it at ``GET /metrics``. Processors take these objects as arguments (tests pass their
own ``CollectorRegistry``); :mod:`pipelines.shell` passes the ones below.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, Histogram

from processors.language_metrics import LanguageMetrics

REGISTRY = CollectorRegistry()

#: per-turn latency by stage (s), observed by :class:`processors.turn_timing.TurnTimingObserver`
TURN_STAGE_SECONDS = Histogram(
    "gateway_turn_stage_seconds", "Per-turn latency by stage (s); speech_end_to_wire is the caller's wait",
    ["stage"], buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0), registry=REGISTRY,
)

#: language per call (and where it came from) and switches per call
LANGUAGE_METRICS = LanguageMetrics.create(REGISTRY)

#: bytes of audio in the local TTS's sentence cache (:data:`processors.local_tts.SENTENCE_AUDIO`, at most
#: 48 MiB): an expected cache, so a soak sets its growth apart from the process's
SENTENCE_CACHE_SIZE = Gauge(
    "gateway_tts_sentence_cache_bytes", "Audio bytes in the local TTS's sentence cache", registry=REGISTRY,
)

#: the Whisper decode queue (:class:`processors.stt_queue.DecodeQueue`)
STT_QUEUE_DEPTH = Gauge("gateway_stt_queue_depth", "STT segments waiting for a decode worker", registry=REGISTRY)
STT_IN_FLIGHT = Gauge("gateway_stt_decodes_in_flight", "STT decodes running", registry=REGISTRY)
STT_QUEUE_WAIT = Histogram(
    "gateway_stt_queue_wait_seconds", "Time an STT segment waited for a decode worker (s)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0), registry=REGISTRY,
)
STT_QUEUE_WAIT_RECENT = Gauge(
    "gateway_stt_queue_wait_recent_seconds", "STT queue wait, p90 over the admission window (s)", registry=REGISTRY,
)
