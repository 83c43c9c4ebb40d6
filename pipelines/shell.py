"""The call shell: what every call needs whatever the profile, built once per call around the profile's core.

:func:`build_call` makes, for one Twilio Media Stream:

- the :class:`~processors.twilio_serializer.GatewayTwilioSerializer` (8 kHz μ-law ⇄ PCM, marks,
  ``clear``, REST hang-up) and the ``FastAPIWebsocketTransport`` around it, which sends bot audio
  ``AUDIO_OUT_LEAD_MS`` ahead of the caller's playback (:mod:`processors.output_lead`);
- the call's :class:`~processors.call_language.CallLanguage` (starting language from the call's
  ``language`` parameter, ``NUMBER_LANGUAGES``, the caller's country code, ``DEFAULT_LANGUAGE``) and
  the :class:`~processors.language_switch.LanguageSwitchProcessor` that updates it;
- :class:`~processors.dtmf_commands.DTMFCommandsProcessor` (keypad commands);
- the ``LLMContext`` with the ``search_flights`` and ``end_call`` tools, registered on the profile's
  LLM the same way for every brain, and its user/assistant aggregators;
- the :class:`~processors.flight_tool.FlightToolProcessor` (speaks the profile's filler);
- :class:`~processors.call_marks.CallMarksProcessor` (Twilio marks per sentence and reply; hang-up
  after the goodbye, transfer after "I'm transferring you") and :mod:`processors.resume` (with a
  TTS in the pipeline: a backchannel or a noise that cut the bot off resumes it from the first
  unheard sentence; a real interruption leaves the brain and the context with only what was played);
- the idle-caller re-prompts (:class:`~processors.idle_caller.IdleCaller` on the user aggregator's
  ``UserIdleController``, ``IDLE_REPROMPT_SECS``/``IDLE_MAX_REPROMPTS``);
- with ``RECORD_CALLS``, the :class:`~processors.call_recording.CallRecorder` after the output
  transport, and the recording notice before the greeting;
- the :class:`~processors.turn_timing.TurnTimingObserver` and the ``PipelineWorker``;

and slots the profile's :class:`~pipelines.contract.ProfileCore` (STT, brain/LLM, TTS) in::

    transport.input() → stt → language switch → [resume gate] → DTMF → user aggregator → llm
        → flight tool → [speech tap] → tts → marks → transport.output() → [recorder]
        → assistant aggregator

Process-wide resources (:class:`Resources`) are loaded once by :func:`load_resources`: the profile's
own (``Profile.load``) and the flight search every profile shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from loguru import logger
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import Frame, InputAudioRawFrame, LLMRunFrame, TTSSpeakFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.filters.function_filter import FunctionFilter
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMAssistantAggregator,
    LLMContextAggregatorPair,
    LLMUserAggregator,
)
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams

import flights
from dialogue.phrases import phrase
from dialogue.understanding import is_backchannel, is_closing
from flights.chain import ProviderChain, build_chain
from flights.timetable import TimetableProvider
from pipelines.contract import CallInfo, CallSetup, Profile, ProfileCore, ProfileResources
from processors.call_language import CallLanguage
from processors.language_fusion import TextLanguageDetector
from processors.call_marks import CallMarksProcessor, HangupRequestFrame, TransferRequestFrame
from processors.call_recording import CallRecorder
from processors.call_tools import CallTools
from processors.resume import AnswerAgain, HeardSpeech, Interruption, ResumeGate, SpeechTap, keep_only_heard
from processors.dtmf_commands import DTMFCommandsProcessor
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from processors.idle_caller import IdleCaller, last_question
from processors.interruptions import InterruptionCounter
from processors.language_switch import LanguageSwitchProcessor, parse_number_languages, starting_language
from processors.metrics import LANGUAGE_METRICS, TURN_STAGE_SECONDS
from processors.output_lead import LeadingWebsocketTransport
from processors.turn_timing import TurnTimingObserver
from processors.twilio_serializer import EventCallback, GatewayTwilioSerializer

R = TypeVar("R", bound=ProfileResources)


class CallShellSettings(Protocol):
    """What the shell reads from the gateway's composed ``Settings`` (see ``gateway/settings.py``):
    :class:`~pipelines.settings.ShellSettings`, the Twilio REST credentials (for the serializer's
    hang-up) and, at load time, :class:`flights.settings.FlightSettings`."""

    default_language: str
    number_languages: str | None
    call_idle_timeout_secs: float
    audio_out_lead_ms: float
    idle_reprompt_secs: float
    idle_max_reprompts: int
    record_calls: bool
    recordings_dir: str
    recording_retention_days: float
    transfer_number: str | None
    twilio_account_sid: str | None
    twilio_api_base_url: str | None
    timetable_path: str | None
    flight_providers: str

    @property
    def auth_token(self) -> str: ...

    @property
    def twilio_rest_configured(self) -> bool: ...


@dataclass
class Resources(Generic[R]):
    """Everything a process loads once and every call shares.

    Parameters:
        profile: the chosen profile.
        core: what ``profile.load`` returned (models, clients).
        flight_search: the provider chain behind ``search_flights``.
        number_languages: ``NUMBER_LANGUAGES`` parsed (``{"+34911234567": "es"}``).
    """

    profile: Profile
    core: R
    flight_search: ProviderChain
    number_languages: dict[str, str]

    def describe(self) -> dict[str, Any]:
        """The profile's readiness summary, for ``/health``."""
        return self.core.describe()

    def flights(self) -> dict[str, Any]:
        """Flight providers' state (breakers, last errors, cache size), for ``/health``."""
        return self.flight_search.stats()


