"""Call state every replica must agree on, behind one small async interface (:class:`CallState`).

Two implementations, chosen by ``REDIS_URL`` (:func:`make_call_state`):

- :class:`InProcessState` (``REDIS_URL`` unset, the default): this process only, in memory, as the
  gateway always was — used stream tokens in a ``TLRUCache`` (each until its own expiry), outbound
  contexts in a ``TTLCache``, call records in :class:`gateway.calls.CallRegistry`, rate limits in
  ``limits``' memory storage. No extra service.
- :class:`RedisState` (``REDIS_URL=redis://…`` or ``rediss://…``): shared by every replica through
  the official ``redis`` asyncio client (https://redis.readthedocs.io/en/stable/examples/asyncio_examples.html).

What is shared, and how (every key under ``REDIS_KEY_PREFIX``, default ``gw:``, and every key expires):

=========================  ===========================================  =================================
what                       key / command                                expiry
=========================  ===========================================  =================================
used stream token          ``tok:{token}`` ``SET NX EXAT``              the token's own expiry
outbound call context      ``ctx:{id}``; taken with ``GETDEL``          600 s (Twilio's longest ring)
live stream of a CallSid   ``live:{CallSid}`` ``SET NX EX``             ``CALL_RECORD_TTL_SECS``
call record                ``call:{CallSid}`` hash (``HSET``/``HSETNX``) ``CALL_RECORD_TTL_SECS``
recent calls index         ``calls`` sorted set, trimmed to 200         ``CALL_RECORD_TTL_SECS``
rate limits                ``limits``' own keys under ``{prefix}limits`` the limit's window
=========================  ===========================================  =================================

Single use holds across replicas because ``SET NX`` and ``GETDEL`` are atomic in Redis
(https://redis.io/docs/latest/commands/set/, https://redis.io/docs/latest/commands/getdel/).
Capacity (``MAX_CONCURRENT_CALLS``) stays per replica: it is what one process can carry.

Failure: every Redis operation has a short timeout (``REDIS_TIMEOUT_SECS``) and raises
:class:`StateUnavailable` when Redis does not answer; a background check (``PING`` every
``REDIS_HEALTH_INTERVAL_SECS``) keeps :attr:`CallState.healthy` current, so the gateway refuses new
calls with the busy TwiML while Redis is away and takes them again when it returns. A call in
progress never waits on Redis except at its end, whose bookkeeping failure is logged, not raised.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from typing import Any

from cachetools import TLRUCache, TTLCache
from loguru import logger

from gateway.calls import FINAL_STATUSES, CallRecord, CallRegistry

#: How long a POST /call context waits for its call's voice webhook (s): Twilio lets a call ring for
#: ``Timeout`` s, 60 by default and 600 at most
#: (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource).
OUTBOUND_CONTEXT_TTL_SECS = 600
#: At most this many contexts are kept in process (beyond that, the least recently used go first).
OUTBOUND_CONTEXT_MAX = 10_000
#: At most this many used stream tokens are remembered in process.
USED_TOKENS_MAX = 100_000
#: Calls listed by ``GET /calls`` (newest first).
KEEP_RECENT_CALLS = 200


class StateUnavailable(RuntimeError):
    """The shared store did not answer (Redis down, timed out); the message names ``REDIS_URL``."""


class CallState(ABC):
    """The state calls share. ``local`` is this process's :class:`CallRegistry`: its ``active``
    holds the live streams of this replica (capacity, metrics, drain)."""

    local: CallRegistry
    #: ``limits`` async storage for the rate limiters (:mod:`gateway.outbound`).
    rate_storage: Any
    #: False while the shared store does not answer (new calls are refused meanwhile).
    healthy: bool = True
    kind: str = "in-process"

    async def start(self) -> None:
        """Connect (and start the health check). Raises :class:`StateUnavailable`."""

    async def close(self) -> None:
        """Stop the health check and close connections."""

    def describe(self) -> dict[str, Any]:
        """For ``/health``: ``{"backend": "in-process"|"redis", "healthy": bool}``."""
        return {"backend": self.kind, "healthy": self.healthy}

    @abstractmethod
    async def use_token(self, token: str, expires_at: int) -> bool:
        """Mark a stream token used; True the first time anywhere, False if already used.
        ``expires_at``: the token's expiry (unix s), after which it need not be remembered."""

    @abstractmethod
    async def put_context(self, ctx_id: str, text: str) -> None:
        """Keep a ``POST /call`` context for :data:`OUTBOUND_CONTEXT_TTL_SECS`."""

    @abstractmethod
    async def pop_context(self, ctx_id: str) -> str | None:
        """Take (get and delete) a context; ``None`` if unknown or expired."""

    async def claim(self, call_sid: str, max_calls: int) -> str | None:
        """Reserve the live-stream slot of ``call_sid``: ``None`` when reserved, else ``"duplicate"``
        (a live stream for this CallSid, on any replica) or ``"capacity"`` (this replica is full).

        The local reservation is made before any ``await``, so concurrent upgrades cannot both pass.
        """
        refusal = self.local.claim(call_sid, max_calls)
        if refusal is not None:
            return refusal
        try:
            if not await self._claim_shared(call_sid):
                self.local.release(call_sid)
                return "duplicate"
        except BaseException:
            self.local.release(call_sid)
            raise
        return None

    async def _claim_shared(self, call_sid: str) -> bool:
        return True

    async def release(self, call_sid: str) -> None:
        """Free a slot reserved by :meth:`claim` for a stream that never started."""
        if call_sid in self.local.active:
            self.local.release(call_sid)
            await self._release_shared(call_sid)

    async def _release_shared(self, call_sid: str) -> None:
        return None

    @abstractmethod
    async def note_call(self, call_sid: str, *, status: str | None = None, **fields: Any) -> None:
        """Remember a call (voice webhook, ``POST /call``): ``fields`` (direction, language,
        to_number, from_number) only where not yet known; ``status`` always."""

    @abstractmethod
    async def update_status(self, call_sid: str, status: str, *, duration: str | None = None,
                            direction: str | None = None, to_number: str = "", from_number: str = "") -> None:
        """Apply a Twilio status callback (see :meth:`CallRegistry.update_status`)."""

    @abstractmethod
    async def call_started(self, record: CallRecord) -> None:
        """A media stream began (its slot was claimed)."""

    @abstractmethod
    async def call_ended(self, call_sid: str, reason: str) -> None:
        """A media stream ended; frees its slot. Never raises: a store failure is logged."""

    @abstractmethod
    async def listing(self) -> dict[str, list[dict[str, Any]]]:
        """``{"active": [...], "recent": [...]}`` newest first (:meth:`CallRecord.public` dicts)."""


