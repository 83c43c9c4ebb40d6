"""Prometheus objects for the language switch: language per call and switches per call.

The process registry is :data:`processors.metrics.REGISTRY`; this module only builds the objects on the
registry it is given, so tests can use their own ``CollectorRegistry``::

    metrics = LanguageMetrics.create(registry)          # once per process
    LanguageSwitchProcessor(..., metrics=metrics)       # per call
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class LanguageMetrics:
    """``calls_by_language``: calls by starting language and its source; ``switches``: switches by
    from/to language; ``switches_per_call``: observed once per call (at its end)."""

    calls_by_language: Counter
    switches: Counter
    switches_per_call: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None, prefix: str = "gateway") -> LanguageMetrics:
        kw = {"registry": registry} if registry is not None else {}
        return cls(
            calls_by_language=Counter(
                f"{prefix}_call_language_total", "Calls by starting language and where it came from",
                ["language", "source"], **kw,
            ),
            switches=Counter(
                f"{prefix}_language_switches_total", "Mid-call language switches", ["from_language", "to_language"], **kw,
            ),
            switches_per_call=Histogram(
                f"{prefix}_language_switches_per_call", "Language switches in one call",
                buckets=(0, 1, 2, 3, 5, 10), **kw,
            ),
        )

    def call_started(self, language: str, source: str) -> None:
        self.calls_by_language.labels(language=language, source=source).inc()

    def switched(self, old: str, new: str) -> None:
        self.switches.labels(from_language=old, to_language=new).inc()

    def call_ended(self, switches: int) -> None:
        self.switches_per_call.observe(switches)