@dataclass
class BuiltCall:
    """One call's pipeline, ready to run, with the parts the gateway and tests use.

    Parameters:
        worker: the ``PipelineWorker`` to add to a ``WorkerRunner``.
        transport: the call's ``FastAPIWebsocketTransport`` (``on_client_disconnected``…).
        serializer: the call's Twilio serializer (counts malformed messages in ``bad_messages``).
        marks: Twilio mark bookkeeping; set ``marks.on_hangup_requested`` to hear of a hang-up request.
        language: the call's language state.
        language_switch: the processor that updates ``language``.
        flight_tool: ``search_flights`` handler and filler.
        call_tools: ``end_call`` and ``transfer_call`` handlers.
        context: the ``LLMContext`` (messages and tools).
        user_aggregator / assistant_aggregator: the context's aggregators.
        timing: per-turn latency observer (``timing.turns``).
        pipeline: the call's processors, in order (``pipeline.processors``).
        core: the profile's processors.
        greeting: frames to queue once the worker runs (the bot speaks first).
        heard: what the caller heard of the bot (sentence marks), for resuming after a false
            interruption (``heard.false_interruptions`` / ``heard.real_interruptions``).
        resume_gate: the processor that resumes after a backchannel or a no-word segment.
        idle: the silent-caller re-prompter.
        recorder: the call's recorder (``None`` unless ``RECORD_CALLS``).
        interruptions: real and false interruption counts.
    """

    worker: PipelineWorker
    transport: LeadingWebsocketTransport
    serializer: GatewayTwilioSerializer
    marks: CallMarksProcessor
    language: CallLanguage
    language_switch: LanguageSwitchProcessor
    flight_tool: FlightToolProcessor
    call_tools: CallTools
    context: LLMContext
    user_aggregator: LLMUserAggregator
    assistant_aggregator: LLMAssistantAggregator
    timing: TurnTimingObserver
    pipeline: Pipeline
    core: ProfileCore
    greeting: list[Frame]
    heard: HeardSpeech | None = None
    resume_gate: ResumeGate | None = None
    idle: IdleCaller | None = None
    recorder: CallRecorder | None = None
    interruptions: InterruptionCounter | None = None


async def _not_caller_audio(frame: Frame) -> bool:
    return not isinstance(frame, InputAudioRawFrame)


def drop_caller_audio() -> FunctionFilter:
    """A Pipecat ``FunctionFilter`` that stops ``InputAudioRawFrame``s and passes every other frame.

    Placed behind the last processor that reads the caller's audio, so the rest of the pipeline
    does not pass 50 frames a second per call along queue by queue (issue 14: per-frame work on
    the event loop is what limits listening calls).
    """
    return FunctionFilter(_not_caller_audio, filter_system_frames=True)


def load_flight_search(settings: CallShellSettings) -> ProviderChain:
    """The provider chain from ``FLIGHT_PROVIDERS``, with the timetable and place index warmed (blocking)."""
    search = build_chain(settings)  # providers without credentials are skipped and logged
    # Parse the timetable, build the place index and prime dateparser now, not in the first call.
    if settings.timetable_path or "timetable" in settings.flight_providers:
        _ = TimetableProvider(Path(settings.timetable_path) if settings.timetable_path else None).timetable
    flights.warm_up(timetable=False)
    return search


