"""The local TTS's sentence cache: a sentence synthesized to its end is replayed, not re-synthesized."""

from __future__ import annotations

import asyncio

from processors import local_tts
from processors.local_tts import _through_cache
from processors.metrics import SENTENCE_CACHE_SIZE


def _drain(key, synthesize, take: int | None = None) -> list[bytes]:
    async def run():
        out = []
        gen = _through_cache(key, synthesize)
        async for chunk in gen:
            out.append(chunk)
            if take is not None and len(out) == take:
                await gen.aclose()  # the caller barged in: synthesis stopped half way
                break
        return out
    return asyncio.run(run())


def _synth(calls: list, chunks: list[bytes]):
    async def gen():
        calls.append(1)
        for c in chunks:
            await asyncio.sleep(0)
            yield c
    return gen


def test_a_finished_sentence_is_replayed_from_the_cache():
    key, calls = ("test", "voice", 1.0, "Where would you like to fly from?"), []
    local_tts.SENTENCE_AUDIO.pop(key, None)
    chunks = [b"\x01\x02" * 400, b"\x03\x04" * 300]
    assert _drain(key, _synth(calls, chunks)) == chunks
    assert _drain(key, _synth(calls, chunks)) == chunks
    assert len(calls) == 1  # the second time came from the cache
    assert SENTENCE_CACHE_SIZE._value.get() == local_tts.SENTENCE_AUDIO.currsize >= 1400  # the gauge the soak reads
    local_tts.SENTENCE_AUDIO.pop(key, None)


def test_a_sentence_cut_off_half_way_is_not_kept():
    key, calls = ("test", "voice", 1.0, "Interrupted sentence."), []
    local_tts.SENTENCE_AUDIO.pop(key, None)
    chunks = [b"\x01\x00" * 100] * 4

    def half_made():  # the caller barges in while the rest is still being synthesized
        return _gated_synth(calls, [], chunks, asyncio.Event(), after=2)()
    assert _drain(key, half_made, take=2) == chunks[:2]
    assert key not in local_tts.SENTENCE_AUDIO
    assert _drain(key, _synth(calls, chunks)) == chunks  # synthesized again, whole
    assert len(calls) == 2 and key in local_tts.SENTENCE_AUDIO
    local_tts.SENTENCE_AUDIO.pop(key, None)


def test_tts_sentence_cache_mb_zero_keeps_nothing_and_the_default_bound_comes_back():
    """``TTS_SENTENCE_CACHE_MB=0``: every call's sentence is synthesized for it (the bench's honest
    talking rows); setting the default again gives a cache of that bound."""
    key, calls = ("test", "voice", 1.0, "Nothing is kept."), []
    chunks = [b"\x05\x06" * 200]
    try:
        local_tts.configure_sentence_cache(0)
        assert _drain(key, _synth(calls, chunks)) == chunks
        assert _drain(key, _synth(calls, chunks)) == chunks
        assert len(calls) == 2 and len(local_tts.SENTENCE_AUDIO) == 0
    finally:
        local_tts.configure_sentence_cache(local_tts.SENTENCE_CACHE_BYTES)
    assert local_tts.SENTENCE_AUDIO.maxsize == local_tts.SENTENCE_CACHE_BYTES
    _drain(key, _synth(calls, chunks))
    assert len(calls) == 3 and key in local_tts.SENTENCE_AUDIO
    local_tts.SENTENCE_AUDIO.pop(key, None)


