"""Gateway configuration: the single source of settings, composed from each room's own class.

Every value comes from the environment (or a local ``.env`` file); ``.env.example`` documents each
one. Names are part of the operator interface: keep them. Each room declares the variables it reads
(:class:`GatewaySettings` here: server, Twilio, outbound calls; :class:`pipelines.settings.ShellSettings`:
language and call limits every profile shares; each profile's ``settings_class``, e.g.
:class:`pipelines.local_settings.LocalSettings`; :class:`flights.settings.FlightSettings`), and
:class:`Settings` inherits them all, so ``settings.whisper_model`` and ``WHISPER_MODEL`` stay as they
were. An empty value means unset (``AMADEUS_PORT=`` keeps the default ``None``).

A profile that needs keys it does not have fails at start-up with :class:`MissingSettingError`
naming the variable (see :meth:`Settings.check_profile`, which asks the profile).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from flights.settings import FlightSettings
from pipelines.local_settings import LocalSettings
from pipelines.cloud_settings import CascadeSettings, RealtimeSettings
from pipelines.settings import ROOM_SETTINGS_CONFIG, MissingSettingError, ShellSettings

ProfileName = Literal["local", "realtime", "cascade"]


class GatewaySettings(BaseSettings):
    """The edges' settings: server, Twilio, outbound calls.

    Units are in the field names (``_ms``, ``_secs``, ``_hz``). Secrets are never logged.
    """

    model_config = ROOM_SETTINGS_CONFIG

    # --- gateway -----------------------------------------------------------------------
    profile: ProfileName = Field("local", description="Pipeline profile: local | realtime | cascade")
    host: str = "127.0.0.1"
    port: int = 8000
    public_host: str = Field(
        "localhost:8000",
        description="Host (and port) Twilio reaches us at; used for wss://{PUBLIC_HOST}/twilio/stream",
    )
    stream_scheme: Literal["wss", "ws"] = Field(
        "wss", description="Scheme of the Media Streams URL in TwiML (Twilio requires wss)"
    )
    log_level: str = "INFO"
    max_concurrent_calls: int = Field(8, ge=1, description="Calls beyond this get a polite refusal")
    admission_max_loop_lag_ms: float = Field(
        150.0, ge=0, description="New calls hear the busy message while the event-loop lag (p90 over "
        "the last 5 s) is above this (ms); 0 = off")
    admission_max_stt_wait_ms: float = Field(
        1500.0, ge=0, description="New calls hear the busy message while STT segments wait longer than "
        "this for a decode worker (p90 over the last 10 s, ms); 0 = off")
    heap_trim_interval_secs: float = Field(
        30.0, description="After a call ends, free heap pages go back to the OS (glibc malloc_trim), at most "
        "once per this many seconds; 0 = never")
    drain_timeout_secs: float = Field(
        600.0, ge=0, description="After SIGTERM, how long calls in progress may go on before a goodbye (s)"
    )

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
    forwarded_allow_ips: str | None = Field(
        None,
        description="Proxies whose X-Forwarded-Host/-Proto/-For are trusted (uvicorn's convention: "
        "comma-separated IPs or networks, '*' for any); unset: none, the public URL is PUBLIC_HOST",
    )
    transfer_number: str | None = Field(
        None, description="E.164 number a caller asking for a person is transferred to (Twilio <Dial>); "
        "unset: the bot says no one is available"
    )
    store_transcripts: bool = Field(
        False, description="Keep what was said (both sides) in the call records of GET /calls/{call_sid}"
    )
    call_record_ttl_secs: int = Field(
        86400, ge=60, description="How long a finished call's record is kept for GET /calls/{call_sid}, and call records and live-stream claims live in Redis (s)"
    )
    stream_media_timeout_secs: float = Field(
        15.0, gt=0, description="End a stream that sent no media for this long (s); Twilio sends it every 20 ms"
    )
    request_receipt_timeout_secs: float = Field(
        20.0, gt=0, le=300,
        description="Close an HTTP connection whose request (headers and body) is not fully received "
        "this long after it began, or that sends no new request for this long (s)",
    )
    max_request_head_bytes: int = Field(
        16384, ge=1024,
        description="Largest request head (target plus headers) accepted (bytes); larger gets 431",
    )

    # --- outbound calls ----------------------------------------------------------------
    gateway_api_keys: SecretStr | None = Field(
        None, description="Comma-separated bearer keys for POST /call and GET /calls (rotation: list both)"
    )
    outbound_allowed_countries: str | None = Field(
        None, description="Comma-separated ISO 3166 regions callable outbound; default: TWILIO_FROM_NUMBER's"
    )
    outbound_from_numbers: str | None = Field(
        None,
        description="Comma-separated E.164 caller IDs a POST /call may choose with 'from'; "
        "default: TWILIO_FROM_NUMBER only",
    )
    outbound_rate_limit: str = Field("10/minute", description="Per API key (limits syntax)")
    auth_failure_rate_limit: str = Field(
        "10/minute", description="Failed bearer-key attempts per client address before 429 (limits syntax)"
    )
    key_id_secret: SecretStr | None = Field(
        None,
        description="HMAC key for the key id logged with each POST /call; default: random per process",
    )
    outbound_machine_detection: bool = Field(
        True, description="Answering-machine detection: a machine hears a short message, then hang-up"
    )
    max_request_bytes: int = Field(16384, description="Larger request bodies are refused with 413")

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

    def from_numbers(self) -> list[str]:
        """Caller IDs ``POST /call`` may use: ``TWILIO_FROM_NUMBER`` (the default, first) and
        ``OUTBOUND_FROM_NUMBERS``; empty when neither is set."""
        raw = ",".join(n for n in (self.twilio_from_number, self.outbound_from_numbers) if n)
        numbers: list[str] = []
        for n in (n.strip() for n in raw.split(",")):
            if n and n not in numbers:
                numbers.append(n)
        return numbers

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


class ScaleOutSettings(BaseSettings):
    """Shared call state across replicas, tracing and log format (see README "Scale-out" and
    "Tracing and logs")."""

    model_config = ROOM_SETTINGS_CONFIG

    redis_url: SecretStr | None = Field(
        None,
        description="redis:// or rediss:// URL of the call state shared by every replica; "
        "unset: in-process state (one replica). Unreachable at start-up: start-up fails",
    )
    redis_key_prefix: str = Field("gw:", min_length=1, description="Namespace of every key the gateway writes")
    redis_timeout_secs: float = Field(
        0.5, gt=0, le=10, description="Per-operation Redis timeout (s); slower counts as unreachable"
    )
    redis_health_interval_secs: float = Field(
        1.0, gt=0, le=60, description="How often Redis is pinged to refuse, then retake, calls (s)"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text: one readable line per event; json: one JSON object per line"
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP collector (e.g. http://otel-collector:4318); set: OpenTelemetry "
        "tracing on (call, turn, STT/LLM/TTS spans)",
    )
    otel_service_name: str = Field("voice-gateway", description="service.name of the exported spans")
    trace_transcripts: bool = Field(
        False, description="Keep what was said (transcripts, LLM input/output, TTS text) on spans; "
        "off: stripped before export",
    )

    @property
    def tracing_enabled(self) -> bool:
        """Whether calls are traced (``OTEL_EXPORTER_OTLP_ENDPOINT`` set; see :mod:`gateway.tracing`)."""
        return bool(self.otel_exporter_otlp_endpoint)


class Settings(GatewaySettings, ScaleOutSettings, ShellSettings, LocalSettings, RealtimeSettings, CascadeSettings,
               FlightSettings):
    """All gateway settings: every room's class composed (environment variables and ``.env``)."""

    model_config = ROOM_SETTINGS_CONFIG

    def check_profile(self) -> None:
        """Fail fast when the chosen profile lacks a setting (asks the profile's ``check``).

        Raises:
            MissingSettingError: naming the first missing environment variable.
            pipelines.ProfileUnavailableError: the profile is not in this build.
        """
        from pipelines.registry import get_profile

        get_profile(self.profile).check(self)


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()


__all__ = ["GatewaySettings", "MissingSettingError", "ScaleOutSettings", "Settings", "get_settings"]
