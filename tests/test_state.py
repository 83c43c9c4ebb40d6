"""Shared call state (gateway/state.py): the in-process default and Redis, the latter against a real
``redis-server`` with two :class:`RedisState` instances standing for two replicas."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.calls import CallRecord
from gateway.outbound import KeyRateLimiter, OutboundRefused
from gateway.state import InProcessState, RedisState, StateUnavailable
from testkit.redis_server import RedisServer, free_port

CALL = "CA" + "a" * 32
OTHER = "CA" + "b" * 32


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
async def replicas(redis_server, request):
    """Two RedisState on one server, under a prefix of their own (tests do not see each other's keys)."""
    prefix = f"t{request.node.name[-30:]}{time.monotonic_ns()}:"
    a = RedisState(redis_server.url, prefix=prefix, health_interval_secs=0.1)
    b = RedisState(redis_server.url, prefix=prefix, health_interval_secs=0.1)
    await a.start()
    await b.start()
    yield a, b
    await a.close()
    await b.close()


async def test_in_process_state_keeps_todays_behaviour():
    state = InProcessState()
    assert await state.use_token("tok", int(time.time()) + 60)
    assert not await state.use_token("tok", int(time.time()) + 60)
    await state.put_context("c1", "prefers aisle seats")
    assert await state.pop_context("c1") == "prefers aisle seats"
    assert await state.pop_context("c1") is None
    assert await state.claim(CALL, 1) is None
    assert await state.claim(CALL, 1) == "duplicate"
    assert await state.claim(OTHER, 1) == "capacity"
    await state.call_started(CallRecord(CALL, "MZ" + "0" * 32, language="es"))
    listing = await state.listing()
    assert [c["call_sid"] for c in listing["active"]] == [CALL]
    await state.call_ended(CALL, "goodbye played")
    listing = await state.listing()
    assert listing["active"] == [] and listing["recent"][0]["end_reason"] == "goodbye played"
    assert state.describe() == {"backend": "in-process", "healthy": True}


async def test_tokens_and_contexts_are_single_use_across_replicas(replicas):
    a, b = replicas
    expires = int(time.time()) + 60
    assert await a.use_token("tok-1", expires)
    assert not await b.use_token("tok-1", expires)
    assert not await a.use_token("tok-1", expires)
    await a.put_context("ctx-1", "wants a morning flight")
    assert await b.pop_context("ctx-1") == "wants a morning flight"
    assert await a.pop_context("ctx-1") is None
    assert await b.pop_context("") is None


async def test_one_live_stream_per_callsid_across_replicas_capacity_per_replica(replicas):
    a, b = replicas
    assert await a.claim(CALL, max_calls=1) is None
    assert await b.claim(CALL, max_calls=5) == "duplicate"
    assert CALL not in b.local.active  # b's local slot was given back
    assert await a.claim(OTHER, max_calls=1) == "capacity"  # a is full; b is not
    assert await b.claim(OTHER, max_calls=1) is None
    await a.release(CALL)  # a stream that never started gives its claim back, on every replica
    assert await b.claim(CALL, max_calls=5) is None


async def test_call_records_are_seen_from_every_replica(replicas):
    a, b = replicas
    await a.note_call(CALL, direction="outbound", language="fr", to_number="+33142000000",
                      from_number="+15550001111", status="queued")
    await b.update_status(CALL, "ringing", direction="outbound-api")
    assert await b.claim(CALL, 2) is None
    await b.call_started(CallRecord(CALL, "MZ" + "1" * 32, direction="inbound", language="fr"))
    listing = await a.listing()
    [row] = listing["active"]
    # what Twilio reported is kept (as in process); the stream adds its sid, never turns it inbound
    assert row["status"] == "ringing" and row["direction"] == "outbound" and row["to"] == "+33142000000"
    assert "ringing" in row["status_times"]
    await b.call_ended(CALL, "goodbye played")
    await a.update_status(CALL, "completed", duration="42")
    listing = await b.listing()
    assert listing["active"] == []
    [row] = listing["recent"]
    assert (row["status"], row["duration_secs"], row["end_reason"]) == ("completed", 42, "goodbye played")
    # the live-stream claim went with the end: a new claim for the CallSid is not a duplicate
    assert await a.claim(CALL, 2) is None


async def test_every_key_written_expires(replicas):
    a, b = replicas
    await a.use_token("tok-2", int(time.time()) + 60)
    await a.put_context("ctx-2", "x")
    await a.note_call(CALL, direction="inbound")
    await a.claim(OTHER, 2)
    await KeyRateLimiter("5/minute", a.rate_storage).hit("key-1")
    keys = [k async for k in a.redis.scan_iter(match=a.prefix + "*")]
    assert len(keys) >= 5
    for key in keys:
        assert await a.redis.ttl(key) > 0, key


async def test_a_keys_rate_limit_is_shared(replicas):
    a, b = replicas
    on_a, on_b = KeyRateLimiter("2/minute", a.rate_storage), KeyRateLimiter("2/minute", b.rate_storage)
    await on_a.hit("key-9")
    await on_b.hit("key-9")
    with pytest.raises(OutboundRefused) as refused:
        await on_a.hit("key-9")
    assert refused.value.status == 429
    await on_b.hit("key-other")  # per key


async def test_start_up_fails_naming_redis_url_when_unreachable():
    state = RedisState(f"redis://:secret-pw@127.0.0.1:{free_port()}/0", timeout_secs=0.2)
    with pytest.raises(StateUnavailable, match="REDIS_URL") as failed:
        await state.start()
    assert "secret-pw" not in str(failed.value)
    await state.close()


async def _until(predicate, secs: float = 5.0) -> bool:
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_an_outage_is_noticed_and_recovered_from_by_itself():
    server = RedisServer()
    state = RedisState(server.url, prefix="outage:", timeout_secs=0.2, health_interval_secs=0.1)
    try:
        await state.start()
        assert await state.claim(CALL, 2) is None
        await state.call_started(CallRecord(CALL, "MZ" + "2" * 32))
        server.stop()
        assert await _until(lambda: not state.healthy)
        assert state.describe() == {"backend": "redis", "healthy": False}
        with pytest.raises(StateUnavailable, match="REDIS_URL"):
            await state.use_token("tok-3", int(time.time()) + 60)
        await state.call_ended(CALL, "goodbye played")  # logged, not raised: the call could end
        assert CALL not in state.local.active
        server.start()
        assert await _until(lambda: state.healthy)
        assert await state.use_token("tok-3", int(time.time()) + 60)
    finally:
        await state.close()
        server.stop()


def test_shared_state_with_api_keys_needs_a_shared_key_id_secret():
    from gateway.app import create_app
    from gateway.settings import MissingSettingError, Settings

    settings = Settings(_env_file=None, redis_url="redis://127.0.0.1:1/0", gateway_api_keys="k1")
    with pytest.raises(MissingSettingError, match="KEY_ID_SECRET"):
        create_app(settings)
    create_app(Settings(_env_file=None, redis_url="redis://127.0.0.1:1/0", gateway_api_keys="k1",
                        key_id_secret="shared"))  # the connection is made at start-up, not here


@pytest.mark.e2e  # uses the loaded local models (the webhook needs a ready profile)
def test_a_replica_refuses_calls_while_redis_is_away_and_takes_them_again(local_resources):
    """The HTTP side of an outage, in process (the e2e test adds a call in progress)."""
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    def wait_ready(c, status: str) -> dict:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            body = c.get("/health/ready").json()
            if body["status"] == status:
                return body
            time.sleep(0.05)
        return c.get("/health/ready").json()

    server = RedisServer()
    settings = Settings(_env_file=None, redis_url=server.url, redis_health_interval_secs=0.1, stream_scheme="ws")
    try:
        with TestClient(create_app(settings, local_resources)) as c:
            assert "<Stream" in c.post("/twilio/voice", data={"CallSid": CALL}).text
            assert c.get("/health").json()["call_state"] == {"backend": "redis", "healthy": True}
            server.stop()
            assert wait_ready(c, "state_unavailable")["status"] == "state_unavailable"
            assert c.get("/health/ready").status_code == 503 and c.get("/health/live").status_code == 200
            health = c.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "state_unavailable"
            busy = c.post("/twilio/voice", data={"CallSid": OTHER})
            assert busy.status_code == 200 and "lines are busy" in busy.text and "<Stream" not in busy.text
            assert c.post("/twilio/status", data={"CallSid": CALL, "CallStatus": "completed"}).status_code == 503
            server.start()
            assert wait_ready(c, "ready")["status"] == "ready"
            assert "<Stream" in c.post("/twilio/voice", data={"CallSid": OTHER}).text
    finally:
        server.stop()