def number_languages(raw: str | None) -> dict[str, str]:
    """``NUMBER_LANGUAGES`` as a dict; a bad value is logged (at start-up), not fatal."""
    try:
        return parse_number_languages(raw)
    except ValueError as e:
        logger.warning(f"ignoring NUMBER_LANGUAGES: {e}")
        return {}


def load_resources(profile: Profile, settings: CallShellSettings) -> Resources:
    """Check and load ``profile`` and the shared flight search (blocking; call once, at start-up).

    Raises:
        MissingSettingError: the profile lacks a setting (named).
    """
    profile.check(settings)
    core = profile.load(settings)
    search = load_flight_search(settings)
    # The text language identifier (lingua, ~1 GB of n-gram models) is built now, not in the first
    # call's first turn, where it stalled the language switch for seconds.
    TextLanguageDetector.confidences("warm up")
    logger.info(f"{profile.name} profile ready")
    return Resources(profile=profile, core=core, flight_search=search,
                     number_languages=number_languages(settings.number_languages))


def build_call(call: CallInfo, websocket, settings: CallShellSettings, resources: Resources,
               on_event: EventCallback | None) -> BuiltCall:
    """Wire one call's pipeline around the profile's core (cheap: no model loading).

    Args:
        call: the call, from Twilio's ``start`` message.
        websocket: the accepted Media Streams WebSocket.
        settings: the gateway's composed settings (it also is the profile's ``settings_class``).
        resources: what :func:`load_resources` returned.
        on_event: ``async (event, message)`` for inbound ``mark``/``stop``/``dtmf`` messages.
    """
    profile = resources.profile
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
    transport = LeadingWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
            allowed_origins=[],
        ),
        lead_secs=settings.audio_out_lead_ms / 1000,
    )
    code, source = starting_language(
        call.parameters.get("language"), call.to_number, call.from_number,
        resources.number_languages, default=settings.default_language,
    )
    language = CallLanguage(current=code, source=source)
    core = profile.build_core(CallSetup(call=call, language=language), settings, resources.core)

    language_switch = LanguageSwitchProcessor(
        state=language,
        llm_settings=core.llm_language_settings,
        tts_settings=core.tts_language_settings,
        call_sid=call.call_sid, metrics=LANGUAGE_METRICS,
    )
    flight_tool = FlightToolProcessor(resources.flight_search, language=language,
                                      filler_frame=core.filler_frame)
    speak = core.filler_frame or TTSSpeakFrame
    call_tools = CallTools(language=language, speak=speak,
                           transfer_available=bool(settings.transfer_number) and rest)
    flight_tool.register(core.llm)
    call_tools.register(core.llm)
    context = LLMContext(messages=list(core.messages),
                         tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS, *call_tools.schemas]))
    user_params = replace(core.user_params, user_idle_timeout=settings.idle_reprompt_secs)
    # The resume re-says text: it needs a TTS in the pipeline. A speech-to-speech service makes its
    # own audio and resumes itself (processors.realtime_llm).
    resumes = core.tts is not None and not core.realtime_service_mode
    if core.tts is not None:
        # A word-less turn that cut the bot off resumes it, so Pipecat's "ask the caller to repeat"
        # recovery would answer it a second time.
        user_params = replace(user_params, empty_user_turn=None)
    user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
        context, user_params=user_params, realtime_service_mode=core.realtime_service_mode or None,
    )
    heard = HeardSpeech() if resumes else None
    marks = CallMarksProcessor(call.stream_sid, heard=heard)
    resume_gate = None
    if heard is not None:
        serializer.on_mark = heard.mark_played
        # The rule brain can tell words it cannot act on (a hum Whisper wrote as words): those
        # resume too. An LLM brain answers anything, so there every non-backchannel is real.
        would_act_on = getattr(core.llm, "would_act_on", None)
        resume_gate = ResumeGate(
            heard, is_backchannel=lambda text: is_backchannel(text, language.current),
            acts_on=(lambda text: would_act_on(text, language.current)) if callable(would_act_on) else None,
            is_closing=lambda text: is_closing(text, language.current),
        )

        async def on_real_interruption(snap: Interruption) -> None:
            # What the caller heard is what the bot said: the context and the brain keep only that.
            messages = context.get_messages()
            if keep_only_heard(messages, snap.heard):
                context.set_messages(messages)
            caller_heard = getattr(core.llm, "caller_heard", None)
            if callable(caller_heard):
                caller_heard(snap.heard)
            if isinstance(snap.then, HangupRequestFrame):
                # Words over the goodbye that the brain will answer ("Wait, one more thing"): the
                # call goes on unless the brain says goodbye again (the gateway may keep its own).
                await marks.withdraw_hangup(snap.then.reason)

        heard.on_real_interruption = on_real_interruption
        user_aggregator.add_event_handler("on_user_turn_stopped", resume_gate.on_user_turn_stopped)
        # A barge-in cancels a running search; if the caller's turn then held nothing for the
        # brain (a cough, a hum), nothing else would ever answer the request: search again.
        user_aggregator.add_event_handler("on_user_turn_stopped", flight_tool.on_user_turn_stopped)
        # The same barge-in may have cancelled an LLM still thinking, before any answer was said.
        llm_greets = any(isinstance(f, LLMRunFrame) for f in core.greeting)
        user_aggregator.add_event_handler("on_user_turn_stopped", AnswerAgain(
            context, user_aggregator, greets=llm_greets).on_user_turn_stopped)
    open_question = core.open_question or (lambda: last_question(context.get_messages()))
    idle = IdleCaller(language=language, speak=speak, open_question=open_question,
                      max_reprompts=settings.idle_max_reprompts,
                      is_ending=lambda: bool(marks.hangup_requested or marks.transfer_requested))
    idle.attach(user_aggregator)
    interruptions = InterruptionCounter(lambda: serializer.clears_sent,
                                        verdicts=getattr(core.llm, "interruption_counts", None))
    interruptions.attach(user_aggregator)
    recorder = (CallRecorder(settings.recordings_dir, call.call_sid, settings.recording_retention_days)
                if settings.record_calls else None)
    greeting = list(core.greeting)
    if recorder is not None:
        greeting.insert(0, speak(phrase(language.current, "recording_notice")))
    # The switch reads transcripts: an STT's go downstream from it; a speech-to-speech service's
    # own input transcriptions go upstream and the user aggregator consumes them, so for such a
    # service (realtime_service_mode) it sits between the aggregator and the LLM.
    hears_itself = core.realtime_service_mode
    # The caller's audio (50 frames a second) is done with once the last processor that uses it
    # has seen it: the user aggregator (its VAD), or a speech-to-speech LLM. Past it, every
    # processor would only pass it on (a queue hop each); the recorder, at the end, needs it.
    caller_audio_ends = [] if recorder is not None else [drop_caller_audio()]
    processors = [
        transport.input(),
        *([core.stt] if core.stt is not None else []),
        *([] if hears_itself else [language_switch]),
        *([resume_gate] if resume_gate is not None else []),
        DTMFCommandsProcessor(),
        user_aggregator,
        *([language_switch] if hears_itself else caller_audio_ends),
        core.llm,
        *(caller_audio_ends if hears_itself else []),
        flight_tool,
        # a goodbye or transfer announcement cut by a cough is resumed with its request behind it
        *([SpeechTap(heard, replay_after=(HangupRequestFrame, TransferRequestFrame)), core.tts]
          if heard is not None else [core.tts] if core.tts is not None else []),
        marks,
        transport.output(),
        *([recorder.processor] if recorder is not None else []),
        assistant_aggregator,
    ]
    timing = TurnTimingObserver(histogram=TURN_STAGE_SECONDS, call_sid=call.call_sid)
    pipeline = Pipeline(processors)
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=profile.audio_in_hz,
            audio_out_sample_rate=profile.audio_out_hz,
            enable_metrics=True,
        ),
        idle_timeout_secs=settings.call_idle_timeout_secs,
        observers=[timing],
        enable_rtvi=False,
        # Pipecat's OpenTelemetry spans (call → turn → stt/llm/tts) when the settings say so.
        enable_tracing=getattr(settings, "tracing_enabled", False),
        additional_span_attributes={"call_sid": call.call_sid, "language": code},
        conversation_id=call.call_sid,
        name=f"call-{call.call_sid}",
    )
    return BuiltCall(
        worker=worker, transport=transport, serializer=serializer, marks=marks, language=language,
        language_switch=language_switch, flight_tool=flight_tool, call_tools=call_tools,
        context=context, user_aggregator=user_aggregator, assistant_aggregator=assistant_aggregator,
        timing=timing, pipeline=pipeline, core=core, greeting=greeting, idle=idle, recorder=recorder,
        interruptions=interruptions, heard=heard, resume_gate=resume_gate,
    )
