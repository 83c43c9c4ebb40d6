"""Settings of the ``local`` profile: Whisper, Piper, Silero VAD and the turn hold.

Kept apart from :mod:`pipelines.local` so composing the gateway's ``Settings`` imports no model code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from pipelines.settings import ROOM_SETTINGS_CONFIG


class LocalSettings(BaseSettings):
    """Offline models and turn taking of the ``local`` profile (units in the names: ``_secs``)."""

    model_config = ROOM_SETTINGS_CONFIG

    # --- models ---------------------------------------------------------------------------
    whisper_model: Literal["base", "tiny.en"] = Field(
        "base", description="base = bundled multilingual Whisper base; tiny.en = fast English-only"
    )
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = Field(1, ge=1, le=10, description="1 = greedy (fastest)")
    whisper_no_speech_prob: float = Field(
        0.65, description="Segments with no_speech_prob at or above this are dropped"
    )
    whisper_cpu_threads: int = Field(
        1, ge=1, description="Threads of each Whisper decode (CTranslate2 intra-op threads)")
    stt_workers: int = Field(
        0, ge=0, description="Whisper decodes run at once, process-wide (shortest segment first), each on "
                             "its own model replica; 0 = one per core")
    model_cache_dir: str = Field(
        ".cache/models", description="Where the split Whisper base model is joined once"
    )
    piper_length_scale: float = Field(1.0, description="Piper speaking-rate factor (>1 slower)")
    tts_sentence_cache_mb: int = Field(
        48, ge=0, description="Synthesized sentences kept for reuse by every call (MiB of source audio; "
                              "0 = none: each sentence is synthesized for each call)")

    # --- turn taking ------------------------------------------------------------------------
    vad_start_secs: float = Field(0.15, description="Speech needed before a turn starts (s)")
    vad_stop_secs: float = Field(0.2, description="Silence before VAD reports a stop (s)")
    vad_confidence: float = 0.7
    hold_short_turn_secs: float = Field(
        1.0,
        description="Silence (s) after the end of speech required before ending a turn that is only "
                    "a greeting/filler (counted from the end of speech)",
    )
