"""The ``realtime`` profile: OpenAI Realtime speech-to-speech with the project's tools, over Twilio.

Its core in the shell's pipeline (:mod:`pipelines.shell`)::

    transport.input() → DTMF → user aggregator → language switch → Realtime LLM → flight tool
      → PlayedAudioMarks → marks → transport.output() → assistant aggregator

- **Service**: Pipecat 1.14's ``OpenAIRealtimeLLMService`` (subclassed only to truncate to the heard
  audio, :mod:`processors.realtime_llm`) at ``OPENAI_REALTIME_URL?model=OPENAI_REALTIME_MODEL``,
  voice ``OPENAI_REALTIME_VOICE``; GA events.
- **Audio**: Twilio's 8 kHz μ-law is decoded by the serializer to 8 kHz PCM (pipeline input rate
  8000); the service resamples to the 24 kHz PCM (``audio/pcm``) the session uses, and decimates the
  24 kHz replies to 8 kHz itself (a low-delay FIR, :class:`~processors.realtime_llm.LowDelayDecimator`:
  the transport's own soxr VHQ resampler held a reply's first 160–200 ms), for μ-law. The API also
  accepts ``audio/pcmu``, which would skip both conversions; measured by
  ``bench/realtime_audio_formats.py`` at ~55 µs of CPU per 20 ms frame (~0.3 % of a core per call)
  and **not adopted**: Pipecat 1.14's service hard-codes 24 kHz PCM in several places and the
  pipeline's frames are PCM, so the subclass would not be small (README).
- **Turns / VAD**: the Realtime server's VAD (``server_vad``), not Silero. Pipecat's service is
  built around it (``speech_started``/``speech_stopped`` propose turn starts/stops; the aggregator
  uses ``ExternalUserTurnStrategies``), the model's detector hears exactly the audio it answers, no
  VAD runs per call on our CPU, and the turn needs no extra ``input_audio_buffer.commit`` +
  ``response.create`` round trip. (Measured only against the local fake, whose VAD is not
  OpenAI's: barge-in latency with the real API is the vendor's.)
- **Barge-in**: the server's ``speech_started`` interrupts; the interrupted assistant item is
  truncated with ``audio_end_ms`` = what Twilio reported played (a mark every 100 ms of reply
  audio, :mod:`processors.played_audio`, in the speaker's slot); the serializer sends ``clear``.
  After a backchannel or a noise the model says the rest of the cut reply (the answer to that
  turn is held for its transcription, then dropped; :mod:`processors.realtime_llm`); the shell's
  TTS resume (:mod:`processors.resume`) is not used here.
- **Tools**: the shell's ``search_flights`` and ``end_call``; the model says the "let me check"
  filler itself before calling the search (the prompt asks it to), so no filler frame.
- **Language**: the model answers in the caller's language; the shell's language switch reads the
  service's input transcriptions (``audio.input.transcription``; transcripts classified by text,
  the API reports no language) and, on a switch, sends new session instructions (``session.update``).

At start-up :meth:`RealtimeProfile.load` opens one Realtime WebSocket with the key (and closes it):
a rejected key is reported by ``/health`` naming ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loguru import logger
from pipecat.frames.frames import LLMRunFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService

from pipelines.agent_prompt import agent_instructions
from pipelines.cloud_settings import RealtimeSettings, secret
from pipelines.contract import CallSetup, Profile, ProfileCore, require
from pipelines.vendor_probe import VendorCheck, probe_websocket
from processors.language_switch import TextLanguageDetector
from processors.played_audio import PlayedAudioMarks
from processors.realtime_llm import HeardTruncationRealtimeLLMService


@dataclass
class RealtimeResources:
    """Process-wide resources of the realtime profile: the start-up vendor check."""

    settings: RealtimeSettings
    checks: list[VendorCheck] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """Readiness summary for ``/health`` (never the key)."""
        s = self.settings
        return {
            "llm": f"openai realtime {s.openai_realtime_model} at {s.openai_realtime_url}",
            "voice": s.openai_realtime_voice, "vad": "realtime server_vad",
            "vendors": {c.name: c.public() for c in self.checks},
            "problems": [c.problem for c in self.checks if c.problem],
        }


def session_properties(voice: str) -> events.SessionProperties:
    """Session audio: 24 kHz PCM both ways, input transcription on, server VAD."""
    return events.SessionProperties(audio=events.AudioConfiguration(
        input=events.AudioInput(
            format=events.PCMAudioFormat(),
            transcription=events.InputAudioTranscription(),
            turn_detection=events.TurnDetection(type="server_vad", threshold=0.5, prefix_padding_ms=300,
                                                silence_duration_ms=500),
        ),
        output=events.AudioOutput(format=events.PCMAudioFormat(), voice=voice),
    ))


class RealtimeProfile(Profile[RealtimeSettings, RealtimeResources]):
    """See the module docstring. Needs ``OPENAI_API_KEY``."""

    name = "realtime"
    audio_in_hz = 8000
    audio_out_hz = 8000
    settings_class = RealtimeSettings

    def check(self, settings: RealtimeSettings) -> None:
        """Raises MissingSettingError naming ``OPENAI_API_KEY`` when it is unset."""
        require(settings, "openai_api_key", profile=self.name)

    def load(self, settings: RealtimeSettings) -> RealtimeResources:
        """Check the key against the Realtime endpoint; load the text language detector (blocking)."""
        url = f"{settings.openai_realtime_url}?model={settings.openai_realtime_model}"
        check = asyncio.run(probe_websocket(
            "openai_realtime", url, {"Authorization": f"Bearer {secret(settings.openai_api_key)}"},
            key_variable="OPENAI_API_KEY"))
        # The switch classifies transcripts by text (the Realtime API reports no language); lingua's
        # models take seconds to load: load them now, not inside the first call.
        TextLanguageDetector.get()
        logger.info(f"realtime: {check.summary()}")
        return RealtimeResources(settings=settings, checks=[check])

    def build_core(self, setup: CallSetup, settings: RealtimeSettings, resources: RealtimeResources) -> ProfileCore:
        """The Realtime service (heard-audio truncation) and the played-audio marks in the speaker's slot."""
        today = date.today().isoformat()
        played = PlayedAudioMarks(setup.call.stream_sid)
        llm = HeardTruncationRealtimeLLMService(
            heard_ms=lambda: played.heard_ms, output_hz=self.audio_out_hz,
            language=lambda: setup.language.current,
            api_key=secret(settings.openai_api_key), base_url=settings.openai_realtime_url,
            settings=OpenAIRealtimeLLMService.Settings(
                model=settings.openai_realtime_model,
                system_instruction=agent_instructions(setup.language.current, today, speaks_filler=True),
                session_properties=session_properties(settings.openai_realtime_voice),
            ),
        )
        return ProfileCore(
            llm=llm,
            user_params=LLMUserAggregatorParams(),  # turns come from the server's VAD
            stt=None,
            tts=played,
            greeting=[LLMRunFrame()],  # the model greets first (the prompt's opening line)
            filler_frame=None,  # the model says its own "let me check"
            llm_language_settings=lambda code: OpenAIRealtimeLLMService.Settings(
                system_instruction=agent_instructions(code, today, speaks_filler=True)),
            tts_language_settings=None,
            realtime_service_mode=True,
        )


REALTIME = RealtimeProfile()
