"""FastAPI application: routers only, no business logic (DESIGN.md, "Endpoints").

``create_app(settings, resources=None)`` returns the app. Shared resources (models, flight search)
are loaded in the lifespan, off the event loop, unless passed in (tests share one set).

Security (https://www.twilio.com/docs/usage/webhooks/webhooks-security): with ``TWILIO_AUTH_TOKEN``
set, ``/twilio/voice``, ``/twilio/status`` and the ``/twilio/stream`` upgrade need a valid
``X-Twilio-Signature`` (403 otherwise), and each stream must present the per-call token its TwiML
carried. Only ``INSECURE_SKIP_TWILIO_SIGNATURE=true`` turns this off (reported by ``/health`` and
logged at start-up). ``POST /call``, ``GET /calls`` and ``GET /calls/{call_sid}`` need a
``GATEWAY_API_KEYS`` bearer key;
failed key attempts are limited per client address (``AUTH_FAILURE_RATE_LIMIT``, then 429).

Front-door limits: FastAPI's ``max_body_size`` (Starlette's ``RequestBodyLimitMiddleware``) counts
the body bytes actually received, chunked or not, and answers 413 as soon as they pass
``MAX_REQUEST_BYTES`` — while the route is still reading, before the form or JSON is complete or a
signature is checked (https://fastapi.tiangolo.com/advanced/request-body-limits/). The uvicorn
protocol wrapper in :mod:`gateway.cli` then closes the connection instead of reading the rest, and
cuts slow or idle HTTP clients.
``X-Forwarded-*`` headers count only from ``FORWARDED_ALLOW_IPS``.

Call state (stream tokens, outbound contexts, call records, rate limits) lives in
``app.state.call_state`` (:mod:`gateway.state`): in process, or in Redis with ``REDIS_URL``. While
Redis does not answer, new calls get the busy TwiML and ``/health``, ``/health/ready`` answer 503
``state_unavailable``; calls in progress go on.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from limits.errors import StorageError
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import ClientDisconnect

from gateway import metrics
from gateway.calls import CallRegistry, handle_stream
from gateway.drain import Drain
from gateway.load import LoopLagMonitor, admission_refusal, prestart_default_executor
from gateway.memory import HeapTrimmer, allocator, freeze_startup_objects, register_heap_stats
from flights.languages import normalize_language
from gateway.outbound import (
    AuthFailureLimiter,
    CallRequest,
    KeyRateLimiter,
    OutboundRefused,
    check_api_key,
    check_destination,
    choose_caller_id,
    key_id,
)
from gateway.settings import MissingSettingError, Settings
from gateway.state import OUTBOUND_CONTEXT_TTL_SECS, CallState, StateUnavailable, make_call_state
from gateway.twilio import (
    SIGNATURE_HEADER,
    StreamTokenLedger,
    TwilioRest,
    peer_is_trusted_proxy,
    public_request_url,
    refusal_twiml,
    signature_valid,
    stream_twiml,
    whisper_twiml,
)
from pipelines.registry import load_resources
from pipelines.shell import Resources
from processors import stt_queue
from processors.twilio_serializer import is_call_sid

MACHINE_MESSAGE = "Hello, this is the flight desk returning your call. Please call us back. Goodbye."
BUSY_MESSAGE = "Sorry, all our lines are busy. Please call again later."
__all__ = ["OUTBOUND_CONTEXT_TTL_SECS", "create_app"]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_registry(request: Request) -> CallRegistry:
    return request.app.state.registry


def get_call_state(request: Request) -> CallState:
    return request.app.state.call_state


def _busy() -> Response:
    return Response(refusal_twiml(BUSY_MESSAGE), media_type="application/xml")


def _peer(connection: Request | WebSocket) -> str | None:
    """The TCP peer's address (uvicorn's proxy-header rewriting is off, see :mod:`gateway.cli`)."""
    return connection.client.host if connection.client else None


def client_address(settings: Settings, connection: Request | WebSocket) -> str:
    """The client's address: the TCP peer, or the last ``X-Forwarded-For`` hop when the peer is a
    trusted proxy (``FORWARDED_ALLOW_IPS``)."""
    peer = _peer(connection) or "-"
    if peer_is_trusted_proxy(settings, peer):
        hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return peer


def signed_by_twilio(settings: Settings, connection: Request | WebSocket, params: dict[str, str]) -> bool:
    """Whether ``X-Twilio-Signature`` matches the public URL of this request or WebSocket upgrade.

    The URL is ``PUBLIC_HOST``'s unless the peer is a trusted proxy (see
    :func:`gateway.twilio.public_request_url`).
    """
    path_qs = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    url = public_request_url(settings, path_qs, connection.headers, websocket=isinstance(connection, WebSocket),
                             peer=_peer(connection))
    return signature_valid(settings.auth_token, url, params, connection.headers.get(SIGNATURE_HEADER))


async def twilio_form(request: Request, settings: Settings = Depends(get_settings_dep)) -> dict[str, str]:
    """The webhook's form parameters, after checking ``X-Twilio-Signature`` (403 if invalid)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    if settings.signatures_enforced:
        if not signed_by_twilio(settings, request, form):
            sid = form.get("CallSid", "")
            logger.bind(call_sid=sid if is_call_sid(sid) else "-").warning(
                f"refused unsigned/invalid webhook {request.url.path}")
            metrics.CALLS_REFUSED.labels("signature").inc()
            raise HTTPException(403, "invalid Twilio signature")
    return form


