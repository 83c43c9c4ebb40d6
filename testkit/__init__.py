"""Support code shared by ``tests/`` and ``bench/`` (not part of the product, not installed).

- :mod:`testkit.server` — ``python -m gateway serve`` in a subprocess on 127.0.0.1, and the WAV
  fixture paths;
- :mod:`testkit.redis_server` — a throwaway ``redis-server`` on a free loopback port;
- :mod:`testkit.fake_vendors` — Amadeus and SerpApi stand-ins speaking their wire formats;
- :mod:`testkit.fake_twilio` — Twilio's Calls REST API (create, update with TwiML, errors);
- :mod:`testkit.fake_openai_realtime`, :mod:`testkit.fake_deepgram`, :mod:`testkit.fake_openai_llm`,
  :mod:`testkit.fake_cartesia` — the cloud voice vendors' wire protocols on 127.0.0.1, built on
  :mod:`testkit.fake_vendor_base` and answering from :mod:`testkit.fake_llm_script`;
- :mod:`testkit.make_fixtures` and :mod:`testkit.fixture_set` — render the caller WAVs in
  ``tests/fixtures/`` and the labelled 480-rendering set (data stays in ``tests/fixtures/``);
- :mod:`testkit.words` — word overlap between a reference text and a transcript;
- :mod:`testkit.labelled_places` — place phrases labelled with their acceptable codes.

It sits outside the product's rooms (gateway → pipelines → processors → dialogue/flights) and
imports none of them except through their public entry points, so neither ``tests/`` nor
``bench/`` has to import the other (an import-linter contract forbids ``bench`` → ``tests``).
"""
