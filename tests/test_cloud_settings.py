"""The cloud profiles refuse to start without their keys, naming the variable (no server, no vendor)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from gateway.settings import MissingSettingError, Settings
from pipelines.registry import PROFILES
from tests.conftest import ROOT

KEYS = ("OPENAI_API_KEY", "DEEPGRAM_API_KEY", "LLM_API_KEY", "CARTESIA_API_KEY", "CARTESIA_VOICES")


def serve(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in KEYS}
    return subprocess.run([sys.executable, "-m", "gateway", "serve", "--port", "1"], cwd=tmp_path,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True,
                          timeout=120)


def test_serve_refuses_to_start_naming_the_missing_key(tmp_path):
    """The CLI itself: exit code 2 and the variable's name (one subprocess: it imports every profile)."""
    done = serve(tmp_path, PROFILE="realtime")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "needs OPENAI_API_KEY to be set" in done.stderr


@pytest.mark.parametrize("profile, keys, variable", [
    ("realtime", {}, "OPENAI_API_KEY"),
    ("cascade", {}, "DEEPGRAM_API_KEY"),
    ("cascade", {"deepgram_api_key": "dg"}, "LLM_API_KEY (or OPENAI_API_KEY)"),
    ("cascade", {"deepgram_api_key": "dg", "openai_api_key": "sk"}, "CARTESIA_API_KEY"),
])
def test_each_missing_key_is_named(monkeypatch, profile, keys, variable):
    """What ``serve`` checks before it starts (``create_app`` calls ``check_profile``), key by key."""
    for k in KEYS:
        monkeypatch.delenv(k, raising=False)
    s = Settings(_env_file=None, profile=profile, **keys)
    with pytest.raises(MissingSettingError, match=re.escape(f"needs {variable} to be set")):
        s.check_profile()


def test_llm_key_falls_back_to_the_openai_key_and_bad_voices_are_named(monkeypatch):
    for k in KEYS:
        monkeypatch.delenv(k, raising=False)
    s = Settings(_env_file=None, profile="cascade", deepgram_api_key="dg", openai_api_key="sk-o",
                 cartesia_api_key="ca")
    PROFILES["cascade"].check(s)
    assert s.llm_key == "sk-o" and s.llm_key_variable == "OPENAI_API_KEY"
    s = Settings(_env_file=None, profile="cascade", deepgram_api_key="dg", llm_api_key="sk-l",
                 openai_api_key="sk-o", cartesia_api_key="ca", cartesia_voices="es=v1,xx=v2")
    assert s.llm_key == "sk-l"
    with pytest.raises(MissingSettingError, match="CARTESIA_VOICES entry 'xx=v2'"):
        PROFILES["cascade"].check(s)


def test_llm_read_timeout_is_a_setting_and_reaches_the_client(monkeypatch):
    from processors.chat_llm import READ_TIMEOUT_SECS, ChatLLMService

    monkeypatch.setenv("LLM_READ_TIMEOUT_SECS", "9.5")
    assert Settings(_env_file=None).llm_read_timeout_secs == 9.5
    monkeypatch.delenv("LLM_READ_TIMEOUT_SECS")
    assert Settings(_env_file=None).llm_read_timeout_secs == READ_TIMEOUT_SECS
    monkeypatch.setenv("LLM_READ_TIMEOUT_SECS", "0")
    with pytest.raises(ValueError):
        Settings(_env_file=None)
    llm = ChatLLMService(api_key="sk-test", base_url="http://127.0.0.1:9/v1", read_timeout_secs=9.5,
                         settings=ChatLLMService.Settings(model="m"))
    assert llm._client.timeout.read == 9.5 and llm._client.max_retries == 0