async def require_api_key(request: Request, settings: Settings = Depends(get_settings_dep)) -> str:
    """The caller's API key: 401 without a valid bearer key, 429 while the client address is over
    ``AUTH_FAILURE_RATE_LIMIT`` failed attempts (checked first, so guessing stops there), 503 while
    the shared state (which holds that count) does not answer."""
    limiter: AuthFailureLimiter = request.app.state.auth_failures
    client = client_address(settings, request)
    try:
        await limiter.check(client)
    except OutboundRefused as e:
        metrics.CALLS_REFUSED.labels("auth_rate_limit").inc()
        raise HTTPException(e.status, e.message) from None
    except StorageError:
        raise HTTPException(503, "shared call state unavailable (REDIS_URL)") from None
    try:
        return check_api_key(request.headers.get("authorization"), settings.api_keys())
    except OutboundRefused as e:
        try:
            await limiter.failed(client)
        except StorageError:
            logger.warning("could not count a failed key attempt: shared call state unavailable")
        raise HTTPException(e.status, e.message, headers={"WWW-Authenticate": "Bearer"}) from None


twilio_router = APIRouter(prefix="/twilio", tags=["twilio"])
calls_router = APIRouter(tags=["calls"])
ops_router = APIRouter(tags=["ops"])


@twilio_router.post("/voice")
async def voice_webhook(request: Request, form: dict[str, str] = Depends(twilio_form),
                        settings: Settings = Depends(get_settings_dep),
                        state: CallState = Depends(get_call_state)) -> Response:
    """Call webhook → TwiML ``<Connect><Stream>`` with From/To/language/token ``<Parameter>``s.

    Outbound calls we placed carry ``direction=outbound``, ``language`` and ``ctx`` in the URL (the
    context itself is in the call state, so any replica finds it); when answering-machine detection
    says a machine answered (``AnsweredBy=machine_*``), a short message is said and the call hangs
    up. A full replica, or a shared state that does not answer, gives the busy TwiML.
    """
    q = request.query_params
    call_sid = form.get("CallSid", "")
    if not is_call_sid(call_sid):
        raise HTTPException(422, "CallSid must be CA followed by 32 hex digits")
    language = normalize_language(q.get("language") or form.get("language")) or settings.default_language
    direction = "outbound" if q.get("direction") == "outbound" else "inbound"
    if form.get("AnsweredBy", "").startswith("machine") or form.get("AnsweredBy") == "fax":
        logger.bind(call_sid=call_sid).info("answering machine: leaving a message")
        return Response(refusal_twiml(MACHINE_MESSAGE), media_type="application/xml")
    if request.app.state.resources is None:
        return Response(refusal_twiml("Sorry, the service is starting. Please call again shortly."),
                        media_type="application/xml")
    if request.app.state.drain.draining:
        metrics.CALLS_REFUSED.labels("draining").inc()
        return Response(refusal_twiml("Sorry, we can't take your call right now. Please call again in a moment."),
                        media_type="application/xml")
    refusal = admission_refusal(
        active_calls=len(state.local.active), max_calls=settings.max_concurrent_calls,
        loop_lag_secs=request.app.state.loop_lag.recent_secs(),
        max_loop_lag_secs=settings.admission_max_loop_lag_ms / 1000,
        stt_wait_secs=stt_queue.recent_wait_secs(), max_stt_wait_secs=settings.admission_max_stt_wait_ms / 1000)
    if refusal:
        metrics.CALLS_REFUSED.labels(refusal).inc()
        logger.bind(call_sid=call_sid).warning(f"call refused ({refusal}): {len(state.local.active)} calls in progress")
        return _busy()
    if not state.healthy:
        logger.bind(call_sid=call_sid).warning("call refused: shared call state unavailable")
        metrics.CALLS_REFUSED.labels("state_unavailable").inc()
        return _busy()
    params = {
        "From": form.get("From", ""),
        "To": form.get("To", ""),
        "language": language,
        "direction": direction,
    }
    try:
        context = await state.pop_context(q.get("ctx", ""))
        await state.note_call(call_sid, direction=direction, language=language,
                              to_number=params["To"], from_number=params["From"])
    except StateUnavailable as e:
        logger.bind(call_sid=call_sid).warning(f"call refused: {e}")
        metrics.CALLS_REFUSED.labels("state_unavailable").inc()
        return _busy()
    if context:
        params["context"] = context[:500]
    if request.app.state.tokens is not None and call_sid:
        params["token"] = request.app.state.tokens.issue(call_sid, settings.stream_token_ttl_secs)
    logger.bind(call_sid=call_sid).info(f"voice webhook ({direction}): connecting media stream")
    return Response(stream_twiml(settings.stream_url(), params), media_type="application/xml")


