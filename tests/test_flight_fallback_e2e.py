"""End to end: every live flight provider failing, a call still gets a spoken answer in time.

Amadeus (fake, real wire format) hangs and SerpAPI (fake) answers 500; the chain's deadline hands the
query to the timetable, and the caller hears, within 6 s of finishing the request, that live fares are
unavailable, followed by timetable flights.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from gateway.caller import SimulatedCaller, Turn, format_transcript, transcribe_bot
from testkit.fake_vendors import FakeAmadeus, FakeSerpApi
from testkit.server import GatewayServer, fixture

pytestmark = pytest.mark.e2e


class VendorLoop:
    """Runs the fake vendors' aiohttp servers on their own event loop thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(15)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def dead_vendors():
    vendors = VendorLoop()
    amadeus = vendors.run(FakeAmadeus().start())
    serp = vendors.run(FakeSerpApi().start())
    amadeus.delay = 30.0                       # hangs: the per-provider timeout fires
    serp.fail_next(500, times=1000)            # fails fast
    yield amadeus, serp
    vendors.run(amadeus.close())
    vendors.run(serp.close())
    vendors.stop()


def test_all_live_providers_failing_still_answers_within_6s(dead_vendors, listener):
    amadeus, serp = dead_vendors
    server = GatewayServer(env={
        "FLIGHT_PROVIDERS": "amadeus,serpapi,timetable",
        "AMADEUS_CLIENT_ID": amadeus.client_id, "AMADEUS_CLIENT_SECRET": amadeus.client_secret,
        "AMADEUS_HOST": "127.0.0.1", "AMADEUS_PORT": str(amadeus.port), "AMADEUS_SSL": "false",
        "SERPAPI_API_KEY": serp.api_key, "SERPAPI_BASE_URL": serp.base_url,
        "FLIGHT_PROVIDER_TIMEOUT_SECS": "4", "FLIGHT_SEARCH_DEADLINE_SECS": "6",
    })
    try:
        result = asyncio.run(SimulatedCaller(server.ws_url, [Turn(fixture("en_greeting_request"))],
                                             hangup_after_s=20).run())
    finally:
        server.stop()
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    request_end = result.turns[0]["speech_end"]
    # ("Live fares are unavailable right now…": Whisper sometimes hears "live fares" as one word)
    answer = next(u for u in result.bot if u.start > request_end and "unavailable right now" in u.text.lower())
    # The answer as heard from the notice on (a pause in the audio can split it into utterances).
    heard = " ".join(u.text for u in result.bot if u.start >= answer.start).lower()
    assert "table" in heard and "chicago" in heard, heard  # "time table" too
    # The caller hears the live-fares notice (the answer) within 6 s of finishing the request; the
    # filler before it comes at once, so there is no silence.
    said_at = answer.start
    filler = [u for u in result.bot if request_end < u.start < said_at]
    assert said_at - request_end <= 6.0, said_at - request_end
    assert filler and filler[0].start - request_end < 1.5
    assert serp.requests >= 1 and amadeus.token_requests + amadeus.offer_requests >= 1
