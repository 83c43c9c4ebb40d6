"""Go on after a false interruption: what the caller heard, and resuming from the first unheard sentence.

A caller who says "mm-hmm" or coughs while the bot reads flights is not asking it to stop. The
gateway keeps the fast ``clear`` on every barge-in (VAD onset → ``clear`` ≈ 0.3 s, so a real "wait,
no" is never talked over), and decides once the STT has had its say:

- **no words** (the STT found no speech: noise, a cough) or **only a backchannel** ("mm-hmm",
  "okay", "ajá", "d'accord", "genau", "certo", "sim"…: :func:`dialogue.understanding.is_backchannel`)
  → the bot goes on from the first sentence the caller did not hear in full, without starting over
  and without a preamble; the backchannel becomes a ``UserBackchannelFrame`` (Pipecat's frame for
  "an acknowledgment that stays out of the LLM context"), so the brain never answers it;
- **words the brain cannot act on**, when the brain can say so (the rule brain's
  :meth:`~dialogue.policy.FlightDialogue.would_act_on`: nothing in them fills a slot or asks for
  anything, and no "wait"/"stop"/"no") → the same resume. A hum Whisper base writes as words
  ("In Emma.") would otherwise cost the caller the answer for an "I didn't understand";
- **anything else** is a real interruption: it stands, and the brain's memory keeps only what was
  played (``on_real_interruption``).

Why clear-then-resume and not hold-then-clear: a segmented STT (Whisper) has words only after the
caller stops plus its latency (~0.5–1.2 s on 2 cores), so holding the ``clear`` until the words are
known would talk over every real barge-in for 1–2 s; clearing at onset and re-saying one sentence
costs a backchannel only the gap (see ``bench/resume_gap.py`` and the README for the figures).

What was heard comes from Twilio's ``mark`` echoes: :class:`~processors.call_marks.CallMarksProcessor`
queues a mark behind each sentence's audio (Pipecat's TTS pushes a sentence's ``TTSTextFrame`` after
its audio), Twilio echoes a mark once everything before it has played
(https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-mark-message), and marks
echoed after the ``clear`` (Twilio echoes every pending mark at once then) are ignored.

Parts: :class:`HeardSpeech` (plain state shared by the parts), :class:`SpeechTap` (before the TTS:
what the bot was going to say), :class:`ResumeGate` (after the STT: the verdict, and the resume),
:class:`AnswerAgain` (an answer cancelled before any of it was said is asked for again).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loguru import logger
from pipecat.frames.frames import (
    DataFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    UserBackchannelFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor


@dataclass
class NoWordsFrame(DataFrame):
    """An STT segment that held no speech (noise, a cough): the STT has nothing to say about it.

    Pushed by an STT in place of a ``TranscriptionFrame`` (e.g.
    :class:`~processors.whisper_stt.SharedWhisperSTTService`), so the gateway can tell "no words"
    from "words still coming" without waiting out the STT's latency budget.
    """


@dataclass(frozen=True)
class Interruption:
    """The bot's speech at the moment of a barge-in.

    Parameters:
        heard: the sentences Twilio reported played in full, joined ("" for none).
        unheard: everything the bot was going to say from the first sentence not heard in full.
        at: ``time.monotonic()`` of the barge-in.
        then: the frame the stretch ended with (a hang-up or transfer request, see
            :class:`SpeechTap`'s ``replay_after``), pushed again after a resume; ``None``: none.
    """

    heard: str
    unheard: str
    at: float
    then: Frame | None = None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9¿¡\"'(])")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"')»]*$")


def _words(text: str) -> list[str]:
    return text.split()


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (after ``.``/``!``/``?`` and a space before a capital, a digit,
    ``¿``/``¡`` or a quote), stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class HeardSpeech:
    """What the bot is saying, what it has sent, and what the caller has heard, for one call.

    Fed by :class:`SpeechTap` (:meth:`queue`), :class:`~processors.call_marks.CallMarksProcessor`
    (:meth:`next_mark`, :meth:`interrupt`) and the Twilio serializer (:meth:`mark_played`).
    A *stretch* is everything queued since the caller last heard the bot out; it is what a resume
    continues.
    """

    def __init__(self) -> None:
        self._queued = ""
        self._sent: dict[str, str] = {}  # mark name -> sentence, in send order
        self._heard: list[str] = []
        self._n = 0
        #: the last barge-in while the bot had unheard speech, until a verdict consumes it
        self.interrupted: Interruption | None = None
        #: ``async (Interruption) -> None``: a real interruption (not a backchannel or noise)
        self.on_real_interruption: Callable[[Interruption], Awaitable[None]] | None = None
        self.false_interruptions = 0
        self.real_interruptions = 0
        #: a frame the current stretch ends with (a hang-up or transfer request), for a resume
        self.then: Frame | None = None

    @property
    def heard_text(self) -> str:
        """The sentences of the current stretch heard in full."""
        return " ".join(self._heard)

    @property
    def unheard_text(self) -> str:
        """What is left of the current stretch from the first sentence not heard in full."""
        queued, heard = _words(self._queued), _words(self.heard_text)
        return " ".join(queued[len(heard):]) if queued[:len(heard)] == heard else self._unheard_by_sentence()

    def _unheard_by_sentence(self) -> str:
        # The TTS changed the text (spacing, a transform): fall back to whole sentences.
        rest = self._queued
        for sentence in self._heard:
            i = rest.find(sentence)
            if i >= 0:
                rest = rest[i + len(sentence):]
        return " ".join(_words(rest))

    def queue(self, text: str) -> None:
        """Text handed to the TTS (an ``LLMTextFrame`` chunk with its spaces, or a whole utterance)."""
        if self._queued and not self.unheard_text and len(self._sent) == len(self._heard):
            self._reset()  # the caller heard the last stretch out: this starts a new one
        self._queued += text

    def new_response(self) -> None:
        """The brain starts a new answer: a verdict not given by now is moot, and if the wire holds
        nothing unheard, whatever the TTS never sent of the old stretch is dropped from it."""
        self.interrupted = None
        self.then = None
        if len(self._sent) == len(self._heard):
            self._reset()

    def next_mark(self, sentence: str) -> str:
        """Name of the mark to queue behind ``sentence``'s audio (and remember it as sent)."""
        self._n += 1
        name = f"s-{self._n}"
        self._sent[name] = sentence
        return name

    def mark_played(self, name: str) -> None:
        """Twilio echoed mark ``name``: its sentence was played in full (unknown names are ignored)."""
        sentence = self._sent.get(name)
        if sentence is not None and len(self._heard) < len(self._sent):
            names = list(self._sent)
            if names.index(name) == len(self._heard):
                self._heard.append(sentence)

    def _from_sentence_start(self, unheard: str) -> str:
        # Marks may come per word (a TTS with word timestamps, e.g. Cartesia): the resume starts
        # at the beginning of the sentence the caller was in, not mid-sentence.
        queued, heard = _words(self._queued), _words(self.heard_text)
        if queued[:len(heard)] != heard:
            return unheard
        k = len(heard)
        while k > 0 and not _ENDS_SENTENCE.search(queued[k - 1]):
            k -= 1
        return " ".join(queued[k:])

    def interrupt(self) -> Interruption | None:
        """A barge-in reached the output: snapshot the stretch, start afresh, ignore older echoes.

        Returns the snapshot when the caller had something left to hear, else ``None``. Its
        ``unheard`` starts at the first sentence not heard in full, also when the marks were per
        word; its ``heard`` is every sentence or word the caller heard.
        """
        unheard = self.unheard_text
        if unheard:
            unheard = self._from_sentence_start(unheard)
        snap = (Interruption(heard=self.heard_text, unheard=unheard, at=time.monotonic(), then=self.then)
                if unheard else None)
        if snap is not None:
            self.interrupted = snap
        self._reset()
        return snap

    def take(self) -> Interruption | None:
        """The pending interruption (cleared)."""
        snap, self.interrupted = self.interrupted, None
        return snap

    def _reset(self) -> None:
        self._queued = ""
        self._sent = {}
        self._heard = []
        self.then = None


class SpeechTap(FrameProcessor):
    """Just before the TTS: records what the bot is going to say into :class:`HeardSpeech`.

    ``LLMTextFrame`` chunks are recorded as they are (they carry their spaces), ``TTSSpeakFrame``
    texts as whole utterances; ``LLMFullResponseStartFrame`` is :meth:`HeardSpeech.new_response`.
    A frame of a ``replay_after`` type (e.g. the hang-up request behind a goodbye, whose ``mark``
    a ``clear`` discards with the audio still queued) becomes :attr:`HeardSpeech.then`: a resume
    pushes it again after the resumed sentences, so a cough during the goodbye does not leave
    the call up. Every frame passes on unchanged.
    """

    def __init__(self, heard: HeardSpeech, *, replay_after: tuple[type[Frame], ...] = (), **kwargs):
        super().__init__(**kwargs)
        self._heard = heard
        self._replay_after = replay_after

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Record text on its way to the TTS, then push every frame on."""
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, LLMFullResponseStartFrame):
                self._heard.new_response()
            elif isinstance(frame, TTSSpeakFrame):
                self._heard.queue(f" {frame.text} ")
            elif isinstance(frame, LLMTextFrame):
                self._heard.queue(frame.text)
            elif self._replay_after and isinstance(frame, self._replay_after):
                self._heard.then = frame
        await self.push_frame(frame, direction)


class ResumeGate(FrameProcessor):
    """After the STT: backchannels and no-word segments that interrupted the bot resume its speech.

    Args:
        heard: the call's :class:`HeardSpeech`.
        is_backchannel: ``(text) -> bool``, e.g. ``lambda t: is_backchannel(t, language.current)``.
        max_verdict_secs: a verdict later than this after the barge-in (s) no longer resumes: the
            caller has been waiting in silence too long, the brain answers instead.
        acts_on: ``(text) -> bool`` or ``None``: whether the brain would act on the words (e.g. the
            rule brain's ``would_act_on``); words it would not act on resume like a backchannel.
            ``None`` (an LLM brain, which can answer anything): every non-backchannel is real.
        is_closing: ``(text) -> bool`` or ``None``: words that only close the call ("Thank you.
            Goodbye.": :func:`dialogue.understanding.is_closing`). Over a stretch that ends the
            call or hands it on (its :attr:`Interruption.then`: the hang-up request behind a goodbye,
            the transfer request behind "I'm transferring you") they resume it, request and all,
            for any brain: an LLM would otherwise answer them with a second goodbye.

    A backchannel transcript (or one ``acts_on`` rejects) becomes a ``UserBackchannelFrame`` (the user aggregator reports it
    with ``on_user_backchannel`` and keeps it out of the context), and so do the backchannel
    segments that follow it in the same caller turn (the STT may cut "Okay, yeah." in two); the resume is one ``TTSSpeakFrame``
    per sentence of :attr:`Interruption.unheard`, pushed downstream (it reaches the TTS through the aggregator
    and the brain, which pass it on).
    """

    def __init__(self, heard: HeardSpeech, *, is_backchannel: Callable[[str], bool],
                 max_verdict_secs: float = 6.0, acts_on: Callable[[str], bool] | None = None,
                 is_closing: Callable[[str], bool] | None = None, **kwargs):
        super().__init__(**kwargs)
        self._heard = heard
        self._is_backchannel = is_backchannel
        self._acts_on = acts_on
        self._is_closing = is_closing
        self._max_verdict = max_verdict_secs
        self.resumes = 0
        # A caller turn that already resumed the bot: its later segments ("Okay," … "yeah.") that
        # are backchannels too stay backchannels, until the turn ends (UserStoppedSpeakingFrame).
        self._resumed_turn = False

    def _not_for_the_brain(self, text: str) -> str | None:
        """Why ``text`` does not stop the bot ("backchannel", "not understood"), or ``None`` (real)."""
        if self._is_backchannel(text):
            return "backchannel"
        snap = self._heard.interrupted
        if self._is_closing is not None and snap is not None and snap.then is not None and self._is_closing(text):
            return "closing over the goodbye"
        if self._acts_on is not None:
            try:
                if not self._acts_on(text):
                    return "not understood"
            except Exception as e:  # a failing verdict keeps the bot stopped, as before
                logger.exception(f"{self}: acts_on failed: {e}")
        return None

    async def _resume(self, why: str) -> None:
        snap = self._heard.take()
        if snap is None:
            return
        if time.monotonic() - snap.at > self._max_verdict:
            logger.info(f"{self}: {why} came {time.monotonic() - snap.at:.1f}s after the barge-in: not resuming")
            return
        self.resumes += 1
        self._resumed_turn = True
        self._heard.false_interruptions += 1
        logger.info(f"{self}: false interruption ({why}): resuming with {len(snap.unheard.split())} words")
        # One TTSSpeakFrame per sentence: the TTS synthesizes a TTSSpeakFrame whole, and the first
        # sentence should play while the rest is synthesized (and each gets its own mark).
        for sentence in sentences(snap.unheard):
            await self.push_frame(TTSSpeakFrame(sentence))
        if snap.then is not None:  # a fresh frame (new id) with the same fields
            await self.push_frame(dataclasses.replace(snap.then))

    async def on_user_turn_stopped(self, _aggregator, _strategy=None, message=None, *_args) -> None:
        """The user aggregator's ``on_user_turn_stopped``: a turn that ended with no words resumes.

        This is the STT-agnostic path (any STT: a cough Deepgram finds no words in ends the turn
        empty); an STT that says "no words" at once (:class:`NoWordsFrame`) resumes sooner.
        Attach with ``aggregator.add_event_handler("on_user_turn_stopped", gate.on_user_turn_stopped)``.
        """
        if self._heard.interrupted is not None and not getattr(message, "content", None):
            await self._resume("empty turn")

    async def _real(self, transcript: str) -> None:
        snap = self._heard.take()
        if snap is None or time.monotonic() - snap.at > self._max_verdict:
            return
        self._heard.real_interruptions += 1
        # The caller's words only at DEBUG, like the dialogue's own "heard" line.
        logger.info(f"{self}: real interruption ({len(transcript.split())} words): the bot stays stopped")
        logger.debug(f"{self}: real interruption heard: {transcript!r}")
        if self._heard.on_real_interruption is not None:
            try:
                await self._heard.on_real_interruption(snap)
            except Exception as e:  # bookkeeping must never cost the caller their turn
                logger.exception(f"{self}: on_real_interruption failed: {e}")

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Turn interrupting backchannels/no-word segments into a resume; pass everything else."""
        await super().process_frame(frame, direction)
        if isinstance(frame, UserStoppedSpeakingFrame):
            self._resumed_turn = False
        if (direction == FrameDirection.DOWNSTREAM and self._resumed_turn and isinstance(frame, TranscriptionFrame)
                and self._heard.interrupted is None and self._not_for_the_brain(frame.text)):
            await self.push_frame(UserBackchannelFrame(
                text=frame.text, user_id=frame.user_id, timestamp=frame.timestamp), direction)
            return
        if direction == FrameDirection.DOWNSTREAM and self._heard.interrupted is not None:
            if isinstance(frame, NoWordsFrame):
                await self.push_frame(frame, direction)
                await self._resume("no words")
                return
            if isinstance(frame, TranscriptionFrame):
                why = self._not_for_the_brain(frame.text)
                if why is not None:
                    # Out of the context either way (a backchannel frame), so the brain never answers it.
                    await self.push_frame(UserBackchannelFrame(
                        text=frame.text, user_id=frame.user_id, timestamp=frame.timestamp), direction)
                    if why != "backchannel":
                        logger.debug(f"{self}: interruption not understood: {frame.text!r}")
                    await self._resume(why)
                    return
                await self._real(frame.text)
        if isinstance(frame, InterruptionFrame) and direction == FrameDirection.DOWNSTREAM:
            # Snapshot here too, not only at the output: what was heard depends only on the echoes
            # received so far, and the verdict (the next transcript) must find it in place.
            self._heard.interrupt()
        await self.push_frame(frame, direction)


class AnswerAgain:
    """A barge-in that held nothing for the brain, but cancelled its answer before any of it was
    said: the brain is asked again, so the caller's request does not go unanswered.

    The barge-in's ``InterruptionFrame`` cancels an LLM still thinking (nothing reached the TTS, so
    nothing is left to resume). If the caller's turn then ends empty (a cough, a hum, a
    backchannel: :class:`ResumeGate` kept it out of the context), the context still ends with the
    request the answer was for: a ``user`` message, or a tool result no answer followed. Then this
    pushes the context to the LLM again (the user aggregator's ``push_context_frame``), as Pipecat
    does for an ``LLMRunFrame``. A tool call still running or cancelled (``IN_PROGRESS``,
    ``CANCELLED``) is left to :class:`~processors.flight_tool.FlightToolProcessor`.

    The LLM's own greeting is such an answer too, when the profile greets with an ``LLMRunFrame``
    (``greets``): a barge-in before any of it was said leaves a context with no caller or assistant
    message, and an empty turn then asks for the greeting again.

    Args:
        context: the call's ``LLMContext``.
        aggregator: its ``LLMUserAggregator``; attach with
            ``aggregator.add_event_handler("on_user_turn_stopped", again.on_user_turn_stopped)``.
        greets: the LLM makes the greeting (the context starts with no caller message).
    """

    def __init__(self, context, aggregator, *, greets: bool = False) -> None:
        self._context = context
        self._aggregator = aggregator
        self._greets = greets
        self.times = 0

    def _unanswered(self) -> bool:
        messages = self._context.get_messages()
        if self._greets and not any(isinstance(m, dict) and m.get("role") in ("user", "assistant", "tool")
                                    for m in messages):
            return True  # the greeting was cut before a word of it was said
        last = messages[-1] if messages else None
        if not isinstance(last, dict):
            return False
        if last.get("role") == "user":
            return True
        return last.get("role") == "tool" and last.get("content") not in ("IN_PROGRESS", "CANCELLED")

    async def on_user_turn_stopped(self, _aggregator, _strategy=None, message=None, *_args) -> None:
        """An empty caller turn with the last request unanswered asks the brain again."""
        if getattr(message, "content", None) or not self._unanswered():
            return
        self.times += 1
        logger.info("a barge-in with nothing for the brain cancelled its answer before any was said: asking again")
        await self._aggregator.push_context_frame()


def keep_only_heard(messages: list, heard: str) -> bool:
    """Make the last assistant message of an LLM context say only ``heard`` (what was played).

    Args:
        messages: ``LLMContext.get_messages()`` (a list of OpenAI-format dicts; edited in place).
        heard: the sentences the caller heard; ``""`` drops the message's text.

    Returns:
        Whether a message was changed. Messages with tool calls keep their calls.
    """
    for m in reversed(messages):
        if not isinstance(m, dict):
            continue
        if m.get("role") == "user":
            return False
        if m.get("role") == "assistant" and isinstance(m.get("content"), str):
            if m["content"].strip() == heard.strip():
                return False
            m["content"] = heard
            return True
    return False