@twilio_router.post("/status")
async def status_callback(form: dict[str, str] = Depends(twilio_form),
                          state: CallState = Depends(get_call_state)) -> Response:
    """Call status callback (initiated, ringing, answered/in-progress, completed…) → call state
    (503 while it does not answer)."""
    call_sid = form.get("CallSid", "")
    status = form.get("CallStatus", "")
    if not is_call_sid(call_sid) or not status or len(status) > 32:
        raise HTTPException(422, "CallSid (CA + 32 hex digits) and CallStatus are required")
    try:
        await state.update_status(call_sid, status, duration=form.get("CallDuration"),
                                  direction=form.get("Direction"), to_number=form.get("To", ""),
                                  from_number=form.get("From", ""))
    except StateUnavailable:
        raise HTTPException(503, "shared call state unavailable") from None
    logger.bind(call_sid=call_sid).info(f"call status: {status}")
    return Response(status_code=204)


@twilio_router.websocket("/stream")
async def media_stream(websocket: WebSocket) -> None:
    """Twilio Media Streams: one call per connection (signature checked before accepting)."""
    app = websocket.app
    settings: Settings = app.state.settings
    if settings.signatures_enforced:
        if not signed_by_twilio(settings, websocket, {}):
            logger.warning("refused media stream upgrade: invalid or missing X-Twilio-Signature")
            metrics.CALLS_REFUSED.labels("signature").inc()
            await websocket.close(code=1008)  # before accept: the client gets HTTP 403
            return
    if app.state.resources is None:
        await websocket.close(code=1013, reason="starting")
        return
    try:
        await handle_stream(websocket, settings, app.state.resources, app.state.call_state, app.state.tokens,
                            app.state.drain, app.state.twilio_rest)
    finally:
        app.state.heap_trimmer.call_ended()  # the call's buffers are free now: give the pages back


