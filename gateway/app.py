"""FastAPI application: routers only, no business logic (DESIGN.md, "Endpoints").

``create_app(settings, resources=None)`` returns the app. Shared resources (models, flight search)
are loaded in the lifespan, off the event loop, unless passed in (tests share one set).
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway import metrics
from gateway.calls import CallRegistry, handle_stream
from gateway.settings import Settings
from gateway.twilio import refusal_twiml, stream_twiml
from pipelines import load_resources


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_registry(request: Request) -> CallRegistry:
    return request.app.state.registry


twilio_router = APIRouter(prefix="/twilio", tags=["twilio"])
ops_router = APIRouter(tags=["ops"])


@twilio_router.post("/voice")
async def voice_webhook(request: Request, settings: Settings = Depends(get_settings_dep),
                        registry: CallRegistry = Depends(get_registry)) -> Response:
    """Inbound-call webhook → TwiML ``<Connect><Stream>`` with From/To/language ``<Parameter>``s."""
    form = await request.form()
    language = (request.query_params.get("language") or str(form.get("language") or "")
                or settings.default_language)
    if request.app.state.resources is None:
        return Response(refusal_twiml("Sorry, the service is starting. Please call again shortly."),
                        media_type="application/xml")
    if len(registry.active) >= settings.max_concurrent_calls:
        metrics.CALLS_REFUSED.labels("capacity").inc()
        return Response(refusal_twiml("Sorry, all our lines are busy. Please call again later."),
                        media_type="application/xml")
    twiml = stream_twiml(settings.stream_url(), {
        "From": str(form.get("From") or ""),
        "To": str(form.get("To") or ""),
        "language": language.lower()[:2],
        "direction": str(form.get("Direction") or "inbound").split("-")[0],
    })
    logger.bind(call_sid=str(form.get("CallSid") or "")).info("voice webhook: connecting media stream")
    return Response(twiml, media_type="application/xml")


@twilio_router.websocket("/stream")
async def media_stream(websocket: WebSocket) -> None:
    """Twilio Media Streams: one call per connection."""
    app = websocket.app
    if app.state.resources is None:
        await websocket.close(code=1013, reason="starting")
        return
    await handle_stream(websocket, app.state.settings, app.state.resources, app.state.registry)


@ops_router.get("/health")
async def health(request: Request, settings: Settings = Depends(get_settings_dep),
                 registry: CallRegistry = Depends(get_registry)) -> JSONResponse:
    """Liveness/readiness: profile, active calls, model and provider state (503 while loading)."""
    resources = request.app.state.resources
    ready = resources is not None
    body: dict[str, Any] = {
        "status": "ok" if ready else "starting",
        "profile": settings.profile,
        "active_calls": len(registry.active),
        "max_concurrent_calls": settings.max_concurrent_calls,
        "models_ready": ready,
        "twilio_rest": settings.twilio_rest_configured,
    }
    if ready and hasattr(resources, "describe"):
        body["resources"] = resources.describe()
        body["flights"] = {"providers": ["timetable"], "data": "sample timetable, not live fares"}
    if request.app.state.load_error:
        body["status"] = "error"
        body["error"] = request.app.state.load_error
    return JSONResponse(body, status_code=200 if ready else 503)


@ops_router.get("/metrics")
async def prometheus_metrics() -> Response:
    """Prometheus exposition format."""
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: Settings, resources: Any = None) -> FastAPI:
    """Build the gateway app.

    Args:
        settings: configuration (see :mod:`gateway.settings`).
        resources: preloaded profile resources; when ``None`` they load at start-up in a thread
            (``/health`` answers 503 ``starting`` until then).

    Raises:
        MissingSettingError: the profile lacks a required key.
    """
    settings.check_profile()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.resources is None:
            try:
                app.state.resources = await asyncio.to_thread(load_resources, settings)
            except Exception as e:
                app.state.load_error = f"{e.__class__.__name__}: {e}"
                logger.exception(f"could not load {settings.profile} resources: {e}")
                raise
        yield

    app = FastAPI(title="Polyglot voice gateway", lifespan=lifespan)
    app.state.settings = settings
    app.state.resources = resources
    app.state.registry = CallRegistry()
    app.state.load_error = None
    app.include_router(twilio_router)
    app.include_router(ops_router)
    return app