class InProcessState(CallState):
    """This process only (the default): today's in-memory stores."""

    def __init__(self, keep_recent: int = KEEP_RECENT_CALLS, timer=time.time):
        from limits.aio.storage import MemoryStorage

        self.local = CallRegistry(keep_recent)
        self.rate_storage = MemoryStorage()
        self.contexts: TTLCache[str, str] = TTLCache(maxsize=OUTBOUND_CONTEXT_MAX, ttl=OUTBOUND_CONTEXT_TTL_SECS,
                                                     timer=timer)
        # Used tokens, each until its own expiry (unix s), capped (least recently used forgotten first).
        self.used_tokens: TLRUCache[str, int] = TLRUCache(
            maxsize=USED_TOKENS_MAX, ttu=lambda _token, expires, _now: expires, timer=timer)

    async def use_token(self, token: str, expires_at: int) -> bool:
        if token in self.used_tokens:
            return False
        self.used_tokens[token] = expires_at
        return True

    async def put_context(self, ctx_id: str, text: str) -> None:
        self.contexts[ctx_id] = text

    async def pop_context(self, ctx_id: str) -> str | None:
        return self.contexts.pop(ctx_id, None)

    async def note_call(self, call_sid: str, *, status: str | None = None, **fields: Any) -> None:
        record = self.local.get_or_create(call_sid, **fields)
        if status:
            record.status = status

    async def update_status(self, call_sid: str, status: str, **kw: Any) -> None:
        self.local.update_status(call_sid, status, **kw)

    async def call_started(self, record: CallRecord) -> None:
        self.local.start(record)

    async def call_ended(self, call_sid: str, reason: str) -> None:
        self.local.end(call_sid, reason)

    async def listing(self) -> dict[str, list[dict[str, Any]]]:
        return self.local.listing()


