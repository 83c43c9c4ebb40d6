"""Schema-driven run (schemathesis) over the gateway's OpenAPI: no generated request gets a 5xx.

schemathesis' pytest plugin does not load under pytest 9 here, so its Hypothesis strategies are
driven directly: every operation, with and without the API key, up to 60 cases each.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from testkit.fake_twilio import FakeTwilio

#: The app with the local profile's resources loaded: while they load, /health answers 503
#: "starting", which the no-5xx check would (rightly) flag, so this runs with the models.
pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "5" * 32


@pytest.fixture(scope="module")
def app(local_resources):
    fake = FakeTwilio(ACCOUNT, "schema-token")
    settings = Settings(_env_file=None, twilio_account_sid=ACCOUNT, twilio_auth_token="schema-token",
                        twilio_api_base_url=fake.base_url, twilio_from_number="+14155550199",
                        gateway_api_keys="schema-key", outbound_rate_limit="10000/minute")
    application = create_app(settings, local_resources)
    with TestClient(application):  # runs the lifespan (Twilio REST client)
        yield application
    fake.stop()


def test_no_server_errors(app):
    # imported here: schemathesis/hypothesis take seconds to import, and the fast run skips this test
    import schemathesis
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/call", "/calls", "/twilio/voice", "/twilio/status", "/health"}
    for op in operations:
        @given(case=op.as_strategy())
        @hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            for headers in ({"Authorization": "Bearer schema-key"}, {}):
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
