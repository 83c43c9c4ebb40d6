"""Gateway configuration: the single source of settings.

Every value comes from the environment (or a local ``.env`` file); ``.env.example``
documents each one. Names are part of the operator interface: keep them.

A profile that needs keys it does not have fails at start-up with
:class:`MissingSettingError` naming the variable (see :meth:`Settings.check_profile`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Profile = Literal["local", "realtime", "cascade"]


class MissingSettingError(RuntimeError):
    """A setting the chosen profile needs is missing; the message names the variable."""


class Settings(BaseSettings):
    """All gateway settings, read from environment variables (case-insensitive) and ``.env``.

    Units are in the field names (``_ms``, ``_secs``, ``_hz``). Secrets are never logged.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- gateway -----------------------------------------------------------------------
    profile: Profile = Field("local", description="Pipeline profile: local | realtime | cascade")
    host: str = "127.0.0.1"
    port: int = 8000
    public_host: str = Field(
        "localhost:8000",
        description="Host (and port) Twilio reaches us at; used for wss://{PUBLIC_HOST}/twilio/stream",
    )
    stream_scheme: Literal["wss", "ws"] = Field(
        "wss", description="Scheme of the Media Streams URL in TwiML (Twilio requires wss)"
    )
    default_language: str = Field("en", description="ISO 639-1 language the bot starts in")
    log_level: str = "INFO"
    call_idle_timeout_secs: float = Field(
        300.0, description="End a call after this long with no caller or bot activity (s)"
    )
    max_concurrent_calls: int = Field(8, ge=1, description="Calls beyond this get a polite refusal")

    # --- Twilio ------------------------------------------------------------------------
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str | None = Field(
        None, description="Twilio REST root (scheme+host); default https://api.twilio.com"
    )
    insecure_skip_twilio_signature: bool = Field(
        False,
        description="DEV ONLY: accept webhooks/streams without a valid X-Twilio-Signature "
        "(reported by /health and the start-up log)",
    )
    stream_token_ttl_secs: int = Field(
        120, ge=5, description="Lifetime of the per-call token in the stream TwiML (s)"
    )

    # --- outbound calls ----------------------------------------------------------------
    gateway_api_keys: SecretStr | None = Field(
        None, description="Comma-separated bearer keys for POST /call and GET /calls (rotation: list both)"
    )
    outbound_allowed_countries: str | None = Field(
        None, description="Comma-separated ISO 3166 regions callable outbound; default: the from-number's"
    )
    outbound_rate_limit: str = Field("10/minute", description="Per API key (limits syntax)")
    outbound_machine_detection: bool = Field(
        True, description="Answering-machine detection: a machine hears a short message, then hang-up"
    )
    max_request_bytes: int = Field(16384, description="Larger request bodies are refused with 413")

    # --- local profile models -----------------------------------------------------------
    whisper_model: Literal["base", "tiny.en"] = Field(
        "base", description="base = bundled multilingual Whisper base; tiny.en = fast English-only"
    )
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = Field(1, ge=1, le=10, description="1 = greedy (fastest)")
    whisper_no_speech_prob: float = Field(
        0.65, description="Segments with no_speech_prob at or above this are dropped"
    )
    whisper_cpu_threads: int = Field(2, ge=1)
    model_cache_dir: str = Field(
        ".cache/models", description="Where the split Whisper base model is joined once"
    )
    piper_length_scale: float = Field(1.0, description="Piper speaking-rate factor (>1 slower)")

    # --- turn taking ---------------------------------------------------------------------
    vad_start_secs: float = Field(0.15, description="Speech needed before a turn starts (s)")
    vad_stop_secs: float = Field(0.2, description="Silence before VAD reports a stop (s)")
    vad_confidence: float = 0.7
    hold_short_turn_secs: float = Field(
        0.9,
        description="Extra silence (s) required before ending a turn that is only a greeting/filler",
    )

    # --- languages -----------------------------------------------------------------------
    number_languages: str | None = Field(
        None, description="Per-number starting language: '+34911234567=es,+33123456789=fr'"
    )

    # --- flights -------------------------------------------------------------------------
    timetable_path: str | None = Field(None, description="Operator timetable CSV; default: shipped sample")
    flight_providers: str = Field(
        "amadeus,serpapi,timetable",
        description="Provider order; providers without credentials are skipped (logged at start-up)",
    )
    amadeus_client_id: str | None = None
    amadeus_client_secret: SecretStr | None = None
    amadeus_hostname: Literal["test", "production"] = "test"
    amadeus_host: str | None = Field(None, description="Amadeus-compatible server host (tests, proxies)")
    amadeus_port: int | None = None
    amadeus_ssl: bool = Field(True, description='"false" is false (the SDK\'s own env reading gets this wrong)')
    serpapi_api_key: SecretStr | None = None
    serpapi_base_url: str = "https://serpapi.com"
    flight_provider_timeout_secs: float = Field(4.0, gt=0, description="Per provider (s)")
    flight_search_deadline_secs: float = Field(6.0, gt=0, description="Whole search, fallbacks included (s)")

    @field_validator("default_language")
    @classmethod
    def _lower_language(cls, value: str) -> str:
        return value.strip().lower()[:2]

    @property
    def auth_token(self) -> str:
        """The Twilio auth token, ``""`` when unset."""
        return self.twilio_auth_token.get_secret_value() if self.twilio_auth_token else ""

    @property
    def signatures_enforced(self) -> bool:
        """Twilio signatures are checked whenever the auth token is set, unless explicitly disabled."""
        return bool(self.auth_token) and not self.insecure_skip_twilio_signature

    def api_keys(self) -> list[str]:
        """The accepted bearer keys (empty list: POST /call is closed)."""
        raw = self.gateway_api_keys.get_secret_value() if self.gateway_api_keys else ""
        return [k.strip() for k in raw.split(",") if k.strip()]

    def allowed_countries(self) -> set[str] | None:
        """Allowed destination regions, or None for "the from-number's region only"."""
        if not self.outbound_allowed_countries:
            return None
        return {c.strip().upper() for c in self.outbound_allowed_countries.split(",") if c.strip()}

    @property
    def http_scheme(self) -> str:
        """``https``, or ``http`` when streams are plain ``ws`` (local tests)."""
        return "https" if self.stream_scheme == "wss" else "http"

    def public_url(self, path: str) -> str:
        """``{http_scheme}://{PUBLIC_HOST}{path}``."""
        return f"{self.http_scheme}://{self.public_host}{path}"

    @property
    def twilio_rest_configured(self) -> bool:
        """True when REST calls (hang-up, outbound) can be made: account SID and auth token set."""
        return bool(self.twilio_account_sid and self.auth_token)

    def stream_url(self) -> str:
        """Media Streams URL placed in TwiML, e.g. ``wss://gw.example.com/twilio/stream``."""
        return f"{self.stream_scheme}://{self.public_host}/twilio/stream"

    def check_profile(self) -> None:
        """Fail fast when the chosen profile lacks a key.

        Raises:
            MissingSettingError: naming the first missing environment variable.
        """
        if self.profile == "realtime":
            from pipelines.realtime import RealtimeSettings

            missing = RealtimeSettings().missing()
        elif self.profile == "cascade":
            from pipelines.cascade import CascadeSettings

            missing = CascadeSettings().missing()
        else:
            missing = []
        if missing:  # keys may come from the environment or from .env (the profile settings read both)
            raise MissingSettingError(f"profile {self.profile!r} needs {missing[0]} to be set")


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()