@twilio_router.post("/whisper")
async def transfer_whisper(request: Request, _form: dict[str, str] = Depends(twilio_form)) -> Response:
    """TwiML the agent's leg of a transfer runs once the agent answers, before the caller is
    bridged (``<Number url>``, https://www.twilio.com/docs/voice/twiml/number#url): ``<Say>`` of the
    ``text`` query parameter (the route and date gathered; cut to 300 characters) in ``language``.
    Signed by Twilio like every webhook (403 otherwise)."""
    q = request.query_params
    language = normalize_language(q.get("language")) or request.app.state.settings.default_language
    return Response(whisper_twiml(q.get("text") or "", language), media_type="application/xml")


@calls_router.post("/call", status_code=201)
async def place_call(req: CallRequest, request: Request, key: str = Depends(require_api_key),
                     settings: Settings = Depends(get_settings_dep),
                     state: CallState = Depends(get_call_state)) -> JSONResponse:
    """Place an outbound call: ``{to, from?, language?, context?}`` → 201 ``{call_sid, status}``.

    Errors: 401 key, 413 body size, 422 body/number, 403 destination, 429 rate limit, 503 Twilio not
    configured or shared call state unavailable; Twilio's own refusals keep their status class and
    carry ``twilio_code``/``message``.
    """
    kid = key_id(request.app.state.key_id_secret, key)
    try:
        from_number = choose_caller_id(req.from_, settings.from_numbers())
        to, from_ = check_destination(req.to, from_number, settings.allowed_countries(), settings.from_numbers())
        await request.app.state.rate_limiter.hit(kid)
    except OutboundRefused as e:
        metrics.CALLS_REFUSED.labels(f"outbound_{e.status}").inc()
        raise HTTPException(e.status, e.message) from None
    except StorageError:
        raise HTTPException(503, "shared call state unavailable (REDIS_URL)") from None
    rest: TwilioRest | None = request.app.state.twilio_rest
    if rest is None:
        raise HTTPException(503, "Twilio credentials are not configured")
    ctx_id = ""
    if req.context:
        ctx_id = secrets.token_urlsafe(12)
        try:
            await state.put_context(ctx_id, req.context)
        except StateUnavailable:
            raise HTTPException(503, "shared call state unavailable (REDIS_URL)") from None
    query = {"direction": "outbound", "language": req.language or settings.default_language}
    if ctx_id:
        query["ctx"] = ctx_id
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        call_sid, status = await rest.create_call(
            to=to, from_=from_, url=settings.public_url("/twilio/voice") + "?" + urlencode(query),
            status_callback=settings.public_url("/twilio/status"),
            machine_detection=settings.outbound_machine_detection,
        )
    except TwilioRestException as e:
        code = e.status if 400 <= e.status < 500 and e.status not in (401, 403) else 502
        logger.warning(f"Twilio refused the call: {e.status} {e.code} {e.msg}")
        return JSONResponse({"detail": "Twilio refused the call", "twilio_status": e.status,
                             "twilio_code": e.code, "message": e.msg}, status_code=code)
    except (TwilioException, OSError, asyncio.TimeoutError) as e:
        logger.warning(f"Twilio unreachable: {e}")
        return JSONResponse({"detail": "Twilio unreachable", "message": str(e)[:200]}, status_code=503)
    try:
        await state.note_call(call_sid, status=status, direction="outbound", language=query["language"],
                              to_number=to, from_number=from_)
    except StateUnavailable as e:  # the call is placed: say so; its record will come with its webhook
        logger.bind(call_sid=call_sid).warning(f"outbound call not recorded: {e}")
    logger.bind(call_sid=call_sid).info(f"outbound call placed (key {kid}, region allowed)")
    metrics.CALLS.labels(settings.profile, "outbound_placed").inc()
    return JSONResponse({"call_sid": call_sid, "status": status}, status_code=201)


@calls_router.get("/calls")
async def list_calls(_key: str = Depends(require_api_key),
                     state: CallState = Depends(get_call_state)) -> JSONResponse:
    """Active and recent calls (status, timestamps, duration, language, direction), of every
    replica when the state is shared; 503 while it does not answer."""
    try:
        return JSONResponse(await state.listing())
    except StateUnavailable:
        raise HTTPException(503, "shared call state unavailable (REDIS_URL)") from None


