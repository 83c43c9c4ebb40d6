"""The ``cascade`` profile: Deepgram STT + an OpenAI-compatible LLM + Cartesia TTS, over Twilio.

Its core in the shell's pipeline (:mod:`pipelines.shell`)::

    transport.input() → Deepgram (multi) → language switch → resume gate → DTMF → user aggregator
      (Silero) → chat LLM → flight tool (filler) → speech tap → Cartesia → marks → transport.output()
      → assistant aggregator

- **STT**: Pipecat 1.14's ``DeepgramSTTService`` at ``DEEPGRAM_BASE_URL`` (the SDK adds
  ``/v1/listen``), model ``DEEPGRAM_MODEL`` (nova-3) with ``language=multi``: every word carries its
  language; :mod:`processors.deepgram_stt` turns those into the language switch's evidence (share
  of the words in the top language — the same rule as Whisper's probabilities). 8 kHz linear16
  straight from the serializer (no resampling). ``Finalize`` is sent at the end of speech.
- **Turns**: Silero VAD (one ONNX session shared by every call, per-call state) starts turns and
  barge-ins; Pipecat's ``SpeechTimeoutUserTurnStopStrategy`` ends a turn 0.6 s after VAD stop once a
  transcript is in (a finalized Deepgram transcript short-circuits the STT wait) — it works with any STT.
- **LLM**: ``OpenAILLMService`` (:class:`processors.chat_llm.ChatLLMService`: no SDK retries, a 4 s
  read timeout, "one moment" when the first word is 1.5 s late) at ``LLM_BASE_URL`` (OpenAI, vLLM,
  llama.cpp, Ollama…), model ``LLM_MODEL``, key ``LLM_API_KEY`` (else ``OPENAI_API_KEY``); system
  prompt of :mod:`pipelines.agent_prompt`; the shell's tools ``search_flights`` and ``end_call``. A
  language switch rewrites the system instruction.
- **TTS**: ``CartesiaTTSService`` at ``CARTESIA_URL``, model ``CARTESIA_MODEL``, 8 kHz PCM (no
  resampling before μ-law); the voice follows the language (``CARTESIA_VOICES``). Word timestamps
  make the bot's ``TTSTextFrame``\\ s, so an interrupted answer enters the LLM context only up to
  the words already played out by the transport.
- **Resume** (:mod:`processors.resume`): a backchannel or a word-less sound that cut the answer
  off resumes it from the start of the sentence the caller was in (the marks are per word here);
  Deepgram's empty ``Finalize`` answer is the "no words" verdict (:mod:`processors.deepgram_stt`).
- **Hang-up**: the shell's ``end_call`` pushes the hang-up request behind the goodbye's text;
  the Cartesia service (:mod:`processors.cartesia_tts`) holds it until the goodbye's audio is out.
- **Filler**: :class:`~processors.flight_tool.FlightToolProcessor` says "Let me check flights…"
  through Cartesia as soon as the search starts.

At start-up :meth:`CascadeProfile.load` checks each key once (Deepgram and Cartesia WebSocket upgrades,
``GET {LLM_BASE_URL}/models``); ``/health`` names a rejected key's variable.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from importlib import resources as package_resources
from typing import Any

from loguru import logger
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import LLMRunFrame, TTSSpeakFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import SpeechTimeoutUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from dialogue.phrases import phrase
from pipelines.agent_prompt import agent_instructions
from pipelines.cloud_settings import CascadeSettings, secret
from pipelines.contract import CallSetup, MissingSettingError, Profile, ProfileCore, require
from pipelines.vendor_probe import VendorCheck, probe_http, probe_websocket
from processors.cartesia_tts import LanguageVoiceCartesiaTTSService, parse_voices
from processors.chat_llm import ChatLLMService
from processors.deepgram_stt import MultilingualDeepgramSTTService
from processors.shared_audio_models import SharedSileroVADAnalyzer

#: A Cartesia stock voice (Sonic voices speak every supported language); override per language
#: with ``CARTESIA_VOICES``.
DEFAULT_CARTESIA_VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"
#: Silence after VAD stop before a turn ends (s), once a transcript is in.
USER_SPEECH_TIMEOUT_SECS = 0.6


@dataclass
class CascadeResources:
    """Process-wide resources of the cascade profile."""

    settings: CascadeSettings
    silero_session: Any
    voices: dict[str, str]
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


def _ws_base(url: str) -> str:
    base = url.rstrip("/")
    if "://" not in base:
        base = f"wss://{base}"
    return base.replace("https://", "wss://").replace("http://", "ws://")


async def check_vendors(s: CascadeSettings) -> list[VendorCheck]:
    """One start-up check per vendor: Deepgram and Cartesia upgrades, ``GET {LLM_BASE_URL}/models``."""
    from pipecat.services.cartesia.tts import _resolve_cartesia_version  # the version the service sends

    return list(await asyncio.gather(
        probe_websocket("deepgram", f"{_ws_base(s.deepgram_base_url)}/v1/listen?model={s.deepgram_model}&language=multi",
                        {"Authorization": f"Token {secret(s.deepgram_api_key)}"}, key_variable="DEEPGRAM_API_KEY"),
        probe_http("llm", f"{s.llm_base_url.rstrip('/')}/models", {"Authorization": f"Bearer {s.llm_key}"},
                   key_variable=s.llm_key_variable),
        probe_websocket("cartesia", s.cartesia_url,
                        {"X-API-Key": secret(s.cartesia_api_key), "Cartesia-Version": _resolve_cartesia_version(None)},
                        key_variable="CARTESIA_API_KEY"),
    ))


class CascadeProfile(Profile[CascadeSettings, CascadeResources]):
    """See the module docstring. Needs ``DEEPGRAM_API_KEY``, ``LLM_API_KEY`` (or ``OPENAI_API_KEY``)
    and ``CARTESIA_API_KEY``."""

    name = "cascade"
    audio_in_hz = 8000
    audio_out_hz = 8000
    settings_class = CascadeSettings

    def check(self, settings: CascadeSettings) -> None:
        """Raises MissingSettingError naming the first missing key."""
        require(settings, "deepgram_api_key", profile=self.name)
        if not settings.llm_key:
            raise MissingSettingError(f"profile {self.name!r} needs LLM_API_KEY (or OPENAI_API_KEY) to be set")
        require(settings, "cartesia_api_key", profile=self.name)
        try:
            settings_voices(settings)
        except ValueError as e:
            raise MissingSettingError(str(e)) from None

    def load(self, settings: CascadeSettings) -> CascadeResources:
        """Check the keys and open the shared Silero session (blocking)."""
        import onnxruntime as ort

        checks = asyncio.run(check_vendors(settings))
        opts = ort.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        silero_path = str(package_resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
        silero = ort.InferenceSession(silero_path, providers=["CPUExecutionProvider"], sess_options=opts)
        logger.info("cascade: " + "; ".join(c.summary() for c in checks))
        return CascadeResources(settings=settings, silero_session=silero, voices=settings_voices(settings),
                                checks=checks)

    def build_core(self, setup: CallSetup, settings: CascadeSettings, resources: CascadeResources) -> ProfileCore:
        """Deepgram (multi), the chat LLM, Cartesia, Silero VAD + the speech-timeout turn stop."""
        today = date.today().isoformat()
        language = setup.language.current
        stt = MultilingualDeepgramSTTService(
            api_key=secret(settings.deepgram_api_key), base_url=settings.deepgram_base_url,
            settings=MultilingualDeepgramSTTService.Settings(model=settings.deepgram_model, language="multi"),
            # a Deepgram socket that is slow to come back while the caller waits: "one moment"
            stall_speech=lambda: TTSSpeakFrame(phrase(setup.language.current, "stt_reconnecting")),
        )
        llm = ChatLLMService(
            api_key=settings.llm_key, base_url=settings.llm_base_url,
            # no first word 1 s after the request while the caller waits: "one moment"
            wait_speech=lambda: TTSSpeakFrame(phrase(setup.language.current, "llm_waiting")),
            read_timeout_secs=settings.llm_read_timeout_secs,
            settings=ChatLLMService.Settings(
                model=settings.llm_model, system_instruction=agent_instructions(language, today, speaks_filler=False)),
        )
        voices = resources.voices
        tts = LanguageVoiceCartesiaTTSService(
            voices=voices, api_key=secret(settings.cartesia_api_key), url=settings.cartesia_url,
            settings=LanguageVoiceCartesiaTTSService.Settings(
                model=settings.cartesia_model, language=language, voice=voices.get(language, voices["default"])),
        )
        vad = SharedSileroVADAnalyzer(session=resources.silero_session, params=VADParams(
            confidence=getattr(settings, "vad_confidence", 0.7), start_secs=getattr(settings, "vad_start_secs", 0.15),
            stop_secs=getattr(settings, "vad_stop_secs", 0.2)))
        return ProfileCore(
            llm=llm, stt=stt, tts=tts,
            user_params=LLMUserAggregatorParams(
                vad_analyzer=vad,
                user_turn_strategies=UserTurnStrategies(
                    start=[VADUserTurnStartStrategy()],
                    stop=[SpeechTimeoutUserTurnStopStrategy(user_speech_timeout=USER_SPEECH_TIMEOUT_SECS)],
                ),
            ),
            greeting=[LLMRunFrame()],  # the LLM greets first (the prompt's opening line)
            llm_language_settings=lambda code: ChatLLMService.Settings(
                system_instruction=agent_instructions(code, today, speaks_filler=False)),
            # default tts_language_settings: TTSSettings(language=code); the service picks the voice
        )


def settings_voices(settings: CascadeSettings) -> dict[str, str]:
    """``CARTESIA_VOICES`` parsed, :data:`DEFAULT_CARTESIA_VOICE` for the other languages.

    Raises:
        ValueError: a malformed entry (named).
    """
    return parse_voices(settings.cartesia_voices, DEFAULT_CARTESIA_VOICE)


CASCADE = CascadeProfile()
