"""Give the heap's free pages back to the OS after calls end (jemalloc purge, or glibc ``malloc_trim``).

A call allocates and frees a great deal outside Python's own allocator: numpy audio buffers,
CTranslate2 (Whisper) and ONNX Runtime (Silero, Smart Turn, Piper) work memory, Piper's output.
glibc keeps freed heap memory for reuse and gives back only what lies at the top of each heap, so
after a few hundred calls the process holds free pages it no longer uses: ``bench/soak.py``
measured RSS 949 → 1147 MiB over 200 + 20 calls, and one ``malloc_trim(0)`` in the settled process
gave 149 MiB back at once (998 MiB). That is memory a container limit counts and a leak alarm sees.

**The allocator.** Even trimmed, glibc's heaps stay fragmented: 100 + 10 soak calls grew RSS by
+14 % (831 → 948 MiB); with jemalloc (Debian ``libjemalloc2``, loaded with
``LD_PRELOAD=…/libjemalloc.so.2``, as the container image does) by +5.7 % (835 → 882 MiB) on the
same machine. :func:`allocator` says which one the process runs on.

**Ended calls' cycles.** A call's Pipecat objects reference each other (processors, their pipeline,
tasks), so reference counting does not free them when the call ends; Python's cyclic collector
does, but its full collections are rare on a heap this size (they wait until the long-lived objects
grew by a quarter). Until then everything those objects hold stays allocated: a jemalloc heap
profile of the soak (``MALLOC_CONF=prof:true``, dumps at two settled checkpoints 110 calls apart)
found +35 MiB between them, 25 MiB of it soxr resampler state (Pipecat's stream resamplers) and
the rest Python objects and bytearrays; the settled RSS went up and down with that (-8..+42 MiB in
five runs). So :class:`HeapTrimmer` runs ``gc.collect()`` before each release, on the event loop
(``gateway_gc_collect_seconds``).

:class:`HeapTrimmer` gives free pages back after a call ends, in a worker thread (7 ms seen on the
~1 GiB gateway while the event loop goes on; ``gateway_heap_trim_seconds``), at most once per
``min_interval_secs``; a call that ends sooner schedules one at the end of the interval, so the last
call of a burst is covered too. The release is :func:`heap_release`: under jemalloc its
``arena.<MALLCTL_ARENAS_ALL>.purge`` (https://jemalloc.net/jemalloc.3.html#arena.i.purge: "purge
all unused dirty pages for arena <i>, or for all arenas if <i> equals MALLCTL_ARENAS_ALL"), else
glibc's ``malloc_trim(0)`` (https://man7.org/linux/man-pages/man3/malloc_trim.3.html: "attempts to
release free memory from the heap … by calling sbrk(2) or madvise(2)"). Where the process has
neither (musl, macOS) it does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import time
from collections.abc import Callable
from typing import Any

from loguru import logger

from gateway import metrics


#: jemalloc's ``MALLCTL_ARENAS_ALL``: ``arena.<i>.*`` with this ``i`` acts on every arena (jemalloc ≥ 5).
MALLCTL_ARENAS_ALL = 4096


def _mallctl() -> Any | None:
    """jemalloc's ``mallctl`` if the process's ``malloc`` is jemalloc (preloaded or linked), else ``None``."""
    try:
        mallctl = ctypes.CDLL(None).mallctl  # the global namespace: what malloc() resolves to
    except (OSError, AttributeError):
        return None
    mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    mallctl.restype = ctypes.c_int
    return mallctl


def allocator() -> str:
    """The process's ``malloc``: ``"jemalloc <version>"`` or ``"glibc"`` (or ``"unknown"``)."""
    mallctl = _mallctl()
    if mallctl is not None:
        version = ctypes.c_char_p()
        size = ctypes.c_size_t(ctypes.sizeof(version))
        if mallctl(b"version", ctypes.byref(version), ctypes.byref(size), None, 0) == 0 and version.value:
            return "jemalloc " + version.value.decode().split("-", 1)[0]
        return "jemalloc"
    return "glibc" if glibc_malloc_trim() is not None else "unknown"


