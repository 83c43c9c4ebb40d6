"""Profiles (one module each) and the shared call shell; see :mod:`pipelines.contract`.

The registry's names (``PROFILES``, ``get_profile``, ``load_resources``, ``build_call``…) are
importable from here; they load on first use, so importing a light module such as
:mod:`pipelines.settings` does not import every profile's services.
"""

from __future__ import annotations

from typing import Any

_REGISTRY_NAMES = {
    "PROFILES", "BuiltCall", "CallInfo", "ProfileUnavailableError", "Resources", "build_call",
    "get_profile", "load_resources",
}


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        from pipelines import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'pipelines' has no attribute {name!r}")


__all__ = sorted(_REGISTRY_NAMES)
