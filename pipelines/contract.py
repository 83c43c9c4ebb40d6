"""The profile contract: what a profile declares, loads once, and builds per call.

A *profile* is the part of a call that differs between deployments — which STT, brain/LLM and TTS
(or one speech-to-speech service) run. Everything else every call needs (Twilio serializer and
transport, DTMF commands, Twilio marks, the turn-timing observer, language handling, the
``search_flights`` and ``end_call`` tools, the worker) is made once, the same way, by
:func:`pipelines.shell.build_call`. A profile is one module in ``pipelines/`` with a
:class:`Profile` subclass registered in :data:`pipelines.PROFILES`.

Life of a profile in a process::

    profile = PROFILES[settings.profile]
    profile.check(settings)                 # at start-up: MissingSettingError names the variable
    resources = profile.load(settings)      # at start-up, in a thread: models, clients (blocking)
    ...
    core = profile.build_core(setup, settings, resources)   # per call: cheap, never blocks

``settings`` is the gateway's composed ``Settings``, which inherits the profile's own
:attr:`Profile.settings_class`, so a profile reads its fields as attributes of its own class.

Audio rates: Twilio sends 8 kHz μ-law; the shell's serializer converts it to 16-bit PCM at
:attr:`Profile.audio_in_hz` and the bot's audio at :attr:`Profile.audio_out_hz` back to 8 kHz μ-law
(https://www.twilio.com/docs/voice/media-streams/websocket-messages).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pipecat.frames.frames import Frame, TTSSpeakFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.services.llm_service import LLMService
from pipecat.services.settings import LLMSettings, TTSSettings
from pydantic_settings import BaseSettings

from pipelines.settings import MissingSettingError
from processors.call_language import CallLanguage


class ProfileUnavailableError(RuntimeError):
    """The configured profile is not in this build or its extra is not installed."""


@dataclass
class CallInfo:
    """One Twilio call, as read from the Media Streams ``start`` message.

    Parameters:
        call_sid: CallSid (``CA…``).
        stream_sid: StreamSid (``MZ…``).
        account_sid: AccountSid from ``start`` (may be empty in tests).
        from_number / to_number: E.164 numbers from the TwiML ``<Parameter>``s, if any.
        language: ISO 639-1 language parameter (the webhook's hint or ``DEFAULT_LANGUAGE``).
        direction: ``inbound`` or ``outbound``.
        parameters: all ``customParameters`` Twilio passed.
    """

    call_sid: str
    stream_sid: str
    account_sid: str = ""
    from_number: str = ""
    to_number: str = ""
    language: str = "en"
    direction: str = "inbound"
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class CallSetup:
    """What the shell hands a profile for one call.

    Parameters:
        call: the call's identity and parameters.
        language: the call's language state; read ``language.current`` where a language is used
            (the starting language when the core is built).
    """

    call: CallInfo
    language: CallLanguage


class ProfileResources(Protocol):
    """What a profile's :meth:`Profile.load` returns: anything, as long as ``/health`` can describe it."""

    def describe(self) -> dict[str, Any]:
        """JSON-ready readiness summary for ``GET /health`` (model names, load times…; no secrets)."""
        ...


def _tts_language(code: str) -> TTSSettings:
    return TTSSettings(language=code)


@dataclass
class ProfileCore:
    """One call's profile-specific processors, which the shell slots into its pipeline::

        transport.input() → stt → language switch → DTMF → user aggregator → llm
            → search_flights tool (filler) → tts → marks → transport.output() → assistant aggregator

    Parameters:
        llm: the brain — a Pipecat ``LLMService`` (the rule brain, an OpenAI LLM, a realtime
            speech-to-speech service). The shell registers ``search_flights`` and ``end_call`` on it
            with ``register_function`` and puts their schemas in the context's tools.
        user_params: the user aggregator's parameters: VAD analyzer and user-turn strategies.
        stt: speech-to-text before the language switch; ``None`` when ``llm`` hears audio itself.
        tts: text-to-speech after the tool processor; ``None`` when ``llm`` speaks itself.
        greeting: frames queued once the worker runs (the bot speaks first), e.g.
            ``[TTSSpeakFrame("Hello…")]``.
        messages: the context's first messages (a system prompt), ``[]`` for none.
        filler_frame: ``text -> Frame`` that makes this profile's speaker say ``text`` (pushed
            downstream by the tool processor while a search runs), ``None`` for no filler.
        llm_language_settings: ``code -> LLMSettings`` delta pushed to ``llm`` on a language switch,
            ``None`` when the brain reads the call's :class:`CallLanguage` itself.
        tts_language_settings: ``code -> TTSSettings`` delta pushed to ``tts`` on a switch, ``None``
            for none (default: ``TTSSettings(language=code)``).
        realtime_service_mode: passed to ``LLMContextAggregatorPair`` (speech-to-speech services).
        open_question: ``() -> str | None``, the question the caller is expected to answer now, for
            the idle re-prompt; ``None``: the last sentence the bot said (from the context).
    """

    llm: LLMService
    user_params: LLMUserAggregatorParams
    stt: FrameProcessor | None = None
    tts: FrameProcessor | None = None
    greeting: list[Frame] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    filler_frame: Callable[[str], Frame] | None = TTSSpeakFrame
    llm_language_settings: Callable[[str], LLMSettings] | None = None
    tts_language_settings: Callable[[str], TTSSettings] | None = _tts_language
    realtime_service_mode: bool = False
    open_question: Callable[[], str | None] | None = None


SettingsT = TypeVar("SettingsT", bound=BaseSettings)
ResourcesT = TypeVar("ResourcesT", bound=ProfileResources)


class Profile(ABC, Generic[SettingsT, ResourcesT]):
    """A pipeline profile; subclass it in ``pipelines/<name>.py`` and add it to :data:`pipelines.PROFILES`.

    Class attributes:
        name: the ``PROFILE`` value that selects it.
        audio_in_hz: pipeline input rate (Hz) the profile's STT/VAD/turn model need (e.g. 16000).
        audio_out_hz: pipeline output rate (Hz) of the profile's speech (e.g. 8000, 24000).
        settings_class: the profile's own pydantic-settings class (composed into the gateway's
            ``Settings``); its field names are the environment variable names.
    """

    name: ClassVar[str]
    audio_in_hz: ClassVar[int]
    audio_out_hz: ClassVar[int]
    settings_class: ClassVar[type[BaseSettings]]

    def check(self, settings: SettingsT) -> None:
        """Fail fast, at start-up, when a setting this profile needs is missing.

        The default checks nothing; override it and use :func:`require` for each key.

        Raises:
            MissingSettingError: naming the first missing environment variable.
        """

    @abstractmethod
    def load(self, settings: SettingsT) -> ResourcesT:
        """Load what every call shares (models, clients); blocking, once per process, at start-up."""

    @abstractmethod
    def build_core(self, setup: CallSetup, settings: SettingsT, resources: ResourcesT) -> ProfileCore:
        """Build one call's core processors (cheap: no model loading, no network)."""


def require(settings: BaseSettings, *fields: str, profile: str = "") -> None:
    """Raise :class:`MissingSettingError` for the first of ``fields`` that is unset or empty.

    Args:
        settings: the settings object to read (a ``.env`` file counts, like the environment).
        fields: attribute names; the variable named in the error is the upper-cased name.
        profile: the profile's name, for the message.

    Raises:
        MissingSettingError: e.g. "profile 'realtime' needs OPENAI_API_KEY to be set".
    """
    for name in fields:
        value = getattr(settings, name, None)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if value is None or (isinstance(value, str) and not value.strip()):
            who = f"profile {profile!r}" if profile else "this profile"
            raise MissingSettingError(f"{who} needs {name.upper()} to be set")


__all__ = [
    "CallInfo", "CallSetup", "MissingSettingError", "Profile", "ProfileCore", "ProfileResources",
    "ProfileUnavailableError", "require",
]
