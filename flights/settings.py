"""Settings of the flight providers (``FLIGHT_PROVIDERS``, Amadeus, SerpAPI, timetable, time limits).

:func:`flights.chain.build_chain` reads these names from any settings-like object; this class is the
one the gateway composes into its ``Settings``. Empty values mean unset (``AMADEUS_PORT=``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class FlightSettings(BaseSettings):
    """Flight search configuration, read from the environment (case-insensitive) and ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    timetable_path: str | None = Field(None, description="Operator timetable CSV; default: shipped sample")
    flight_providers: str = Field(
        "amadeus,serpapi,timetable",
        description="Provider order; providers without credentials are skipped (logged at start-up)",
    )
    amadeus_client_id: str | None = None
    amadeus_client_secret: SecretStr | None = None
    amadeus_hostname: Literal["test", "production"] = "test"
    amadeus_host: str | None = Field(None, description="Amadeus-compatible server host (tests, proxies)")
    amadeus_port: int | None = None
    amadeus_ssl: bool = Field(True, description='"false" is false (the SDK\'s own env reading gets this wrong)')
    serpapi_api_key: SecretStr | None = None
    serpapi_base_url: str = "https://serpapi.com"
    flight_provider_timeout_secs: float = Field(4.0, gt=0, description="Per provider (s)")
    flight_search_deadline_secs: float = Field(6.0, gt=0, description="Whole search, fallbacks included (s)")
