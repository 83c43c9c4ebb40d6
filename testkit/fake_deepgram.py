"""A local Deepgram live-transcription server for tests: ``ws://127.0.0.1:<port>/v1/listen``.

Protocol: https://developers.deepgram.com/reference/speech-to-text/listen-streaming and
https://developers.deepgram.com/docs/finalize, https://developers.deepgram.com/docs/keep-alive,
https://developers.deepgram.com/docs/multilingual-code-switching (``language=multi``: per-word
``language`` and ``alternatives[0].languages``). Checked against deepgram-sdk 7 (the client Pipecat
1.14's ``DeepgramSTTService`` uses): it connects to ``<base_url>/v1/listen?<options>`` with
``Authorization: Token <key>``, sends binary audio (``encoding=linear16``, ``sample_rate``), and the
text messages ``{"type": "KeepAlive"}``, ``{"type": "Finalize"}``, ``{"type": "CloseStream"}``.

What it answers:

- a wrong key → HTTP 401 at the upgrade (the SDK raises ``ApiError(status_code=401)``);
- speech start (by audio energy) → an interim ``Results`` (``is_final: false``) with the first word;
- ``Finalize`` during an utterance → the final ``Results`` (``is_final: true``, ``from_finalize:
  true``); ``Finalize`` with nothing pending → an empty final ``Results`` with ``from_finalize: true``;
- :attr:`endpointing_ms` of silence first → the final ``Results`` with ``speech_final: true``;
- ``CloseStream`` → a ``Metadata`` message, then close.

Speech that resumes less than :attr:`endpointing_ms` after a ``Finalize`` cut an utterance with
words (the client's VAD ended the turn in a pause Deepgram itself would not have endpointed:
"That's all, thank you. | Goodbye.") continues that utterance: the script is not advanced, and its
final carries no more words (the scripted words all went out with the first final). Before, the
continuation took the next scripted transcript, and a test's barge-in found none left.

Faults: :meth:`drop_connections` (close 1011 now), :attr:`drop_on_finalize` (the next N
``Finalize`` messages of an utterance in progress close the socket with 1011 instead of answering:
the drop lands exactly while the caller waits for a transcript), :attr:`reject_after_drop` (every
later upgrade refused with that status: Deepgram does not come back),
:attr:`answer_wordless_finalize` (``False``: a ``Finalize`` that finds no words gets no answer at
all; the finalize docs promise the ``from_finalize`` response only "typically", "when there is a
noticeable amount of audio buffered"). An utterance whose final was
never sent goes back to the front of the script, so audio re-sent on a new socket gets its words.

The words are the next scripted transcript (``text`` or ``(text, language)``); every word carries
that language and ``alternatives[0].languages`` lists it, as Nova-3 multilingual does.
Everything received is recorded: :attr:`FakeDeepgram.queries` (the upgrade's query options and
headers), :attr:`controls` (text messages), :attr:`audio_bytes`, :attr:`results` (what was sent).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from testkit.fake_vendor_base import (
    EnergySegmenter, Received, ThreadedServer, TranscriptQueue, Utterance, loudness_dbfs, now,
)


class FakeDeepgram(ThreadedServer):
    """See the module docstring. ``base_url`` is what ``DeepgramSTTService(base_url=...)`` takes."""

    def __init__(self, api_key: str = "dg-test-key", transcripts: list[str | tuple[str, str]] | None = None,
                 endpointing_ms: int = 600):
        self.api_key = api_key
        self.transcripts = TranscriptQueue(transcripts)
        self.endpointing_ms = endpointing_ms
        self.queries: list[dict[str, Any]] = []
        self.controls: list[Received] = []
        self.results: list[Received] = []
        self.audio_bytes = 0
        self.audio_log: list[tuple[float, float]] = []  # (wall time, dBFS) per audio message received
        self.first_audio_at: float | None = None
        self.drop_on_finalize = 0
        self.reject_after_drop: int | None = None
        self.drops: list[float] = []  # wall times of the drop_on_finalize drops
        self.answer_wordless_finalize = True
        self._sockets: list[ServerConnection] = []
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def drop_connections(self) -> None:
        """Close every open socket abruptly (code 1011)."""
        async def drop():
            for ws in list(self._sockets):
                await ws.close(1011, "NET-0000 internal error")
        self.run(drop())

    def revoke_key(self) -> None:
        """The key stops working mid-call: open sockets close (1008, ``INVALID_AUTH``) and every later
        upgrade is refused with 401 and Deepgram's error body
        (https://developers.deepgram.com/docs/recovering-from-connection-errors-and-timeouts-when-live-streaming-audio)."""
        self.reject_status = 401

        async def revoke():
            for ws in list(self._sockets):
                await ws.close(1008, "INVALID_AUTH")
        self.run(revoke())

    def _process_request(self, connection: ServerConnection, request) -> Response | None:
        url = urlparse(request.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.queries.append({"path": url.path, "query": query,
                             "authorization": request.headers.get("Authorization", "")})
        status = self.reject_status
        if status is None and request.headers.get("Authorization") != f"Token {self.api_key}":
            status = 401
        if url.path != "/v1/listen":
            status = 404
        if status is None:
            return None
        self.rejected += 1
        body = json.dumps({"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials.",
                           "request_id": str(uuid.uuid4())}).encode()
        return Response(status, HTTPStatus(status).phrase,
                        Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))]), body)

    def _results(self, query: dict[str, str], utt: Utterance | None, words_text: str, language: str, *,
                 is_final: bool, speech_final: bool, from_finalize: bool) -> dict[str, Any]:
        start = (utt.start_ms if utt else 0) / 1000
        end = ((utt.end_ms or utt.start_ms + 500) if utt else 0) / 1000
        tokens = words_text.split()
        span = (end - start) / max(1, len(tokens))
        words = [{"word": t.strip(".,!?¿¡").lower(), "punctuated_word": t, "start": round(start + i * span, 3),
                  "end": round(start + (i + 1) * span, 3), "confidence": 0.97, "language": language}
                 for i, t in enumerate(tokens)]
        alt: dict[str, Any] = {"transcript": words_text, "confidence": 0.97 if tokens else 0.0, "words": words}
        if query.get("language") == "multi":
            alt["languages"] = [language] if tokens else []
        return {
            "type": "Results", "channel_index": [0, 1], "duration": round(max(0.0, end - start), 3),
            "start": start, "is_final": is_final, "speech_final": speech_final, "from_finalize": from_finalize,
            "channel": {"alternatives": [alt]},
            "metadata": {"request_id": str(uuid.uuid4()), "model_uuid": str(uuid.uuid4()),
                         "model_info": {"name": query.get("model", "nova-3"), "version": "2025-01-01.0",
                                        "arch": "nova-3"}},
        }

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        self._sockets.append(ws)
        query = self.queries[-1]["query"] if self.queries else {}
        rate = int(query.get("sample_rate", "16000"))
        seg = EnergySegmenter(rate, end_silence_ms=self.endpointing_ms)
        pending: dict[str, Any] = {}  # words of the utterance in progress
        forced_end_ms: int | None = None  # where the last Finalize cut an utterance with words

        async def send(message: dict[str, Any]) -> None:
            self.results.append(Received(now(), message))
            await ws.send(json.dumps(message))

        async def final(utt: Utterance | None, *, speech_final: bool, from_finalize: bool) -> None:
            text, lang = pending.pop("words", ("", "en")) if utt is not None else ("", "en")
            await self.first_byte_pause()
            await send(self._results(query, utt, text, lang, is_final=True, speech_final=speech_final,
                                     from_finalize=from_finalize))

        try:
            async for message in ws:
                if isinstance(message, bytes):
                    self.audio_bytes += len(message)
                    self.audio_log.append((now(), loudness_dbfs(message)))
                    if self.first_audio_at is None:
                        self.first_audio_at = now()
                    for what, utt in seg.feed(message):
                        if what == "start" and forced_end_ms is not None \
                                and utt.start_ms - forced_end_ms < self.endpointing_ms:
                            # the client's Finalize fell in a pause inside one utterance (shorter than
                            # Deepgram's own endpointing): the speech goes on, the script does not
                            pending["words"], pending["continuation"] = ("", pending.get("language", "en")), True
                            forced_end_ms = None
                        elif what == "start":
                            forced_end_ms = None
                            pending.pop("continuation", None)
                            pending["words"] = self.transcripts.pop()
                            pending["language"] = pending["words"][1]
                            first = pending["words"][0].split()[:1]
                            if first and query.get("interim_results") == "true":
                                await send(self._results(query, utt, first[0], pending["words"][1],
                                                         is_final=False, speech_final=False, from_finalize=False))
                        else:
                            await final(utt, speech_final=True, from_finalize=False)
                    continue
                try:
                    control = json.loads(message)
                except json.JSONDecodeError:
                    continue
                self.controls.append(Received(now(), control))
                kind = control.get("type")
                if kind == "Finalize" and "words" in pending and self.drop_on_finalize > 0:
                    self.drop_on_finalize -= 1
                    self.drops.append(now())
                    if self.reject_after_drop is not None:
                        self.reject_status = self.reject_after_drop
                    await ws.close(1011, "NET-0000 internal error")
                    break
                if kind == "Finalize":
                    utt = seg.force_end()
                    if utt is not None and pending.get("words", ("",))[0]:
                        forced_end_ms = utt.end_ms
                    if not self.answer_wordless_finalize and not (utt is not None and pending.get("words", ("",))[0]):
                        pending.pop("words", None)  # heard, nothing to say: no answer at all
                        continue
                    await final(utt, speech_final=False, from_finalize=True)
                elif kind == "CloseStream":
                    await send({"type": "Metadata", "transaction_key": "deprecated",
                                "request_id": str(uuid.uuid4()), "sha256": secrets.token_hex(32),
                                "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                                "duration": seg.position_ms / 1000, "channels": 1})
                    await ws.close()
                    break
        except Exception:
            pass
        finally:
            self._sockets.remove(ws)
            if "words" in pending and not pending.get("continuation"):  # never answered: the same
                self.transcripts.unpop(pending.pop("words"))               # audio again is the same words

    async def _serve(self):
        return await serve(self._handler, self.host, self.port, process_request=self._process_request,
                           max_size=2**24, compression=None)