@calls_router.get("/calls/{call_sid}")
async def get_call(call_sid: str, _key: str = Depends(require_api_key),
                   registry: CallRegistry = Depends(get_registry)) -> JSONResponse:
    """One call's record: start/end, direction, numbers masked but for the last 4 digits, languages
    and switches, turns with latency, searches, interruptions, how it ended, the recording file;
    what was said only with ``STORE_TRANSCRIPTS``. 401 without a key; 404 for an unknown CallSid or
    a record older than ``CALL_RECORD_TTL_SECS``."""
    record = registry.record(call_sid) if is_call_sid(call_sid) else None
    if record is None:
        raise HTTPException(404, "no such call")
    return JSONResponse(record.detail())


@ops_router.get("/health")
async def health(request: Request, settings: Settings = Depends(get_settings_dep),
                 registry: CallRegistry = Depends(get_registry)) -> JSONResponse:
    """Liveness/readiness: profile, active calls, model, provider and call-state state (503 while
    loading or while the shared call state does not answer)."""
    resources = request.app.state.resources
    call_state: CallState = request.app.state.call_state
    ready = resources is not None
    body: dict[str, Any] = {
        "status": "ok" if ready else "starting",
        "profile": settings.profile,
        "active_calls": len(registry.active),
        "max_concurrent_calls": settings.max_concurrent_calls,
        "models_ready": ready,
        "twilio_rest": settings.twilio_rest_configured,
        "twilio_signatures": "enforced" if settings.signatures_enforced else (
            "DISABLED (insecure dev setting)" if settings.insecure_skip_twilio_signature else
            "off (no TWILIO_AUTH_TOKEN)"),
        "outbound_calls": bool(settings.api_keys()) and settings.twilio_rest_configured,
        "draining": request.app.state.drain.draining,
        "allocator": request.app.state.allocator,
        "call_state": call_state.describe(),
    }
    if ready:
        body["resources"] = resources.describe()
        if body["resources"].get("problems"):  # e.g. a cloud vendor rejected a key at start-up
            body["status"] = "degraded"
        flights: dict[str, Any] = {"order": settings.flight_providers, **resources.flights()}
        live = [n for n, p in flights.get("providers", {}).items() if p.get("live") and p.get("configured")]
        flights["data"] = ("live fares: " + ", ".join(live)) if live else "sample timetable, not live fares"
        body["flights"] = flights
    if ready and not call_state.healthy:
        body["status"] = "state_unavailable"
        ready = False
    if request.app.state.load_error:
        body["status"] = "error"
        body["error"] = request.app.state.load_error
    return JSONResponse(body, status_code=200 if ready else 503)


@ops_router.get("/health/live")
async def health_live() -> JSONResponse:
    """Liveness: 200 while the process serves HTTP, also while models load and while draining."""
    return JSONResponse({"status": "alive"})


@ops_router.get("/health/ready")
async def health_ready(request: Request) -> JSONResponse:
    """Readiness for a load balancer: 200 ``ready`` only when calls are taken; 503 with ``status``
    ``starting`` (models loading), ``error`` (they failed), ``draining`` (SIGTERM received) or
    ``state_unavailable`` (the shared call state, Redis, does not answer)."""
    state = request.app.state
    if state.load_error:
        status = "error"
    elif state.resources is None:
        status = "starting"
    elif state.drain.draining:
        status = "draining"
    elif not state.call_state.healthy:
        status = "state_unavailable"
    else:
        status = "ready"
    return JSONResponse({"status": status, "active_calls": len(state.registry.active)},
                        status_code=200 if status == "ready" else 503)


@ops_router.get("/metrics")
async def prometheus_metrics() -> Response:
    """Prometheus exposition format."""
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _client_disconnected(request: Request, exc: ClientDisconnect) -> Response:
    """A client that hung up mid-request is an ordinary event: one INFO line, no traceback."""
    logger.info(f"client disconnected during {request.method} {request.url.path}")
    return Response(status_code=400)


