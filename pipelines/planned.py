"""Placeholders for the profiles not built yet (``realtime``, ``cascade``): their keys and checks.

They declare the settings their real modules will read, so ``PROFILE=realtime`` without
``OPENAI_API_KEY`` (in the environment or in ``.env``) still fails at start-up naming the variable;
with the keys, loading says the profile is not in this build. ``pipelines/realtime.py`` and
``pipelines/cascade.py`` replace these (one line each in :data:`pipelines.PROFILES`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from pipelines.contract import CallSetup, Profile, ProfileCore, ProfileUnavailableError, require
from pipelines.settings import ROOM_SETTINGS_CONFIG


class CloudKeySettings(BaseSettings):
    """Vendor keys of the cloud profiles (secrets: never logged)."""

    model_config = ROOM_SETTINGS_CONFIG

    openai_api_key: SecretStr | None = None
    deepgram_api_key: SecretStr | None = None
    cartesia_api_key: SecretStr | None = None


class PlannedProfile(Profile[CloudKeySettings, Any]):
    """A profile whose module is not in this build: checks its keys, refuses to load."""

    audio_in_hz = 16000
    audio_out_hz = 8000
    settings_class = CloudKeySettings
    keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, keys: tuple[str, ...]):
        self.name = name
        self.keys = keys

    def check(self, settings: CloudKeySettings) -> None:
        """Raises MissingSettingError naming the first missing key."""
        require(settings, *self.keys, profile=self.name)

    def load(self, settings: CloudKeySettings) -> Any:
        """Raises ProfileUnavailableError: the profile is not built yet."""
        raise ProfileUnavailableError(f"profile {self.name!r} is not available in this build; use PROFILE=local")

    def build_core(self, setup: CallSetup, settings: CloudKeySettings, resources: Any) -> ProfileCore:
        """Raises ProfileUnavailableError."""
        raise ProfileUnavailableError(f"profile {self.name!r} is not available in this build")


REALTIME = PlannedProfile("realtime", ("openai_api_key",))
CASCADE = PlannedProfile("cascade", ("deepgram_api_key", "openai_api_key", "cartesia_api_key"))