def _redact(url: str) -> str:
    """``REDIS_URL`` without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class RedisState(CallState):
    """Shared through Redis (see the module docstring for keys and expiries).

    Args:
        url: ``REDIS_URL`` (``redis://[:password@]host:port/db``; ``rediss://`` for TLS).
        prefix: key namespace (``REDIS_KEY_PREFIX``).
        timeout_secs: per-operation socket timeout (s).
        health_interval_secs: how often the background ``PING`` runs (s).
        record_ttl_secs: how long call records and live-stream claims live (s).
    """

    kind = "redis"

    def __init__(self, url: str, prefix: str = "gw:", timeout_secs: float = 0.5,
                 health_interval_secs: float = 1.0, record_ttl_secs: int = 86_400,
                 keep_recent: int = KEEP_RECENT_CALLS):
        import redis.asyncio as aioredis
        from limits.aio.storage import RedisStorage
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = url
        self.prefix = prefix
        self.timeout = timeout_secs
        self.interval = health_interval_secs
        self.record_ttl = record_ttl_secs
        self.keep = keep_recent
        self.local = CallRegistry(keep_recent)
        options = dict(socket_timeout=timeout_secs, socket_connect_timeout=timeout_secs,
                       retry=Retry(NoBackoff(), 0))
        self.redis = aioredis.from_url(url, decode_responses=True, **options)
        self.rate_storage = RedisStorage("async+" + url, implementation="redispy", key_prefix=f"{prefix}limits",
                                         wrap_exceptions=True, **options)
        self.healthy = False
        self._health_task: asyncio.Task | None = None

    def _error(self, e: Exception) -> StateUnavailable:
        return StateUnavailable(f"Redis at REDIS_URL ({_redact(self.url)}) unreachable: {e.__class__.__name__}: {e}")

    async def _do(self, coro):
        """Await a Redis command; any connection error or timeout → :class:`StateUnavailable`."""
        from redis.exceptions import RedisError

        try:
            return await asyncio.wait_for(coro, self.timeout * 2)
        except (RedisError, OSError, asyncio.TimeoutError) as e:
            if self.healthy:
                logger.warning(f"shared state unavailable: {e.__class__.__name__}: {e}")
            self.healthy = False
            raise self._error(e) from None

    async def _ping(self) -> bool:
        try:
            await self._do(self.redis.ping())
        except StateUnavailable:
            return False
        return True

    async def start(self) -> None:
        """Connect and start the health check.

        Raises:
            StateUnavailable: Redis does not answer ``PING`` (the message names ``REDIS_URL``).
        """
        await self._do(self.redis.ping())
        self.healthy = True
        logger.info(f"shared call state: Redis at {_redact(self.url)} (prefix {self.prefix!r})")
        self._health_task = asyncio.create_task(self._health_loop())

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            was = self.healthy
            ok = await self._ping()
            self.healthy = ok
            if ok and not was:
                logger.info("shared state: Redis reachable again; taking calls")
            elif was and not ok:
                logger.warning("shared state: Redis unreachable; refusing new calls until it returns")

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
        try:
            await self.redis.aclose()
        except Exception:  # closing a dead connection is fine
            pass

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def use_token(self, token: str, expires_at: int) -> bool:
        ttl_ms = max(1000, int((expires_at - time.time()) * 1000))
        return bool(await self._do(self.redis.set(self._k("tok", token), "1", nx=True, px=ttl_ms)))

    async def put_context(self, ctx_id: str, text: str) -> None:
        await self._do(self.redis.set(self._k("ctx", ctx_id), text, ex=OUTBOUND_CONTEXT_TTL_SECS))

    async def pop_context(self, ctx_id: str) -> str | None:
        if not ctx_id:
            return None
        return await self._do(self.redis.getdel(self._k("ctx", ctx_id)))

    async def _claim_shared(self, call_sid: str) -> bool:
        return bool(await self._do(self.redis.set(self._k("live", call_sid), "1", nx=True, ex=self.record_ttl)))

    async def _release_shared(self, call_sid: str) -> None:
        try:
            await self._do(self.redis.delete(self._k("live", call_sid)))
        except StateUnavailable as e:
            logger.bind(call_sid=call_sid).warning(f"could not free the live-stream claim: {e}")

    async def _write(self, call_sid: str, always: dict[str, Any], if_absent: dict[str, Any],
                     new: bool = False) -> None:
        """HSET ``always``, HSETNX ``if_absent``, refresh expiries (one MULTI/EXEC transaction)."""
        key = self._k("call", call_sid)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(key, "call_sid", call_sid)
        for name, value in if_absent.items():
            if value not in (None, ""):
                pipe.hsetnx(key, name, str(value))
        clean = {k: str(v) for k, v in always.items() if v is not None}
        if clean:
            pipe.hset(key, mapping=clean)
        pipe.expire(key, self.record_ttl)
        index = self._k("calls")
        pipe.zadd(index, {call_sid: time.time()}, nx=True)
        pipe.zremrangebyrank(index, 0, -self.keep - 1)
        pipe.expire(index, self.record_ttl)
        await self._do(pipe.execute())

    async def note_call(self, call_sid: str, *, status: str | None = None, **fields: Any) -> None:
        names = {"to_number": "to", "from_number": "from"}
        absent = {names.get(k, k): v for k, v in fields.items()}
        absent.setdefault("status", "in-progress")
        absent["started_at"] = time.time()
        await self._write(call_sid, {"status": status} if status else {}, absent)

    async def update_status(self, call_sid: str, status: str, *, duration: str | None = None,
                            direction: str | None = None, to_number: str = "", from_number: str = "") -> None:
        now = time.time()
        always: dict[str, Any] = {"status": status, f"t:{status}": now}
        if direction:
            always["direction"] = "outbound" if direction.startswith("outbound") else "inbound"
        if duration and duration.isdigit():
            always["duration_secs"] = int(duration)
        absent: dict[str, Any] = {"to": to_number, "from": from_number, "started_at": now}
        if status in FINAL_STATUSES:
            absent["ended_at"] = now
        await self._write(call_sid, always, absent)

    async def call_started(self, record: CallRecord) -> None:
        self.local.start(record)
        key = self._k("call", record.call_sid)
        known = await self._do(self.redis.hget(key, "status"))
        always: dict[str, Any] = {"stream_sid": record.stream_sid, "language": record.language,
                                  "started_at": record.started_at}
        if known in (None, "queued"):
            always["status"] = record.status
        await self._write(record.call_sid, always,
                          {"direction": record.direction, "to": record.to_number, "from": record.from_number})

    async def call_ended(self, call_sid: str, reason: str) -> None:
        self.local.end(call_sid, reason)
        try:
            await self._write(call_sid, {"end_reason": reason}, {"ended_at": time.time()})
            await self._do(self.redis.delete(self._k("live", call_sid)))
        except StateUnavailable as e:  # the claim expires by itself (CALL_RECORD_TTL_SECS)
            logger.bind(call_sid=call_sid).warning(f"call end not recorded in the shared state: {e}")

    async def listing(self) -> dict[str, list[dict[str, Any]]]:
        sids = await self._do(self.redis.zrevrange(self._k("calls"), 0, self.keep - 1))
        pipe = self.redis.pipeline(transaction=False)
        for sid in sids:
            pipe.hgetall(self._k("call", sid))
        rows = await self._do(pipe.execute()) if sids else []
        active, recent = [], []
        for row in rows:
            if not row:
                continue
            record = _record_from_hash(row)
            (recent if record.ended_at is not None else active).append(record.public())
        return {"active": active, "recent": recent}


def _record_from_hash(row: dict[str, str]) -> CallRecord:
    def num(name: str) -> float | None:
        value = row.get(name)
        return float(value) if value not in (None, "") else None

    duration = row.get("duration_secs")
    return CallRecord(
        call_sid=row.get("call_sid", ""), stream_sid=row.get("stream_sid", ""),
        direction=row.get("direction", "inbound"), language=row.get("language", ""),
        to_number=row.get("to", ""), from_number=row.get("from", ""), status=row.get("status", ""),
        status_times={k[2:]: float(v) for k, v in row.items() if k.startswith("t:")},
        duration_secs=int(duration) if duration and duration.isdigit() else None,
        started_at=num("started_at") or 0.0, ended_at=num("ended_at"), end_reason=row.get("end_reason"),
    )


def make_call_state(settings) -> CallState:
    """:class:`RedisState` when ``REDIS_URL`` is set, else :class:`InProcessState`."""
    if settings.redis_url:
        return RedisState(settings.redis_url.get_secret_value(), prefix=settings.redis_key_prefix,
                          timeout_secs=settings.redis_timeout_secs,
                          health_interval_secs=settings.redis_health_interval_secs,
                          record_ttl_secs=settings.call_record_ttl_secs)
    return InProcessState()
