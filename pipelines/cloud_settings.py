"""Settings of the cloud profiles (``realtime``, ``cascade``): vendor keys, URLs, models, voices.

Kept apart from :mod:`pipelines.realtime` / :mod:`pipelines.cascade` so composing the gateway's
``Settings`` imports no vendor client. Field names are the environment variable names (operators,
docs and tests rely on them); keys are ``SecretStr`` and never logged.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from pipelines.settings import ROOM_SETTINGS_CONFIG


def secret(value: SecretStr | None) -> str:
    """The secret's value, ``""`` when unset."""
    return value.get_secret_value() if value else ""


class RealtimeSettings(BaseSettings):
    """The ``realtime`` profile: OpenAI Realtime."""

    model_config = ROOM_SETTINGS_CONFIG

    openai_api_key: SecretStr | None = Field(None, description="OpenAI key (realtime; cascade's LLM fallback)")
    openai_realtime_url: str = Field("wss://api.openai.com/v1/realtime",
                                     description="Realtime WebSocket base; ?model= is appended")
    openai_realtime_model: str = Field("gpt-realtime", description="Realtime model")
    openai_realtime_voice: str = Field("marin", description="Realtime output voice")


class CascadeSettings(BaseSettings):
    """The ``cascade`` profile: Deepgram STT, an OpenAI-compatible LLM, Cartesia TTS."""

    model_config = ROOM_SETTINGS_CONFIG

    deepgram_api_key: SecretStr | None = None
    deepgram_base_url: str = Field("wss://api.deepgram.com", description="Deepgram host; the SDK adds /v1/listen")
    deepgram_model: str = Field("nova-3", description="Deepgram model (language=multi needs nova-3)")
    llm_api_key: SecretStr | None = Field(None, description="Key of the LLM server; else OPENAI_API_KEY")
    openai_api_key: SecretStr | None = None
    llm_base_url: str = Field("https://api.openai.com/v1", description="Any OpenAI-compatible /v1 base URL")
    llm_model: str = Field("gpt-4.1-mini", description="Chat model with tool calling")
    llm_read_timeout_secs: float = Field(
        4.0, gt=0, le=120,
        description="Longest wait (s) for the LLM's response and between streamed chunks; then the "
                    "call asks again once and apologises (a slow self-hosted model may need more)")
    cartesia_api_key: SecretStr | None = None
    cartesia_url: str = Field("wss://api.cartesia.ai/tts/websocket", description="Cartesia TTS WebSocket")
    cartesia_model: str = Field("sonic-3", description="Cartesia model")
    cartesia_voices: str | None = Field(None, description="Per language: en=VOICE_ID,es=VOICE_ID")

    @property
    def llm_key(self) -> str:
        """``LLM_API_KEY``, falling back to ``OPENAI_API_KEY``."""
        return secret(self.llm_api_key) or secret(self.openai_api_key)

    @property
    def llm_key_variable(self) -> str:
        """The variable :attr:`llm_key` came from."""
        return "LLM_API_KEY" if secret(self.llm_api_key) else "OPENAI_API_KEY"
