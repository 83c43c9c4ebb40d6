"""GatewayTwilioSerializer: the real Twilio message shapes in, frames out; bad input never raises."""

import base64
import json
import random
from types import SimpleNamespace

import numpy as np
import pytest
from pipecat.frames.frames import (
    EndFrame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
)
from pipecat.serializers.twilio import TwilioFrameSerializer

from processors.call_marks import mark_message
from processors.twilio_serializer import GatewayTwilioSerializer

STREAM = "MZ" + "a" * 32


async def make(on_event=None):
    s = GatewayTwilioSerializer(STREAM, "CA" + "b" * 32, on_event=on_event,
                                params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    # The serializer reads only the pipeline rates from its setup.
    await s.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
    return s


def media(payload: str) -> str:
    return json.dumps({"event": "media", "streamSid": STREAM,
                       "media": {"track": "inbound", "chunk": "1", "timestamp": "20", "payload": payload}})


async def test_media_becomes_16khz_pcm():
    import audioop
    import math

    s = await make()
    tone = b"".join(int(8000 * math.sin(2 * math.pi * 440 * n / 8000)).to_bytes(2, "little", signed=True)
                    for n in range(160))
    payload = base64.b64encode(audioop.lin2ulaw(tone, 2)).decode()
    frames = [await s.deserialize(media(payload)) for _ in range(10)]
    audio = [f for f in frames if f is not None]
    assert audio and all(isinstance(f, InputAudioRawFrame) and f.sample_rate == 16000 for f in audio)
    # 10 x 20 ms in, about 10 x 640 bytes of 16 kHz PCM16 out (the streaming resampler holds some back at first)
    assert 2000 < sum(len(f.audio) for f in audio) <= 6400
    assert s.media_messages == 10


async def test_media_frames_are_the_ones_pipecats_serializer_makes():
    """The media path skips Pipecat's second JSON parse and base64 decode, nothing else."""
    ours = await make()
    pipecat_s = TwilioFrameSerializer(STREAM, "CA" + "b" * 32, params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    await pipecat_s.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
    rng = random.Random(7)
    for _ in range(25):
        message = media(base64.b64encode(bytes(rng.randrange(256) for _ in range(160))).decode())
        a, b = await ours.deserialize(message), await pipecat_s.deserialize(message)
        assert (a is None) == (b is None)
        if a is not None:
            assert (len(a.audio), a.sample_rate, a.num_channels) == (len(b.audio), b.sample_rate, b.num_channels)
            # soxr is not bit-exact between two resampler instances (SIMD on differently aligned
            # buffers); the samples agree to a few LSB of 32768
            diff = np.abs(np.frombuffer(a.audio, np.int16).astype(int) - np.frombuffer(b.audio, np.int16).astype(int))
            assert diff.max() <= 4, diff.max()


@pytest.mark.parametrize("raw", [
    "not json at all",
    "[1, 2, 3]",
    json.dumps({"event": "media", "media": {"payload": "!!!not-base64!!!"}}),
    json.dumps({"event": "media", "media": "oops"}),
    json.dumps({"event": "media"}),
    json.dumps({"event": "weird", "data": 1}),
    json.dumps({"no_event": True}),
    b"\x00\x01\x02",
])
async def test_malformed_messages_are_dropped_not_raised(raw):
    s = await make()
    assert await s.deserialize(raw) is None
    assert s.bad_messages == 1


async def test_mark_stop_dtmf_reach_the_call():
    seen = []

    async def on_event(event, message):
        seen.append((event, message))

    s = await make(on_event)
    await s.deserialize(json.dumps({"event": "mark", "streamSid": STREAM, "mark": {"name": "hangup"}}))
    dtmf = await s.deserialize(json.dumps({"event": "dtmf", "streamSid": STREAM,
                                           "dtmf": {"track": "inbound_track", "digit": "0"}}))
    await s.deserialize(json.dumps({"event": "stop", "streamSid": STREAM, "stop": {"callSid": "CA" + "b" * 32}}))
    assert [e for e, _ in seen] == ["mark", "dtmf", "stop"]
    assert seen[0][1]["mark"]["name"] == "hangup"
    assert isinstance(dtmf, InputDTMFFrame)


async def test_handler_failure_does_not_break_the_stream():
    async def boom(event, message):
        raise RuntimeError("handler bug")

    s = await make(boom)
    frame = await s.deserialize(json.dumps({"event": "mark", "mark": {"name": "x"}}))
    # The stream goes on: the echo still enters the pipeline (for heard-audio tracking).
    assert isinstance(frame, InputTransportMessageFrame) and frame.message["mark"]["name"] == "x"


async def test_outbound_clear_and_mark_shapes():
    s = await make()
    await s.serialize(OutputAudioRawFrame(audio=b"\x10\x00" * 320, sample_rate=8000, num_channels=1))
    clear = json.loads(await s.serialize(InterruptionFrame()))
    assert clear == {"event": "clear", "streamSid": STREAM}
    mark = json.loads(await s.serialize(OutputTransportMessageFrame(message=mark_message(STREAM, "reply-1"))))
    assert mark == {"event": "mark", "streamSid": STREAM, "mark": {"name": "reply-1"}}
    assert await s.serialize(EndFrame()) is None  # no REST hang-up without credentials


async def test_clear_only_while_twilio_holds_unplayed_audio():
    s = await make()
    # Nothing sent yet: a caller starting to talk is not a barge-in.
    assert await s.serialize(InterruptionFrame()) is None
    media = await s.serialize(OutputAudioRawFrame(audio=b"\x10\x00" * 320, sample_rate=8000, num_channels=1))
    assert json.loads(media)["event"] == "media"
    await s.serialize(OutputTransportMessageFrame(message=mark_message(STREAM, "reply-1")))
    # Twilio echoes the mark: everything before it has been played.
    await s.deserialize(json.dumps({"event": "mark", "streamSid": STREAM, "mark": {"name": "reply-1"}}))
    assert await s.serialize(InterruptionFrame()) is None
    # New audio after the mark is unplayed again until its own mark comes back.
    await s.serialize(OutputAudioRawFrame(audio=b"\x10\x00" * 320, sample_rate=8000, num_channels=1))
    assert json.loads(await s.serialize(InterruptionFrame()))["event"] == "clear"
    assert s.clears_sent == 1
