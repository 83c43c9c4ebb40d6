"""Graceful drain, in-process: readiness and liveness, the webhook refusal, and the server's SIGTERM
handling with no call in progress. ``tests/test_drain_e2e.py`` sends a real SIGTERM to a real gateway
with calls in progress."""

from __future__ import annotations

import asyncio
import signal
import socket
import xml.etree.ElementTree as ET

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from gateway import metrics
from gateway.app import create_app
from gateway.drain import Drain, DrainingServer
from gateway.settings import Settings


def _settings(**kw) -> Settings:
    return Settings(_env_file=None, public_host="gw.example.com", **kw)


@pytest.fixture
def client(local_resources):
    drain = Drain(600)
    with TestClient(create_app(_settings(), local_resources, drain=drain)) as c:
        yield c, drain


def test_drain_timeout_setting_defaults_to_ten_minutes(monkeypatch):
    assert _settings().drain_timeout_secs == 600
    monkeypatch.setenv("DRAIN_TIMEOUT_SECS", "42")
    assert Settings(_env_file=None).drain_timeout_secs == 42


def test_drain_state_begins_once_and_expires_after_the_timeout():
    drain = Drain(600)
    assert not drain.draining and not drain.expired()
    drain.begin()
    started = drain.started_at
    drain.begin()
    assert drain.draining and drain.started_at == started
    assert not drain.expired(started + 599.9)
    assert drain.expired(started + 600)


@pytest.mark.e2e  # the app with loaded models
def test_ready_and_live_before_and_during_drain(client):
    c, drain = client
    assert c.get("/health/ready").json() == {"status": "ready", "active_calls": 0}
    assert c.get("/health/live").status_code == 200
    drain.begin()
    r = c.get("/health/ready")
    assert r.status_code == 503 and r.json()["status"] == "draining"
    assert c.get("/health/live").status_code == 200
    health = c.get("/health")  # unchanged contract: 200 once models are loaded; says it drains
    assert health.status_code == 200 and health.json()["draining"] is True


def test_readiness_is_503_while_models_load_but_liveness_is_200():
    c = TestClient(create_app(_settings()))  # no lifespan run: resources never load
    r = c.get("/health/ready")
    assert r.status_code == 503 and r.json()["status"] == "starting"
    assert c.get("/health/live").json() == {"status": "alive"}


@pytest.mark.e2e  # the app with loaded models
def test_a_webhook_during_the_drain_gets_a_refusal_not_a_stream(client):
    c, drain = client
    def refused() -> float:
        return metrics.REGISTRY.get_sample_value("gateway_calls_refused_total", {"reason": "draining"}) or 0.0

    before = refused()
    drain.begin()
    r = c.post("/twilio/voice", data={"CallSid": "CA" + "1" * 32, "From": "+14155550100", "To": "+14155550199"})
    assert r.status_code == 200
    root = ET.fromstring(r.text)
    assert root.find("./Connect") is None, "a draining gateway must not connect a stream"
    assert "call again" in ET.tostring(root, encoding="unicode").lower()
    assert root.find("./Hangup") is not None
    assert refused() == before + 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e  # the app with loaded models
async def test_sigterm_with_no_call_shuts_down_cleanly_and_records_no_signal(local_resources):
    drain = Drain(600)
    port = _free_port()
    config = uvicorn.Config(create_app(_settings(), local_resources, drain=drain), host="127.0.0.1",
                            port=port, log_level="warning", lifespan="on")
    server = DrainingServer(config, drain)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200
    server.handle_exit(signal.SIGTERM, None)  # what the installed handler calls on SIGTERM
    assert drain.draining
    await asyncio.wait_for(task, 10)  # nothing to drain: serve() returns by itself
    # uvicorn re-raises the signals it recorded once serve() returns; a drain records none -> exit 0.
    assert server._captured_signals == []
