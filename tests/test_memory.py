"""The heap trimmer after call ends (issue 14, the soak): real glibc, and when trims run."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import sys
import time

import pytest

from gateway.memory import HeapTrimmer, glibc_malloc_trim, jemalloc_library

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or glibc_malloc_trim() is None,
                           reason="needs glibc's malloc_trim")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@glibc
def test_a_trim_gives_freed_heap_pages_back_to_the_os():
    # 48 MiB in 64 KiB blocks (below glibc's smallest mmap threshold, 128 KiB: they live on the heap), touched, then
    # all freed but the last, which pins the top of the heap so free() alone cannot shrink it.
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    size, n = 64 * 1024, 768
    blocks = [libc.malloc(size) for _ in range(n)]
    for b in blocks:
        ctypes.memset(b, 1, size)
    for b in blocks[:-1]:
        libc.free(b)
    held = rss_bytes()
    assert glibc_malloc_trim()() == 1  # "memory was actually released"
    released = held - rss_bytes()
    libc.free(blocks[-1])
    assert released >= 32 * 1024 * 1024, released


async def test_a_call_end_trims_at_once_then_at_most_once_per_interval():
    # the collection is left out here: on a test process's large heap a real gc.collect() blocks
    # the loop for a few hundred ms, which is not what this test measures (the next test runs it)
    calls: list[float] = []
    trimmer = HeapTrimmer(0.6, trim=lambda: calls.append(time.monotonic()) or 1, collect=lambda: 0)
    t0 = time.monotonic()
    trimmer.call_ended()
    await asyncio.sleep(0.05)
    assert len(calls) == 1 and trimmer.trims == 1
    trimmer.call_ended()  # within the interval: one trim at its end…
    trimmer.call_ended()  # …and no second one for the same interval
    await asyncio.sleep(0.1)
    assert len(calls) == 1
    await asyncio.sleep(1.0)
    assert len(calls) == 2 and calls[1] - t0 >= 0.6
    await trimmer.stop()


class _Ended:
    """An ended call's object graph in miniature: a cycle (a processor and its pipeline point at each
    other) holding a buffer, as Pipecat's processors hold soxr resamplers and audio."""

    def __init__(self):
        self.buffer = bytearray(8 * 1024 * 1024)
        self.me = self


async def test_a_call_end_collects_the_ended_calls_cycles_before_the_release():
    """The soak found an ended call's soxr resamplers and buffers (25–35 MiB over a few calls)
    still allocated after the heap release, until Python's next full collection: with automatic
    collection off here, only the trimmer's own collection frees the cycle before its release."""
    import gc
    import weakref

    seen_at_release: list[bool] = []
    ended = _Ended()
    alive = weakref.ref(ended)
    del ended
    trimmer = HeapTrimmer(30, trim=lambda: seen_at_release.append(alive() is not None) or 1)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert alive() is not None  # a cycle: not freed by reference counting
        trimmer.call_ended()
        await asyncio.sleep(0.05)
    finally:
        if was_enabled:
            gc.enable()
    assert seen_at_release == [False] and trimmer.trims == 1
    await trimmer.stop()


async def test_no_trim_when_off_and_a_failing_trim_touches_nothing():
    off = HeapTrimmer(0, trim=lambda: 1 / 0)
    assert not off.enabled
    off.call_ended()
    failing = HeapTrimmer(30, trim=lambda: 1 / 0)
    failing.call_ended()
    await asyncio.sleep(0.05)
    assert failing.trims == 0
    await failing.stop()


JEMALLOC_CHILD = r"""
import ctypes, os
from gateway.memory import HeapTrimmer, allocator, heap_release

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
size, n = 64 * 1024, 768  # 48 MiB, touched, then freed: jemalloc keeps them as dirty pages (10 s decay)
blocks = [libc.malloc(size) for _ in range(n)]
for b in blocks:
    ctypes.memset(b, 1, size)
for b in blocks:
    libc.free(b)
held = rss()
trimmer = HeapTrimmer(30)
assert trimmer.enabled
print(allocator(), trimmer._trim(), held - rss())
"""


@pytest.mark.skipif(jemalloc_library() is None, reason="needs Debian's libjemalloc2 (make setup installs it)")
def test_under_jemalloc_the_release_purges_its_arenas_and_gives_freed_pages_back():
    import subprocess

    env = {**os.environ, "LD_PRELOAD": jemalloc_library(), "MALLOC_CONF": "background_thread:false"}
    out = subprocess.run([sys.executable, "-c", JEMALLOC_CHILD], env=env, capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    name, version, released, returned = out.stdout.split()
    assert name == "jemalloc" and version[0].isdigit() and released == "1"
    assert int(returned) >= 32 * 1024 * 1024, returned


def test_without_jemalloc_the_release_is_glibcs_trim():
    from gateway.memory import allocator, heap_release, jemalloc_purge

    assert jemalloc_purge() is None  # the test runner itself has glibc's malloc
    assert allocator() == ("glibc" if glibc_malloc_trim() is not None else "unknown")
    assert (heap_release() is None) == (glibc_malloc_trim() is None)


#: under jemalloc: gateway_heap_bytes at a scrape while 48 MiB are held, then after they are freed
STATS_CHILD = r"""
import ctypes
from prometheus_client import generate_latest
from gateway import metrics
from gateway.memory import register_heap_stats

def allocated():
    text = generate_latest(metrics.REGISTRY).decode()
    line = next(l for l in text.splitlines() if l.startswith('gateway_heap_bytes{kind="allocated"}'))
    return float(line.split()[-1])

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
assert register_heap_stats() and register_heap_stats()  # twice: registered once, no duplicate error
before = allocated()
blocks = [libc.malloc(64 * 1024) for _ in range(768)]
held = allocated()
for b in blocks:
    libc.free(b)
print(int(held - before), int(allocated() - before))
"""


@pytest.mark.skipif(jemalloc_library() is None, reason="needs Debian's libjemalloc2 (make setup installs it)")
def test_under_jemalloc_the_metrics_show_what_the_program_holds():
    import subprocess

    env = {**os.environ, "LD_PRELOAD": jemalloc_library()}
    out = subprocess.run([sys.executable, "-c", STATS_CHILD], env=env, capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    held, after_free = (int(v) for v in out.stdout.split())
    assert held >= 45 * 1024 * 1024 and abs(after_free) < 4 * 1024 * 1024, (held, after_free)  # 48 MiB held


def test_without_jemalloc_there_are_no_heap_statistics():
    from gateway.memory import jemalloc_stats, register_heap_stats

    assert jemalloc_stats() is None and register_heap_stats() is False


FREEZE_CHILD = r"""
import gc, weakref
from gateway.memory import freeze_startup_objects

class Node:
    def __init__(self):
        self.me = self

loaded = [Node() for _ in range(1000)]  # what start-up loaded: reachable, in cycles
garbage = Node()
garbage_ref = weakref.ref(garbage)
del garbage  # start-up garbage: collected before the freeze, not frozen with the rest
frozen = freeze_startup_objects()
walked = {id(o) for o in gc.get_objects()}
call = Node()  # a call's cycle, made after start-up
call_ref = weakref.ref(call)
del call
gc.collect()
print(frozen >= 1000, garbage_ref() is None, not any(id(n) in walked for n in loaded), call_ref() is None)
"""


def test_start_up_objects_are_frozen_out_of_later_collections_and_calls_cycles_still_collected():
    import subprocess

    out = subprocess.run([sys.executable, "-c", FREEZE_CHILD], capture_output=True, text=True, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"] * 4, out.stdout
