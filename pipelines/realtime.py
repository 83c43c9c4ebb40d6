"""The ``realtime`` profile: OpenAI Realtime speech-to-speech with the project's tools, over Twilio.

Pipeline (one per call)::

    transport.input() → DTMF → user aggregator → RealtimeLanguageSwitch → Realtime LLM
      → EndCallProcessor → CallMarksProcessor → PlayedAudioMarks → transport.output() → assistant aggregator

- **Service**: Pipecat 1.14's ``OpenAIRealtimeLLMService`` (subclassed only to truncate to the heard
  audio, :mod:`processors.realtime_llm`) at ``OPENAI_REALTIME_URL?model=OPENAI_REALTIME_MODEL``,
  voice ``OPENAI_REALTIME_VOICE``; GA events.
- **Audio**: Twilio's 8 kHz μ-law is decoded by the serializer to 8 kHz PCM (pipeline input rate
  8000, no resampling there); the service resamples to the 24 kHz PCM the session uses
  (``audio/pcm``) and the transport resamples the 24 kHz replies to 8 kHz for μ-law. The API also
  accepts ``audio/pcmu``, which would skip both resamplings, but Pipecat 1.14's service hard-codes
  24 kHz PCM; the passthrough was **not measured** in this build (see README).
- **Turns / VAD**: the Realtime server's VAD (``server_vad``). Pipecat's service is built around it
  (it proposes turn starts/stops from ``speech_started``/``speech_stopped`` and the aggregator uses
  ``ExternalUserTurnStrategies``), the model's own detector hears exactly the audio it answers, and
  no Silero runs per call on our 2 cores. Local Silero would need ``turn_detection=false`` plus
  explicit commits; the server VAD saves that round trip per turn.
- **Barge-in**: the server's ``speech_started`` interrupts; the interrupted assistant item is
  truncated with ``audio_end_ms`` = what Twilio reported played (marks every 100 ms of reply audio,
  :mod:`processors.played_audio`); the serializer sends ``clear``.
- **Tools**: ``search_flights`` (the handler of :mod:`processors.flight_tool`; results as compact
  JSON with a ready ``speech``) and ``end_call`` (:mod:`processors.end_call_tool`). The model says
  the "let me check" filler itself before calling the search (the prompt asks it to).
- **Language**: the model answers in the caller's language; :class:`RealtimeLanguageSwitch` watches
  the input transcription (``audio.input.transcription``) and, on a switch, sends new session
  instructions (``session.update``), with the same metrics as the local profile.

Settings (:class:`RealtimeSettings`): ``OPENAI_API_KEY`` (required), ``OPENAI_REALTIME_URL``,
``OPENAI_REALTIME_MODEL``, ``OPENAI_REALTIME_VOICE``. At start-up :func:`load_resources` opens
one Realtime WebSocket with the key (and closes it): a rejected key is reported by ``/health``
naming ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import LLMRunFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flights.chain import ProviderChain, build_chain
from gateway.metrics import LANGUAGE_METRICS, TURN_STAGE_SECONDS
from pipelines.agent_prompt import agent_instructions
from pipelines.base import BuiltCall, CallInfo
from pipelines.vendor_probe import VendorCheck, probe_websocket
from processors.call_marks import CallMarksProcessor
from processors.dtmf_commands import DTMFCommandsProcessor
from processors.end_call_tool import END_CALL, EndCallProcessor
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from processors.language_switch import TextLanguageDetector, parse_number_languages, starting_language
from processors.played_audio import PlayedAudioMarks
from processors.realtime_llm import HeardTruncationRealtimeLLMService, RealtimeLanguageSwitch
from processors.turn_timing import TurnTimingObserver
from processors.twilio_serializer import GatewayTwilioSerializer

PIPELINE_IN_HZ = 8000
PIPELINE_OUT_HZ = 8000


class RealtimeSettings(BaseSettings):
    """The ``realtime`` profile's settings (environment / ``.env``; names are the operator interface)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    openai_api_key: SecretStr | None = Field(None, description="OpenAI key (required for realtime)")
    openai_realtime_url: str = Field("wss://api.openai.com/v1/realtime",
                                     description="Realtime WebSocket base; ?model= is appended")
    openai_realtime_model: str = Field("gpt-realtime", description="Realtime model")
    openai_realtime_voice: str = Field("marin", description="Realtime output voice")

    def missing(self) -> list[str]:
        """Environment variables the profile needs that are unset."""
        return [] if self.openai_api_key and self.openai_api_key.get_secret_value() else ["OPENAI_API_KEY"]

    @property
    def api_key(self) -> str:
        return self.openai_api_key.get_secret_value() if self.openai_api_key else ""


