"""``LOG_FORMAT=json``: one JSON object per line on stderr, ``call_sid`` on every line of a call."""

from __future__ import annotations

import json

import pytest
from loguru import logger

from gateway.cli import _setup_logging
from gateway.settings import Settings

CALL = "CA" + "c" * 32


@pytest.fixture
def json_logs():
    _setup_logging("INFO", "json")
    yield
    logger.remove()


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_log_format_setting_defaults_to_text(monkeypatch):
    assert Settings(_env_file=None).log_format == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert Settings(_env_file=None).log_format == "json"


def test_json_lines_carry_the_call_sid_of_the_call_they_belong_to(json_logs, capsys):
    logger.info("before any call")
    with logger.contextualize(call_sid=CALL):
        logger.bind(provider="timetable").warning("inside the call: ünïcode kept")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    logger.debug("below the level: not written")
    first, inside, failed = lines(capsys)
    assert first["call_sid"] == "-" and first["level"] == "INFO" and first["message"] == "before any call"
    assert first["time"].endswith("Z") and first["logger"] == __name__
    assert (inside["call_sid"], inside["level"], inside["provider"]) == (CALL, "WARNING", "timetable")
    assert inside["message"] == "inside the call: ünïcode kept"
    assert failed["call_sid"] == CALL and "ValueError: boom" in failed["exception"]


def test_text_format_stays_readable(capsys):
    _setup_logging("INFO", "text")
    try:
        with logger.contextualize(call_sid=CALL):
            logger.info("hello")
    finally:
        logger.remove()
    err = capsys.readouterr().err
    assert "hello" in err and CALL[:10] in err and not err.lstrip().startswith("{")
