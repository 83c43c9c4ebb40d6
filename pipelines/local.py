"""The ``local`` profile: offline, no keys — Silero VAD · Smart Turn v3 · faster-whisper · rule brain ·
``search_flights`` · Piper/espeak-ng, over Twilio Media Streams.

Models are loaded once per process by :func:`load_resources` (at gateway start-up) and shared by every
call; :func:`build` only wires cheap per-call objects, so starting a call never stalls other calls.

Audio rates: Twilio sends 8 kHz μ-law; the serializer upsamples to the pipeline input rate of
16 000 Hz (Whisper and Smart Turn need 16 kHz); TTS output is resampled to 8 000 Hz for the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import TTSSpeakFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

import flights
from flights.languages import SUPPORTED_LANGUAGES
from flights.chain import ProviderChain, build_chain
from flights.timetable import TimetableProvider
from gateway.metrics import LANGUAGE_METRICS, TURN_STAGE_SECONDS
from gateway.settings import Settings
from pipelines.base import BuiltCall, CallInfo
from pipelines.models import LocalModels, load_local_models
from processors.call_marks import CallMarksProcessor
from dialogue.policy import FlightDialogue
from dialogue.understanding import is_substantive
from processors.dtmf_commands import DTMFCommandsProcessor
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from processors.language_switch import LanguageSwitchProcessor, parse_number_languages, starting_language
from processors.local_brain import LocalBrainService, LocalBrainSettings
from processors.local_tts import LocalTTSService
from processors.shared_audio_models import SharedSileroVADAnalyzer, SharedSmartTurnAnalyzerV3
from processors.turn_hold import HoldShortTurnStopStrategy
from processors.turn_timing import TurnTimingObserver
from processors.twilio_serializer import GatewayTwilioSerializer
from processors.whisper_stt import SharedWhisperSTTService

PIPELINE_IN_HZ = 16000
PIPELINE_OUT_HZ = 8000


@dataclass
class LocalResources:
    """Process-wide resources of the local profile."""

    models: LocalModels
    flight_search: ProviderChain
    number_languages: dict[str, str] = field(default_factory=dict)  # NUMBER_LANGUAGES, parsed once

    def describe(self) -> dict[str, Any]:
        """Readiness summary for ``/health``."""
        return {
            "whisper": self.models.whisper_name,
            "tts": "piper en_US-joe-medium + espeak-ng",
            "vad": "silero", "turn": "smart-turn-v3",
            "load_secs": {k: round(v, 2) for k, v in self.models.load_secs.items()},
        }


def load_resources(settings: Settings) -> LocalResources:
    """Load models and warm them up (first inference is slow), plus the flight search (blocking)."""
    models = load_local_models(
        settings.whisper_model, settings.model_cache_dir, settings.whisper_compute_type,
        settings.whisper_cpu_threads,
    )
    import numpy as np

    # Warm-up so the first caller does not pay for lazy initialisation.
    segments, _ = models.whisper.transcribe(np.zeros(8000, dtype=np.float32), beam_size=1, language="en")
    list(segments)
    list(models.piper_voice.synthesize("Hello."))
    # Provider chain from FLIGHT_PROVIDERS (providers without credentials are skipped and logged).
    search = build_chain(settings)
    # Parse the timetable, build the place index and prime dateparser now, not in the first call.
    if settings.timetable_path or "timetable" in settings.flight_providers:
        _ = TimetableProvider(Path(settings.timetable_path) if settings.timetable_path else None).timetable
    flights.warm_up(timetable=False)
    logger.info("local profile ready")
    return LocalResources(models=models, flight_search=search,
                          number_languages=_number_languages(settings.number_languages))


def _number_languages(raw: str | None) -> dict[str, str]:
    """NUMBER_LANGUAGES as a dict; a bad value is logged (at start-up), not fatal."""
    try:
        return parse_number_languages(raw)
    except ValueError as e:
        logger.warning(f"ignoring NUMBER_LANGUAGES: {e}")
        return {}


def build(call: CallInfo, websocket, settings: Settings, resources: LocalResources, on_event) -> BuiltCall:
    """Wire one call's pipeline (cheap: no model loading). Returns a :class:`BuiltCall`."""
    models = resources.models
    rest = settings.twilio_rest_configured and bool(call.call_sid)
    serializer = GatewayTwilioSerializer(
        call.stream_sid,
        call.call_sid,
        on_event=on_event,
        account_sid=settings.twilio_account_sid if rest else None,
        auth_token=settings.auth_token if rest else None,
        base_url=settings.twilio_api_base_url,
        params=TwilioFrameSerializer.InputParams(auto_hang_up=rest),
    )
    transport = FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
            allowed_origins=[],
        ),
    )
    # Starting language: the call's `language` parameter, else the called number's language
    # (NUMBER_LANGUAGES), else a weak prior from the caller's country code, else DEFAULT_LANGUAGE.
    language, language_source = starting_language(
        call.parameters.get("language"), call.to_number, call.from_number,
        resources.number_languages,
        default=settings.default_language,
    )
    stt = SharedWhisperSTTService(
        model=models.whisper,
        model_name=models.whisper_name,
        language="en" if models.whisper_name.endswith(".en") else None,
        allowed_languages=list(SUPPORTED_LANGUAGES),
        beam_size=settings.whisper_beam_size,
        no_speech_prob=settings.whisper_no_speech_prob,
        # Safety net of the turn strategy when a transcript is late; measured STT p95 here ~1.1 s.
        ttfs_p99_latency=1.2,
    )
    # Between STT and the user aggregator: decides the language per turn and pushes the brain's and
    # the TTS's settings frames ahead of the turn's transcript (the STT keeps auto-detecting).
    language_switch = LanguageSwitchProcessor(
        language=language, source=language_source,
        llm_settings=lambda code: LocalBrainSettings(language=code),
        call_sid=call.call_sid, metrics=LANGUAGE_METRICS,
    )
    dtmf_commands = DTMFCommandsProcessor()
    dialogue = FlightDialogue(language=language)
    brain = LocalBrainService(dialogue=dialogue)
    flight_tool = FlightToolProcessor(resources.flight_search, language=language)
    flight_tool.register(brain)
    tts = LocalTTSService(
        piper_voice=models.piper_voice, language=language, length_scale=settings.piper_length_scale
    )
    marks = CallMarksProcessor(call.stream_sid)

    vad = SharedSileroVADAnalyzer(
        session=models.silero_session,
        params=VADParams(
            confidence=settings.vad_confidence,
            start_secs=settings.vad_start_secs,
            stop_secs=settings.vad_stop_secs,
        ),
    )
    stop_strategy = HoldShortTurnStopStrategy(
        turn_analyzer=SharedSmartTurnAnalyzerV3(session=models.smart_turn_session, params=SmartTurnParams()),
        is_substantive=lambda text: is_substantive(text, dialogue.language),
        hold_secs=settings.hold_short_turn_secs,
    )
    context = LLMContext(messages=[], tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS]))
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            vad_analyzer=vad,
            user_turn_strategies=UserTurnStrategies(
                # VAD alone starts turns: a transcript arriving after its turn ended must not start
                # a new one (that is how a bot interrupts itself).
                start=[VADUserTurnStartStrategy()],
                stop=[stop_strategy],
            ),
        ),
    )
    pipeline = Pipeline([
        transport.input(),
        stt,
        language_switch,
        dtmf_commands,
        user_aggregator,
        brain,
        flight_tool,
        tts,
        marks,
        transport.output(),
        assistant_aggregator,
    ])
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=PIPELINE_IN_HZ,
            audio_out_sample_rate=PIPELINE_OUT_HZ,
            enable_metrics=True,
        ),
        idle_timeout_secs=settings.call_idle_timeout_secs,
        observers=[TurnTimingObserver(histogram=TURN_STAGE_SECONDS, call_sid=call.call_sid)],
        enable_rtvi=False,
        conversation_id=call.call_sid,
        name=f"call-{call.call_sid}",
    )
    return BuiltCall(
        worker=worker,
        serializer=serializer,
        greeting=[TTSSpeakFrame(brain.greeting())],
        parts={
            "transport": transport, "stt": stt, "brain": brain, "dialogue": dialogue,
            "flight_tool": flight_tool, "tts": tts, "marks": marks, "turn_stop": stop_strategy,
            "context": context, "language_switch": language_switch,
        },
    )
