"""The ``local`` profile: offline, no keys — Silero VAD · Smart Turn v3 (+ a hold for greetings) ·
faster-whisper · the rule brain · Piper (English) / espeak-ng (other languages).

Only what is particular to this profile lives here; the Twilio plumbing, language handling, tools,
marks and worker come from the shared call shell (:mod:`pipelines.shell`). Models are loaded once per
process by :meth:`LocalProfile.load` (at gateway start-up) and shared by every call;
:meth:`LocalProfile.build_core` only wires cheap per-call objects, so starting a call never stalls
other calls.

Audio rates: the pipeline input is 16 000 Hz (Whisper and Smart Turn need 16 kHz; the serializer
upsamples Twilio's 8 kHz), the output 8 000 Hz (the TTS resamples Piper's and espeak-ng's 22 050 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from loguru import logger
from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import TTSSpeakFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from flights.languages import SUPPORTED_LANGUAGES
from pipelines.contract import CallSetup, Profile, ProfileCore
from pipelines.local_settings import LocalSettings
from pipelines.models import LocalModels, load_local_models
from dialogue.policy import FlightDialogue
from dialogue.understanding import is_halt, is_short_complete, is_substantive, is_whole_request
from processors.local_brain import LocalBrainService
from processors.local_tts import LocalTTSService, configure_sentence_cache
from processors.shared_audio_models import SharedSileroVADAnalyzer, SharedSmartTurnAnalyzerV3
from processors.stt_queue import DecodeQueue, decode_workers
from processors.turn_hold import HoldShortTurnStopStrategy
from processors.whisper_stt import SharedWhisperSTTService

#: Whisper's announced speech-end → transcript p99 (measured p95 ~1.1 s with one call).
WHISPER_TTFS_P99_SECS = 1.2
#: How long a VAD segment may still get its transcript (s). Longer than the p99 because Whisper
#: queues segments and, on 2 shared cores under load, took 2 s and more; only a segment that gets no
#: transcript at all (noise) makes its turn wait this long.
WHISPER_MAX_STT_WAIT_SECS = 3.0


@dataclass
class LocalResources:
    """Process-wide resources of the local profile: the offline models."""

    models: LocalModels
    decode_queue: DecodeQueue | None = None

    def describe(self) -> dict[str, Any]:
        """Readiness summary for ``/health``."""
        return {
            "whisper": self.models.whisper_name,
            "tts": "piper en_US-joe-medium + espeak-ng",
            "vad": "silero", "turn": "smart-turn-v3",
            "load_secs": {k: round(v, 2) for k, v in self.models.load_secs.items()},
        }


class LocalProfile(Profile[LocalSettings, LocalResources]):
    """The offline profile; see the module docstring. Needs no keys."""

    name = "local"
    audio_in_hz = 16000
    audio_out_hz = 8000
    settings_class = LocalSettings

    def load(self, settings: LocalSettings) -> LocalResources:
        """Load the models and warm them up (the first inference is slow); blocking."""
        workers = decode_workers(settings.stt_workers)
        models = load_local_models(
            settings.whisper_model, settings.model_cache_dir, settings.whisper_compute_type,
            settings.whisper_cpu_threads, workers,
        )
        segments, _ = models.whisper.transcribe(np.zeros(8000, dtype=np.float32), beam_size=1, language="en")
        list(segments)
        list(models.piper_voice.synthesize("Hello."))
        configure_sentence_cache(settings.tts_sentence_cache_mb * 2**20)
        logger.info("local models warm")
        return LocalResources(models=models, decode_queue=DecodeQueue(workers))

    def build_core(self, setup: CallSetup, settings: LocalSettings, resources: LocalResources) -> ProfileCore:
        """Whisper STT, the rule brain, the local TTS, and Silero VAD + Smart Turn with the hold."""
        models = resources.models
        language = setup.language
        stt = SharedWhisperSTTService(
            model=models.whisper,
            model_name=models.whisper_name,
            language="en" if models.whisper_name.endswith(".en") else None,
            allowed_languages=list(SUPPORTED_LANGUAGES),
            beam_size=settings.whisper_beam_size,
            no_speech_prob=settings.whisper_no_speech_prob,
            ttfs_p99_latency=WHISPER_TTFS_P99_SECS,
            decode_queue=resources.decode_queue,
            call_language=lambda: language.current,  # an unsure detection gets a second decode in it
        )
        brain = LocalBrainService(dialogue=FlightDialogue(language=language.current), language=language)
        tts = LocalTTSService(piper_voice=models.piper_voice, language=language,
                              length_scale=settings.piper_length_scale)
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
            is_substantive=lambda text: is_substantive(text, language.current),
            is_complete=lambda text: is_short_complete(text, language.current),
            complete_after_hold=lambda text: is_halt(text, language.current),
            is_whole=lambda text: is_whole_request(text, language.current),
            hold_secs=settings.hold_short_turn_secs,
            max_stt_wait_secs=WHISPER_MAX_STT_WAIT_SECS,
            voice_onset=lambda: vad.hears_voice,  # a hold does not end as the caller resumes
        )
        return ProfileCore(
            llm=brain,
            stt=stt,
            tts=tts,
            user_params=LLMUserAggregatorParams(
                vad_analyzer=vad,
                user_turn_strategies=UserTurnStrategies(
                    # VAD alone starts turns: a transcript arriving after its turn ended must not
                    # start a new one (that is how a bot interrupts itself).
                    start=[VADUserTurnStartStrategy()],
                    stop=[stop_strategy],
                ),
            ),
            greeting=[TTSSpeakFrame(brain.greeting())],
            filler_frame=TTSSpeakFrame,
            # The brain and the TTS read the call's language state; no settings frames needed.
            llm_language_settings=None,
            tts_language_settings=None,
            open_question=brain.dialogue.open_question,
        )


LOCAL = LocalProfile()

__all__ = ["LOCAL", "LocalProfile", "LocalResources", "LocalSettings"]
