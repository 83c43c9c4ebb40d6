"""The ``cascade`` profile: Deepgram STT + an OpenAI-compatible LLM + Cartesia TTS, over Twilio.

Pipeline (one per call)::

    transport.input() → Deepgram (multi) → LanguageSwitchProcessor → DTMF → user aggregator (Silero)
      → chat LLM → FlightToolProcessor → Cartesia → EndCallProcessor → CallMarksProcessor
      → transport.output() → assistant aggregator

- **STT**: Pipecat 1.14's ``DeepgramSTTService`` at ``DEEPGRAM_BASE_URL`` (the SDK adds
  ``/v1/listen``), model ``DEEPGRAM_MODEL`` (nova-3) with ``language=multi``: every word carries its
  language; :mod:`processors.deepgram_stt` turns those into the language switch's evidence (share
  of the words in the top language — the same rule as Whisper's probabilities). 8 kHz linear16
  straight from the serializer (no resampling). ``Finalize`` is sent at the end of speech.
- **Turns**: Silero VAD (one ONNX session shared by every call, per-call state) starts turns and
  barge-ins; Pipecat's ``SpeechTimeoutUserTurnStopStrategy`` ends a turn 0.6 s after VAD stop once a
  transcript is in (a finalized Deepgram transcript short-circuits the STT wait) — it works with any STT.
- **LLM**: ``OpenAILLMService`` at ``LLM_BASE_URL`` (OpenAI, vLLM, llama.cpp, Ollama…), model
  ``LLM_MODEL``, key ``LLM_API_KEY`` (else ``OPENAI_API_KEY``); system prompt of
  :mod:`pipelines.agent_prompt`; tools ``search_flights`` and ``end_call``. A language switch
  rewrites the system instruction.
- **TTS**: ``CartesiaTTSService`` at ``CARTESIA_URL``, model ``CARTESIA_MODEL``, 8 kHz PCM (no
  resampling before μ-law); the voice follows the language (``CARTESIA_VOICES``). Word timestamps
  make the bot's ``TTSTextFrame``\\ s, so an interrupted answer enters the LLM context only up to
  the words already played out by the transport.
- **Filler**: :class:`~processors.flight_tool.FlightToolProcessor` says "Let me check flights…"
  through Cartesia as soon as the search starts.

At start-up :func:`load_resources` checks each key once (Deepgram and Cartesia WebSocket upgrades,
``GET {LLM_BASE_URL}/models``); ``/health`` names a rejected key's variable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from importlib import resources as package_resources
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import LLMRunFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flights.chain import ProviderChain, build_chain
from gateway.metrics import LANGUAGE_METRICS, TURN_STAGE_SECONDS
from pipelines.agent_prompt import agent_instructions
from pipelines.base import BuiltCall, CallInfo
from pipelines.vendor_probe import VendorCheck, probe_http, probe_websocket
from processors.call_marks import CallMarksProcessor
from processors.cartesia_tts import LanguageVoiceCartesiaTTSService, parse_voices
from processors.deepgram_stt import MultilingualDeepgramSTTService
from processors.dtmf_commands import DTMFCommandsProcessor
from processors.end_call_tool import END_CALL, EndCallProcessor
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from processors.language_switch import LanguageSwitchProcessor, parse_number_languages, starting_language
from processors.shared_audio_models import SharedSileroVADAnalyzer
from processors.turn_timing import TurnTimingObserver
from processors.twilio_serializer import GatewayTwilioSerializer

PIPELINE_IN_HZ = 8000
PIPELINE_OUT_HZ = 8000
#: A Cartesia stock voice (Sonic voices speak every supported language); override per language.
DEFAULT_CARTESIA_VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""


class CascadeSettings(BaseSettings):
    """The ``cascade`` profile's settings (environment / ``.env``; names are the operator interface)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    deepgram_api_key: SecretStr | None = None
    deepgram_base_url: str = Field("wss://api.deepgram.com", description="Deepgram host; the SDK adds /v1/listen")
    deepgram_model: str = "nova-3"
    llm_api_key: SecretStr | None = Field(None, description="Key of the LLM server; else OPENAI_API_KEY")
    openai_api_key: SecretStr | None = None
    llm_base_url: str = Field("https://api.openai.com/v1", description="Any OpenAI-compatible /v1 base")
    llm_model: str = "gpt-4.1-mini"
    cartesia_api_key: SecretStr | None = None
    cartesia_url: str = "wss://api.cartesia.ai/tts/websocket"
    cartesia_model: str = "sonic-3"
    cartesia_voices: str | None = Field(None, description="Per language: en=VOICE_ID,es=VOICE_ID")

    @property
    def llm_key(self) -> str:
        """``LLM_API_KEY``, falling back to ``OPENAI_API_KEY``."""
        return _secret(self.llm_api_key) or _secret(self.openai_api_key)

    @property
    def llm_key_variable(self) -> str:
        return "LLM_API_KEY" if _secret(self.llm_api_key) else "OPENAI_API_KEY"

    def missing(self) -> list[str]:
        """Environment variables the profile needs that are unset."""
        out = []
        if not _secret(self.deepgram_api_key):
            out.append("DEEPGRAM_API_KEY")
        if not self.llm_key:
            out.append("LLM_API_KEY (or OPENAI_API_KEY)")
        if not _secret(self.cartesia_api_key):
            out.append("CARTESIA_API_KEY")
        return out

    def voices(self) -> dict[str, str]:
        """``CARTESIA_VOICES`` parsed, with :data:`DEFAULT_CARTESIA_VOICE` for the rest.

        Raises:
            ValueError: a malformed entry (named).
        """
        return parse_voices(self.cartesia_voices, DEFAULT_CARTESIA_VOICE)


