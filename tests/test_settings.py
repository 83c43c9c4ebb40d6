"""Settings composed from each room's class: names unchanged, `.env.example` usable as `.env`, profile
key checks that read the settings object (environment *and* `.env`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from flights.settings import FlightSettings
from gateway.settings import GatewaySettings, MissingSettingError, ScaleOutSettings, Settings
from pipelines.local_settings import LocalSettings
from pipelines.cloud_settings import CascadeSettings, RealtimeSettings
from pipelines.registry import PROFILES
from pipelines.settings import ShellSettings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"


def example_names() -> set[str]:
    return {m.group(1).lower() for m in re.finditer(r"^([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(), re.M)}


def test_env_example_copied_to_env_loads(tmp_path, monkeypatch):
    """`cp .env.example .env` must start: empty values (AMADEUS_PORT=) mean unset."""
    for name in example_names():
        monkeypatch.delenv(name.upper(), raising=False)
    env = tmp_path / ".env"
    shutil.copy(EXAMPLE, env)
    settings = Settings(_env_file=env)
    assert settings.amadeus_port is None and settings.amadeus_host is None
    assert settings.twilio_auth_token is None and settings.openai_api_key is None
    assert settings.profile == "local" and settings.whisper_model == "base"
    settings.check_profile()  # local needs no key


def test_an_empty_variable_in_the_environment_means_unset(monkeypatch):
    monkeypatch.setenv("AMADEUS_PORT", "")
    monkeypatch.setenv("PORT", "")
    settings = Settings(_env_file=None)
    assert settings.amadeus_port is None and settings.port == 8000


def test_env_example_documents_every_setting_and_each_room_owns_its_own():
    fields = set(Settings.model_fields)
    assert fields == example_names()
    rooms = [GatewaySettings, ScaleOutSettings, ShellSettings, LocalSettings, RealtimeSettings, CascadeSettings,
             FlightSettings]
    owned = [set(room.model_fields) for room in rooms]
    assert set().union(*owned) == fields  # every variable belongs to a room
    # declared once each, except OPENAI_API_KEY: both cloud profiles read it
    assert RealtimeSettings.model_fields.keys() & CascadeSettings.model_fields.keys() == {"openai_api_key"}
    assert "whisper_model" in LocalSettings.model_fields and "amadeus_port" in FlightSettings.model_fields


def test_profile_keys_kept_in_dotenv_are_seen(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    env = tmp_path / ".env"
    env.write_text("PROFILE=realtime\nOPENAI_API_KEY=sk-local-test\n")
    settings = Settings(_env_file=env)
    PROFILES["realtime"].check(settings)  # the key is in .env only: accepted
    assert settings.openai_api_key.get_secret_value() == "sk-local-test"
    env.write_text("PROFILE=cascade\nOPENAI_API_KEY=sk-local-test\nDEEPGRAM_API_KEY=dg\n")
    with pytest.raises(MissingSettingError, match="CARTESIA_API_KEY"):
        Settings(_env_file=env).check_profile()