def jemalloc_purge() -> Callable[[], int] | None:
    """``() -> 1`` that purges every jemalloc arena's unused dirty pages, or ``None`` without jemalloc.

    Raises (when called):
        OSError: ``mallctl`` returned an error number.
    """
    mallctl = _mallctl()
    if mallctl is None:
        return None
    name = f"arena.{MALLCTL_ARENAS_ALL}.purge".encode()

    def purge() -> int:
        err = mallctl(name, None, None, None, 0)
        if err:
            raise OSError(err, f"mallctl {name.decode()}")
        return 1

    return purge


#: jemalloc's heap statistics (bytes) read by :func:`jemalloc_stats`
#: (https://jemalloc.net/jemalloc.3.html#stats.allocated): ``allocated`` is what the program holds;
#: ``active`` the pages of active extents (allocated plus their fragmentation); ``metadata``
#: jemalloc's own; ``resident`` the physically resident pages of all three and of the dirty (freed,
#: not yet purged) ones; ``mapped`` the mapped extents; ``retained`` address space kept unmapped.
JEMALLOC_STATS = ("allocated", "active", "metadata", "resident", "mapped", "retained")


def jemalloc_stats() -> Callable[[], dict[str, int]] | None:
    """``() -> {kind: bytes}`` for :data:`JEMALLOC_STATS`, fresh at each call (jemalloc's ``epoch``
    is advanced first: its statistics are a snapshot taken then), or ``None`` without jemalloc.

    Raises (when called):
        OSError: ``mallctl`` returned an error number (a jemalloc built without statistics).
    """
    mallctl = _mallctl()
    if mallctl is None:
        return None

    def stats() -> dict[str, int]:
        epoch = ctypes.c_uint64(1)
        size = ctypes.c_size_t(ctypes.sizeof(epoch))
        err = mallctl(b"epoch", ctypes.byref(epoch), ctypes.byref(size), ctypes.byref(epoch), ctypes.sizeof(epoch))
        if err:
            raise OSError(err, "mallctl epoch")
        out = {}
        for kind in JEMALLOC_STATS:
            value = ctypes.c_size_t()
            size = ctypes.c_size_t(ctypes.sizeof(value))
            err = mallctl(f"stats.{kind}".encode(), ctypes.byref(value), ctypes.byref(size), None, 0)
            if err:
                raise OSError(err, f"mallctl stats.{kind}")
            out[kind] = value.value
        return out

    return stats


class HeapStatsCollector:
    """Prometheus collector of ``gateway_heap_bytes{kind}``: :func:`jemalloc_stats` read at each
    scrape. Growth of ``allocated`` is memory the program holds (a leak or a cache); growth of
    ``resident`` alone is memory the allocator keeps. Register it only when jemalloc runs."""

    def __init__(self, stats: Callable[[], dict[str, int]]) -> None:
        self._stats = stats

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("gateway_heap_bytes", "jemalloc heap statistics (bytes), read at the scrape",
                                   labels=["kind"])
        try:
            for kind, value in self._stats().items():
                family.add_metric([kind], value)
        except OSError as e:  # a scrape never fails for it
            logger.warning(f"jemalloc stats unavailable: {e}")
        yield family


_heap_stats_registered = False


def register_heap_stats() -> bool:
    """Serve ``gateway_heap_bytes{kind}`` at ``GET /metrics`` (:class:`HeapStatsCollector` on the
    process's registry, once per process) when the process runs on jemalloc; returns whether it does."""
    global _heap_stats_registered
    stats = jemalloc_stats()
    if stats is None:
        return False
    if not _heap_stats_registered:
        metrics.REGISTRY.register(HeapStatsCollector(stats))
        _heap_stats_registered = True
    return True


def jemalloc_library() -> str | None:
    """Path of Debian's ``libjemalloc2`` (``/usr/lib/<arch>-linux-gnu/libjemalloc.so.2``, what
    ``LD_PRELOAD`` needs; ``make setup`` installs it), or ``None`` if it is not installed."""
    import glob

    found = sorted(glob.glob("/usr/lib/*-linux-gnu/libjemalloc.so.2"))
    return found[0] if found else None


