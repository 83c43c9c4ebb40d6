"""The profile registry: which :class:`~pipelines.contract.Profile` each ``PROFILE`` value selects.

:data:`PROFILES` maps each ``PROFILE`` value to its profile; adding a profile is one module in
``pipelines/`` and one line here. :func:`load_resources` checks and loads the chosen profile (and the
flight search) once per process; :func:`build_call` builds one call's pipeline with the shared shell
(:mod:`pipelines.shell`) around the profile's core.
"""

from __future__ import annotations

from typing import Any

from pipelines.contract import CallInfo, Profile, ProfileUnavailableError
from pipelines.local import LOCAL
from pipelines.cascade import CASCADE
from pipelines.realtime import REALTIME
from pipelines.shell import BuiltCall, Resources
from pipelines.shell import build_call as _build_call
from pipelines.shell import load_resources as _load_resources

PROFILES: dict[str, Profile] = {
    LOCAL.name: LOCAL,
    REALTIME.name: REALTIME,
    CASCADE.name: CASCADE,
}


def get_profile(name: str) -> Profile:
    """The registered profile called ``name``.

    Raises:
        ProfileUnavailableError: no such profile in this build.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileUnavailableError(
            f"profile {name!r} is not available; choose one of {', '.join(PROFILES)}"
        ) from None


def load_resources(settings: Any) -> Resources:
    """Check and load the configured profile's and the shell's shared resources (blocking; at start-up).

    Raises:
        MissingSettingError: the profile lacks a setting (named).
        ProfileUnavailableError: the profile is not in this build.
    """
    return _load_resources(get_profile(settings.profile), settings)


def build_call(call: CallInfo, websocket, settings: Any, resources: Resources, on_event) -> BuiltCall:
    """Build the pipeline for one call with the loaded profile (see :func:`pipelines.shell.build_call`)."""
    return _build_call(call, websocket, settings, resources, on_event)


__all__ = [
    "PROFILES", "BuiltCall", "CallInfo", "ProfileUnavailableError", "Resources", "build_call",
    "get_profile", "load_resources",
]
