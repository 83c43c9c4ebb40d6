"""The local TTS's sentence cache: a sentence synthesized to its end is replayed, not re-synthesized."""

from __future__ import annotations

import asyncio

from processors import local_tts
from processors.local_tts import SENTENCE_AUDIO, _through_cache
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
    SENTENCE_AUDIO.pop(key, None)
    chunks = [b"\x01\x02" * 400, b"\x03\x04" * 300]
    assert _drain(key, _synth(calls, chunks)) == chunks
    assert _drain(key, _synth(calls, chunks)) == chunks
    assert len(calls) == 1  # the second time came from the cache
    assert SENTENCE_CACHE_SIZE._value.get() == SENTENCE_AUDIO.currsize >= 1400  # the gauge the soak reads
    SENTENCE_AUDIO.pop(key, None)


def test_a_sentence_cut_off_half_way_is_not_kept():
    key, calls = ("test", "voice", 1.0, "Interrupted sentence."), []
    SENTENCE_AUDIO.pop(key, None)
    chunks = [b"\x01\x00" * 100] * 4
    assert _drain(key, _synth(calls, chunks), take=2) == chunks[:2]
    assert key not in SENTENCE_AUDIO
    assert _drain(key, _synth(calls, chunks)) == chunks  # synthesized again, whole
    assert len(calls) == 2 and key in SENTENCE_AUDIO
    SENTENCE_AUDIO.pop(key, None)


def test_the_cache_is_bounded_in_bytes_and_one_sentence_cannot_fill_it():
    assert SENTENCE_AUDIO.maxsize == local_tts.SENTENCE_CACHE_BYTES
    key, calls = ("test", "voice", 1.0, "A very long read-out."), []
    big = [b"\x00" * (SENTENCE_AUDIO.maxsize // 16 + 2)]
    _drain(key, _synth(calls, big))
    assert key not in SENTENCE_AUDIO