def create_app(settings: Settings, resources: Resources | None = None, drain: Drain | None = None) -> FastAPI:
    """Build the gateway app.

    Args:
        settings: configuration (see :mod:`gateway.settings`).
        resources: preloaded profile resources; when ``None`` they load at start-up in a thread
            (``/health`` answers 503 ``starting`` until then).
        drain: the process's drain state, shared with :class:`gateway.drain.DrainingServer`
            (default: a fresh one, never started).

    Raises:
        MissingSettingError: the profile lacks a required key, or ``REDIS_URL`` and
            ``GATEWAY_API_KEYS`` are set without ``KEY_ID_SECRET`` (replicas must name a key alike
            for its rate limit to be shared).
        gateway.state.StateUnavailable: at start-up (lifespan), ``REDIS_URL`` does not answer.
    """
    settings.check_profile()
    if settings.redis_url and settings.api_keys() and not settings.key_id_secret:
        raise MissingSettingError("KEY_ID_SECRET must be set when REDIS_URL is: every replica must derive the "
                                  "same key id for OUTBOUND_RATE_LIMIT to be shared")
    call_state = make_call_state(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            await call_state.start()
        except StateUnavailable as e:
            logger.error(f"cannot start: {e}")
            raise
        if settings.twilio_rest_configured:  # its aiohttp session needs the running loop
            app.state.twilio_rest = TwilioRest(settings.twilio_account_sid, settings.auth_token,
                                               settings.twilio_api_base_url)
        if settings.insecure_skip_twilio_signature:
            logger.warning("INSECURE: Twilio signature validation is DISABLED (INSECURE_SKIP_TWILIO_SIGNATURE)")
        elif not settings.signatures_enforced:
            logger.warning("Twilio signatures not checked: TWILIO_AUTH_TOKEN is not set")
        if app.state.allocator == "glibc":
            logger.info("memory allocator: glibc (jemalloc holds RSS flatter over many calls: README, \"Soak\")")
        else:
            logger.info(f"memory allocator: {app.state.allocator}")
        if app.state.resources is None:
            try:
                app.state.resources = await asyncio.to_thread(load_resources, settings)
            except Exception as e:
                app.state.load_error = f"{e.__class__.__name__}: {e}"
                logger.exception(f"could not load {settings.profile} resources: {e}")
                raise
            freeze_startup_objects()
        await prestart_default_executor()  # a fixed thread count from boot on (the soak's leak check)
        app.state.loop_lag.start()
        yield
        await app.state.loop_lag.stop()
        await app.state.heap_trimmer.stop()
        if app.state.twilio_rest is not None:
            await app.state.twilio_rest.close()
        await call_state.close()

    app = FastAPI(title="Polyglot voice gateway", lifespan=lifespan, max_body_size=settings.max_request_bytes)
    app.state.settings = settings
    app.state.resources = resources
    app.state.call_state = call_state
    app.state.registry = call_state.local  # this replica's live streams
    app.state.registry.record_ttl_secs = settings.call_record_ttl_secs
    app.state.load_error = None
    app.state.loop_lag = LoopLagMonitor()
    app.state.heap_trimmer = HeapTrimmer(settings.heap_trim_interval_secs)
    app.state.allocator = allocator()
    register_heap_stats()  # gateway_heap_bytes{kind} on jemalloc
    app.state.drain = drain if drain is not None else Drain(settings.drain_timeout_secs)
    app.state.rate_limiter = KeyRateLimiter(settings.outbound_rate_limit, call_state.rate_storage)
    app.state.auth_failures = AuthFailureLimiter(settings.auth_failure_rate_limit, call_state.rate_storage)
    app.state.key_id_secret = (settings.key_id_secret.get_secret_value().encode() if settings.key_id_secret
                               else secrets.token_bytes(32))
    app.state.twilio_rest = None
    app.state.tokens = None
    if settings.signatures_enforced:
        secret = hmac.new(settings.auth_token.encode(), b"stream-token",
                          hashlib.sha256).digest()
        app.state.tokens = StreamTokenLedger(secret)
    app.add_exception_handler(ClientDisconnect, _client_disconnected)
    app.include_router(twilio_router)
    app.include_router(calls_router)
    app.include_router(ops_router)
    return app