@dataclass
class RealtimeResources:
    """Process-wide resources of the realtime profile."""

    settings: RealtimeSettings
    flight_search: ProviderChain
    number_languages: dict[str, str] = field(default_factory=dict)
    checks: list[VendorCheck] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """Readiness summary for ``/health`` (never the key)."""
        return {
            "llm": f"openai realtime {self.settings.openai_realtime_model} at {self.settings.openai_realtime_url}",
            "voice": self.settings.openai_realtime_voice, "vad": "realtime server_vad",
            "vendors": {c.name: c.public() for c in self.checks},
            "problems": [c.problem for c in self.checks if c.problem],
        }


def load_resources(settings: Any) -> RealtimeResources:
    """Check the key against the Realtime endpoint and build the flight search (blocking)."""
    rs = RealtimeSettings()
    url = f"{rs.openai_realtime_url}?model={rs.openai_realtime_model}"
    check = asyncio.run(probe_websocket("openai_realtime", url, {"Authorization": f"Bearer {rs.api_key}"},
                                        key_variable="OPENAI_API_KEY"))
    # The switch classifies transcripts with lingua (the Realtime API reports no language); its
    # models take seconds to load, so load them now rather than inside the first call.
    TextLanguageDetector.get()
    try:
        numbers = parse_number_languages(settings.number_languages)
    except ValueError as e:
        logger.warning(f"ignoring NUMBER_LANGUAGES: {e}")
        numbers = {}
    logger.info(f"realtime profile ready ({check.summary()})")
    return RealtimeResources(settings=rs, flight_search=build_chain(settings), number_languages=numbers,
                             checks=[check])


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


def build(call: CallInfo, websocket, settings: Any, resources: RealtimeResources, on_event) -> BuiltCall:
    """Wire one call's realtime pipeline (no blocking work). Returns a :class:`BuiltCall`."""
    rs = resources.settings
    today = date.today().isoformat()
    played = PlayedAudioMarks(call.stream_sid)

    async def on_stream_event(event: str, message: dict[str, Any]) -> None:
        if event == "mark":
            mark = message.get("mark")
            played.on_mark(mark.get("name") if isinstance(mark, dict) else None)
        await on_event(event, message)

    rest = settings.twilio_rest_configured and bool(call.call_sid)
    serializer = GatewayTwilioSerializer(
        call.stream_sid, call.call_sid, on_event=on_stream_event,
        account_sid=settings.twilio_account_sid if rest else None,
        auth_token=settings.auth_token if rest else None,
        base_url=settings.twilio_api_base_url,
        params=TwilioFrameSerializer.InputParams(auto_hang_up=rest),
    )
    transport = FastAPIWebsocketTransport(websocket, FastAPIWebsocketParams(
        audio_in_enabled=True, audio_out_enabled=True, add_wav_header=False, serializer=serializer,
        allowed_origins=[]))
    language, source = starting_language(call.parameters.get("language"), call.to_number, call.from_number,
                                         resources.number_languages, default=settings.default_language)
    llm = HeardTruncationRealtimeLLMService(
        heard_ms=lambda: played.heard_ms,
        api_key=rs.api_key, base_url=rs.openai_realtime_url,
        settings=OpenAIRealtimeLLMService.Settings(
            model=rs.openai_realtime_model,
            system_instruction=agent_instructions(language, today, speaks_filler=True),
            session_properties=session_properties(rs.openai_realtime_voice),
        ),
    )
    flight_tool = FlightToolProcessor(resources.flight_search, language=language)
    flight_tool.register(llm)
    end_call = EndCallProcessor()
    end_call.register(llm)

    def follow_language(_old: str, new: str, _reason: str) -> None:
        # The search's spoken summary follows the caller's language (no TTS frames pass here).
        flight_tool._language = new

    language_switch = RealtimeLanguageSwitch(
        language=language, source=source, call_sid=call.call_sid, metrics=LANGUAGE_METRICS,
        llm_settings=lambda code: OpenAIRealtimeLLMService.Settings(
            system_instruction=agent_instructions(code, today, speaks_filler=True)),
        on_switch=follow_language,
    )
    marks = CallMarksProcessor(call.stream_sid)
    context = LLMContext(messages=[], tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS, END_CALL]))
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(context)
    pipeline = Pipeline([
        transport.input(), DTMFCommandsProcessor(), user_aggregator, language_switch, llm,
        end_call, marks, played, transport.output(), assistant_aggregator,
    ])
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=PIPELINE_IN_HZ, audio_out_sample_rate=PIPELINE_OUT_HZ,
                              enable_metrics=True),
        idle_timeout_secs=settings.call_idle_timeout_secs,
        observers=[TurnTimingObserver(histogram=TURN_STAGE_SECONDS, call_sid=call.call_sid)],
        enable_rtvi=False, conversation_id=call.call_sid, name=f"call-{call.call_sid}",
    )
    return BuiltCall(
        worker=worker, serializer=serializer,
        greeting=[LLMRunFrame()],  # the model greets first (the prompt's opening line)
        parts={"transport": transport, "llm": llm, "marks": marks, "played": played, "context": context,
               "flight_tool": flight_tool, "end_call": end_call, "language_switch": language_switch},
    )
