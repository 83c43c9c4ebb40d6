"""Settings every profile's calls share (the call shell's), and the base every room's settings use.

Each room declares a pydantic-settings class for the variables it reads (this one: the call
shell's; :mod:`pipelines.local_settings`: the local profile's; :mod:`flights.settings`: the flight
providers'; :mod:`gateway.settings`: the edges'), and ``gateway/settings.py`` composes them into one
``Settings`` by multiple inheritance, so every variable keeps its name and its attribute.

An empty value (``AMADEUS_PORT=`` as ``.env.example`` has it) means *unset*: the field keeps its
default (``env_ignore_empty``), so ``cp .env.example .env`` starts.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The configuration every room's settings class shares: environment variables (case-insensitive),
#: a local ``.env``, unknown variables ignored, empty strings treated as unset.
ROOM_SETTINGS_CONFIG = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
)


class MissingSettingError(RuntimeError):
    """A setting the chosen profile needs is missing; the message names the variable."""


class ShellSettings(BaseSettings):
    """What the shared call shell (:mod:`pipelines.shell`) reads, whatever the profile."""

    model_config = ROOM_SETTINGS_CONFIG

    default_language: str = Field("en", description="ISO 639-1 language the bot starts in")
    number_languages: str | None = Field(
        None, description="Per-number starting language: '+34911234567=es,+33123456789=fr'"
    )
    call_idle_timeout_secs: float = Field(
        300.0, description="End a call after this long with no caller or bot activity (s)"
    )
    audio_out_lead_ms: float = Field(
        200.0, ge=0, le=2000, description="Bot audio sent ahead of the caller's playback (ms), so a short "
        "stall is no gap on the line; clear still stops it at once. 0: paced like a sound card (Pipecat's default)"
    )

    idle_reprompt_secs: float = Field(
        8.0, ge=0, description="Re-prompt a caller silent this long while the bot waits for an answer (s); 0: never"
    )
    idle_max_reprompts: int = Field(
        2, ge=0, le=10, description="Re-prompts of a silent caller before the goodbye and hang-up"
    )
    record_calls: bool = Field(
        False, description="Record each call to RECORDINGS_DIR (stereo WAV: caller left, bot right, 8 kHz); "
        "the greeting says so. Off: no caller audio is written anywhere"
    )
    recordings_dir: str = Field("recordings", description="Where call recordings are written (<CallSid>.wav)")
    recording_retention_days: float = Field(
        30.0, gt=0, description="Recordings older than this are deleted (checked at each call's end) (days)"
    )

    @field_validator("default_language")
    @classmethod
    def _lower_language(cls, value: str) -> str:
        return value.strip().lower()[:2]
