"""One builder per profile; :func:`build_call` picks by ``settings.profile``.

Every builder has the signature ``build(call, websocket, settings, resources, on_event) -> BuiltCall``
and shares the processors in :mod:`processors`. ``load_resources`` loads the process-wide things a
profile needs (models, flight search) once, at start-up.
"""

from __future__ import annotations

from typing import Any

from gateway.settings import Settings
from pipelines.base import BuiltCall, CallInfo

PROFILES = ("local", "realtime", "cascade")


class ProfileUnavailableError(RuntimeError):
    """The configured profile is not built yet or its extra is not installed."""


def load_resources(settings: Settings) -> Any:
    """Load the chosen profile's shared resources (blocking; call at start-up)."""
    if settings.profile == "local":
        from pipelines.local import load_resources as load_local

        return load_local(settings)
    if settings.profile == "realtime":
        from pipelines.realtime import load_resources as load_realtime

        return load_realtime(settings)
    if settings.profile == "cascade":
        from pipelines.cascade import load_resources as load_cascade

        return load_cascade(settings)
    raise ProfileUnavailableError(
        f"profile {settings.profile!r} is not available in this build; use PROFILE=local"
    )


def build_call(call: CallInfo, websocket, settings: Settings, resources: Any, on_event) -> BuiltCall:
    """Build the pipeline for one call with the configured profile."""
    if settings.profile == "local":
        from pipelines.local import build

        return build(call, websocket, settings, resources, on_event)
    if settings.profile == "realtime":
        from pipelines.realtime import build as build_realtime

        return build_realtime(call, websocket, settings, resources, on_event)
    if settings.profile == "cascade":
        from pipelines.cascade import build as build_cascade

        return build_cascade(call, websocket, settings, resources, on_event)
    raise ProfileUnavailableError(f"profile {settings.profile!r} is not available in this build")


__all__ = ["BuiltCall", "CallInfo", "PROFILES", "ProfileUnavailableError", "build_call", "load_resources"]