@dataclass
class CascadeResources:
    """Process-wide resources of the cascade profile."""

    settings: CascadeSettings
    flight_search: ProviderChain
    silero_session: Any
    voices: dict[str, str]
    number_languages: dict[str, str] = field(default_factory=dict)
    checks: list[VendorCheck] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """Readiness summary for ``/health`` (never a key)."""
        s = self.settings
        return {
            "stt": f"deepgram {s.deepgram_model} language=multi at {s.deepgram_base_url}",
            "llm": f"{s.llm_model} at {s.llm_base_url}",
            "tts": f"cartesia {s.cartesia_model} at {s.cartesia_url}",
            "vad": "silero", "turn": "speech-timeout",
            "vendors": {c.name: c.public() for c in self.checks},
            "problems": [c.problem for c in self.checks if c.problem],
        }


async def _check_vendors(s: CascadeSettings) -> list[VendorCheck]:
    from pipecat.services.cartesia.tts import _resolve_cartesia_version

    base = s.deepgram_base_url.rstrip("/")
    if "://" not in base:
        base = f"wss://{base}"
    base = base.replace("https://", "wss://").replace("http://", "ws://")
    return list(await asyncio.gather(
        probe_websocket("deepgram", f"{base}/v1/listen?model={s.deepgram_model}&language=multi",
                        {"Authorization": f"Token {_secret(s.deepgram_api_key)}"}, key_variable="DEEPGRAM_API_KEY"),
        probe_http("llm", f"{s.llm_base_url.rstrip('/')}/models", {"Authorization": f"Bearer {s.llm_key}"},
                   key_variable=s.llm_key_variable),
        probe_websocket("cartesia", s.cartesia_url,
                        {"X-API-Key": _secret(s.cartesia_api_key), "Cartesia-Version": _resolve_cartesia_version(None)},
                        key_variable="CARTESIA_API_KEY"),
    ))


def load_resources(settings: Any) -> CascadeResources:
    """Check the keys, open the shared Silero session, build the flight search (blocking).

    Raises:
        ValueError: ``CARTESIA_VOICES`` is malformed (named).
    """
    import onnxruntime as ort

    cs = CascadeSettings()
    voices = cs.voices()
    checks = asyncio.run(_check_vendors(cs))
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    silero_path = str(package_resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
    silero = ort.InferenceSession(silero_path, providers=["CPUExecutionProvider"], sess_options=opts)
    try:
        numbers = parse_number_languages(settings.number_languages)
    except ValueError as e:
        logger.warning(f"ignoring NUMBER_LANGUAGES: {e}")
        numbers = {}
    logger.info("cascade profile ready (" + "; ".join(c.summary() for c in checks) + ")")
    return CascadeResources(settings=cs, flight_search=build_chain(settings), silero_session=silero,
                            voices=voices, number_languages=numbers, checks=checks)


def build(call: CallInfo, websocket, settings: Any, resources: CascadeResources, on_event) -> BuiltCall:
    """Wire one call's cascade pipeline (no blocking work). Returns a :class:`BuiltCall`."""
    cs = resources.settings
    today = date.today().isoformat()
    rest = settings.twilio_rest_configured and bool(call.call_sid)
    serializer = GatewayTwilioSerializer(
        call.stream_sid, call.call_sid, on_event=on_event,
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
    stt = MultilingualDeepgramSTTService(
        api_key=_secret(cs.deepgram_api_key), base_url=cs.deepgram_base_url,
        settings=MultilingualDeepgramSTTService.Settings(model=cs.deepgram_model, language="multi"),
    )
    language_switch = LanguageSwitchProcessor(
        language=language, source=source, call_sid=call.call_sid, metrics=LANGUAGE_METRICS,
        llm_settings=lambda code: OpenAILLMService.Settings(
            system_instruction=agent_instructions(code, today, speaks_filler=False)),
    )
    llm = OpenAILLMService(
        api_key=cs.llm_key, base_url=cs.llm_base_url,
        settings=OpenAILLMService.Settings(
            model=cs.llm_model, system_instruction=agent_instructions(language, today, speaks_filler=False)),
    )
    flight_tool = FlightToolProcessor(resources.flight_search, language=language)
    flight_tool.register(llm)
    end_call = EndCallProcessor()
    end_call.register(llm)
    tts = LanguageVoiceCartesiaTTSService(
        voices=resources.voices, api_key=_secret(cs.cartesia_api_key), url=cs.cartesia_url,
        settings=LanguageVoiceCartesiaTTSService.Settings(
            model=cs.cartesia_model, language=language, voice=resources.voices.get(language, resources.voices["default"])),
    )
    vad = SharedSileroVADAnalyzer(session=resources.silero_session, params=VADParams(
        confidence=settings.vad_confidence, start_secs=settings.vad_start_secs, stop_secs=settings.vad_stop_secs))
    context = LLMContext(messages=[], tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS, END_CALL]))
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            vad_analyzer=vad,
            user_turn_strategies=UserTurnStrategies(
                start=[VADUserTurnStartStrategy()],
                stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=0.6)],
            ),
        ),
    )
    marks = CallMarksProcessor(call.stream_sid)
    pipeline = Pipeline([
        transport.input(), stt, language_switch, DTMFCommandsProcessor(), user_aggregator, llm,
        flight_tool, tts, end_call, marks, transport.output(), assistant_aggregator,
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
        greeting=[LLMRunFrame()],  # the LLM greets first (the prompt's opening line)
        parts={"transport": transport, "stt": stt, "llm": llm, "tts": tts, "marks": marks, "context": context,
               "flight_tool": flight_tool, "end_call": end_call, "language_switch": language_switch},
    )