def heap_release() -> Callable[[], int] | None:
    """The release for this process's allocator: :func:`jemalloc_purge`, else :func:`glibc_malloc_trim`."""
    return jemalloc_purge() or glibc_malloc_trim()


def glibc_malloc_trim() -> Callable[[], int] | None:
    """``lambda: malloc_trim(0)`` from the process's C library, or ``None`` if it has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: int(trim(0))


def freeze_startup_objects() -> int:
    """Collect, then move every object the process holds now (the loaded models, language data,
    settings) into Python's permanent generation (``gc.freeze()``,
    https://docs.python.org/3/library/gc.html#gc.freeze), so that later collections walk only what
    calls created since. Call once, after start-up loading. Returns how many objects were frozen.

    Measured in the soak's gateway: a full ``gc.collect()`` after a call took ~170 ms on the event
    loop without this (every loaded object walked each time)."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.info(f"start-up objects frozen for the collector: {frozen}")
    return frozen


class HeapTrimmer:
    """Gives free heap pages back after calls end, at most once per ``min_interval_secs``: first
    ``gc.collect()`` (the ended calls' reference cycles, and what they hold), then the release.

    Args:
        min_interval_secs: the shortest time between two trims (s); 0 or less: never trim.
        trim: ``() -> int``, the release itself (default :func:`heap_release`: jemalloc's purge or
            glibc's ``malloc_trim``; nothing where the process has neither). Returns 1 if memory
            was released, as ``malloc_trim`` does.
        collect: ``() -> int``, the collection run on the event loop before the release (default
            :func:`gc.collect`; returns the number of unreachable objects found).

    Attributes:
        trims: how many trims ran.
    """

    def __init__(self, min_interval_secs: float = 30.0, trim: Callable[[], int] | None = None,
                 collect: Callable[[], int] = gc.collect) -> None:
        self.min_interval_secs = min_interval_secs
        self._trim = trim if trim is not None else heap_release()
        self._collect = collect
        self._last: float | None = None  # monotonic time of the last trim's start
        self._pending: asyncio.Task | None = None
        self.trims = 0

    @property
    def enabled(self) -> bool:
        """Whether trims run at all (an interval above 0 and an allocator that can release)."""
        return self.min_interval_secs > 0 and self._trim is not None

    def call_ended(self) -> None:
        """A call ended: trim now, or once the interval since the last trim is over (one pending trim)."""
        if not self.enabled or (self._pending is not None and not self._pending.done()):
            return
        wait = 0.0 if self._last is None else self._last + self.min_interval_secs - time.monotonic()
        self._pending = asyncio.get_running_loop().create_task(self._run(max(0.0, wait)))

    async def _run(self, delay_secs: float) -> None:
        if delay_secs:
            await asyncio.sleep(delay_secs)
        self._last = time.monotonic()
        # the ended calls' objects that reference each other (a pipeline's processors, their soxr
        # resamplers and audio buffers) wait for a full collection, which Python runs rarely on a
        # heap this size: collect them first, so what they hold is free for the release
        found = self._collect()
        collected = time.monotonic()
        metrics.GC_COLLECT_SECONDS.observe(collected - self._last)
        try:
            released = await asyncio.to_thread(self._trim)
        except Exception as e:  # a report-only optimisation: never let it touch a call
            logger.warning(f"heap release failed: {e}")
            return
        took = time.monotonic() - collected
        self.trims += 1
        metrics.HEAP_TRIM_SECONDS.observe(took)
        logger.debug(f"heap release: {found} unreachable objects collected in {(collected - self._last) * 1000:.0f} ms, "
                     f"{'released memory' if released else 'nothing to release'} in {took * 1000:.0f} ms")

    async def stop(self) -> None:
        """Cancel a pending trim (server shutdown)."""
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
            try:
                await self._pending
            except asyncio.CancelledError:
                pass