def test_the_cache_is_bounded_in_bytes_and_one_sentence_cannot_fill_it():
    cache = local_tts.SENTENCE_AUDIO  # the module's current cache (a test may have set a new bound)
    assert cache.maxsize == local_tts.SENTENCE_CACHE_BYTES
    key, calls = ("test", "voice", 1.0, "A very long read-out."), []
    big = [b"\x00" * (cache.maxsize // 16 + 2)]
    _drain(key, _synth(calls, big))
    assert key not in cache



def _gated_synth(calls: list, closed: list, chunks: list[bytes], gate: asyncio.Event, after: int = 1):
    """Yields ``after`` chunks, then the rest once ``gate`` is set (the sentence still being made)."""
    async def gen():
        calls.append(1)
        try:
            for i, c in enumerate(chunks):
                if i == after:
                    await gate.wait()
                yield c
        finally:
            closed.append(1)
    return gen


def test_calls_saying_a_sentence_being_synthesized_share_that_one_synthesis():
    key, calls, closed = ("test", "voice", 1.0, "Welcome to the flight line."), [], []
    local_tts.SENTENCE_AUDIO.pop(key, None)
    chunks = [bytes([i]) * 200 for i in range(5)]

    async def run():
        gate = asyncio.Event()
        synth = _gated_synth(calls, closed, chunks, gate)
        first = _through_cache(key, synth)
        heard = [[await first.__anext__()]]  # the first call is hearing it: synthesis under way
        others = [asyncio.create_task(_collect(_through_cache(key, synth))) for _ in range(2)]
        await asyncio.sleep(0)
        gate.set()
        heard[0] += [c async for c in first]
        return heard + [await t for t in others]

    assert asyncio.run(run()) == [chunks, chunks, chunks]  # the later calls hear it from the first chunk
    assert len(calls) == 1 and key in local_tts.SENTENCE_AUDIO
    local_tts.SENTENCE_AUDIO.pop(key, None)


async def _collect(gen) -> list[bytes]:
    return [c async for c in gen]


def test_a_shared_synthesis_goes_on_for_the_others_when_the_first_call_barges_in():
    key, calls, closed = ("test", "voice", 1.0, "Here are the flights I found."), [], []
    local_tts.SENTENCE_AUDIO.pop(key, None)
    chunks = [bytes([i]) * 200 for i in range(5)]

    async def run():
        gate = asyncio.Event()
        synth = _gated_synth(calls, closed, chunks, gate)
        first = _through_cache(key, synth)
        cut = [await first.__anext__()]
        second = asyncio.create_task(_collect(_through_cache(key, synth)))
        await asyncio.sleep(0)
        await first.aclose()  # the first caller barged in
        gate.set()
        return [cut, await second]

    assert asyncio.run(run()) == [chunks[:1], chunks]
    assert len(calls) == 1 and key in local_tts.SENTENCE_AUDIO
    local_tts.SENTENCE_AUDIO.pop(key, None)


def test_a_synthesis_everyone_left_is_stopped_and_not_kept():
    key, calls, closed = ("test", "voice", 1.0, "Nobody hears this to the end."), [], []
    local_tts.SENTENCE_AUDIO.pop(key, None)
    chunks = [bytes([i]) * 200 for i in range(5)]

    async def run():
        gate = asyncio.Event()  # never set: the synthesis would go on
        gen = _through_cache(key, _gated_synth(calls, closed, chunks, gate))
        await gen.__anext__()
        await gen.aclose()
        for _ in range(5):  # the cancelled synthesis task runs its cleanup
            await asyncio.sleep(0)

    asyncio.run(run())
    assert closed == [1] and key not in local_tts.SENTENCE_AUDIO and key not in local_tts._IN_FLIGHT
    assert _drain(key, _synth(calls, chunks)) == chunks  # the next call synthesizes it afresh
    assert len(calls) == 2
    local_tts.SENTENCE_AUDIO.pop(key, None)


def test_a_failed_synthesis_reaches_every_call_and_is_not_kept():
    key = ("test", "voice", 1.0, "Broken voice.")
    local_tts.SENTENCE_AUDIO.pop(key, None)

    async def broken():
        yield b"\x00" * 10
        await asyncio.sleep(0.01)
        raise OSError("espeak-ng exited")

    async def listener():
        out = []
        try:
            async for c in _through_cache(key, broken):
                out.append(c)
        except OSError as e:
            return out, str(e)
        return out, None

    async def run():
        return await asyncio.gather(listener(), listener())

    assert asyncio.run(run()) == [([b"\x00" * 10], "espeak-ng exited")] * 2
    assert key not in local_tts.SENTENCE_AUDIO and key not in local_tts._IN_FLIGHT
