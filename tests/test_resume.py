"""False interruptions (issue 13, items 1, 2 and 7) with scripted frames through Pipecat's run_test.

The pipeline is the call's own chain around where the TTS would be: resume gate → speech tap →
marks → a stand-in for Twilio that echoes the marks it "played" through the real serializer. The
TTS's part is played by the frames it would push: each sentence's ``TTSTextFrame`` after its audio.
"""

from __future__ import annotations

import json
import time
from datetime import date
from types import SimpleNamespace

from pipecat.audio.turn.base_turn_analyzer import EndOfTurnState
from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    LLMTextFrame,
    OutputTransportMessageFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    TTSTextFrame,
    UserBackchannelFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.tests.utils import SleepFrame, run_test
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601

from dialogue.policy import FlightDialogue
from dialogue.understanding import (
    ACCEPT_CONFIDENCE,
    CONFIRM_CONFIDENCE,
    is_backchannel,
    is_closing,
    is_halt,
    is_short_complete,
    resolve_span,
)
from processors.call_marks import HANGUP_MARK, CallMarksProcessor, HangupRequestFrame
from processors.resume import HeardSpeech, NoWordsFrame, ResumeGate, SpeechTap, keep_only_heard
from processors.turn_hold import HoldShortTurnStopStrategy
from processors.twilio_serializer import GatewayTwilioSerializer
from tests.test_turn_stop import FixedVerdictAnalyzer

STREAM = "MZ" + "a" * 32
ANSWER = ["I found three flights.", "The first is JetBlue at 8 a.m.", "The second is United at 9 a.m.",
          "Would you like another flight?"]


class TwilioPlayback(FrameProcessor):
    """Stands in for Twilio: echoes, through the real serializer, the marks named in ``play``."""

    def __init__(self, serializer: GatewayTwilioSerializer, play: set[str]):
        super().__init__()
        self._serializer = serializer
        self._play = play

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, OutputTransportMessageFrame) and frame.message.get("event") == "mark":
            name = frame.message["mark"]["name"]
            if name in self._play:
                await self._serializer.deserialize(json.dumps(
                    {"event": "mark", "streamSid": STREAM, "mark": {"name": name}}))


async def chain(play: set[str], acts_on=None, replay_after: tuple = (), closing: bool = False):
    heard = HeardSpeech()
    serializer = GatewayTwilioSerializer(STREAM, "CA" + "b" * 32,
                                         params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    await serializer.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
    serializer.on_mark = heard.mark_played
    gate = ResumeGate(heard, is_backchannel=lambda t: is_backchannel(t, "en"), acts_on=acts_on,
                      is_closing=(lambda t: is_closing(t, "en")) if closing else None)
    procs = [gate, SpeechTap(heard, replay_after=replay_after), CallMarksProcessor(STREAM, heard=heard),
             TwilioPlayback(serializer, play)]
    return heard, gate, Pipeline(procs)


def reply_then_barge_in(*after: Frame) -> list[Frame]:
    """The brain's answer word by word, the TTS's sentences 1–2 sent, then a barge-in."""
    words = " ".join(ANSWER).split(" ")
    return [
        *[LLMTextFrame(w + " ") for w in words],
        TTSTextFrame(ANSWER[0], text_type="sentence"),
        TTSTextFrame(ANSWER[1], text_type="sentence"),
        SleepFrame(0.3),  # let the data frames (and the echo of s-1) through before the system frame
        InterruptionFrame(),
        SleepFrame(0.1),
        *after,
    ]


def transcript(text: str) -> TranscriptionFrame:
    return TranscriptionFrame(text, "caller", time_now_iso8601(), finalized=True)


def spoken(down: list[Frame]) -> list[str]:
    return [f.text for f in down if isinstance(f, TTSSpeakFrame)]


async def test_a_backchannel_resumes_from_the_first_sentence_not_heard_in_full():
    # Twilio played sentence 1 in full; sentence 2 was cut off by the clear.
    heard, gate, pipe = await chain(play={"s-1"})
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript("Mm-hmm.")))
    assert spoken(down) == ANSWER[1:]  # from sentence 2, once, no preamble
    assert not [f for f in down if isinstance(f, TranscriptionFrame)]  # the brain never sees it
    assert [f.text for f in down if isinstance(f, UserBackchannelFrame)] == ["Mm-hmm."]
    assert gate.resumes == 1 and heard.false_interruptions == 1 and heard.real_interruptions == 0


async def test_no_words_resumes_and_marks_echoed_by_the_clear_do_not_count_as_heard():
    # Twilio echoes every pending mark at once after a clear: s-2 arrives after the interruption.
    heard, gate, pipe = await chain(play={"s-1"})
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(NoWordsFrame()))
    assert spoken(down) == ANSWER[1:]
    heard.mark_played("s-2")  # the clear's late echo of the cut-off sentence
    assert heard.heard_text == ""  # a fresh stretch: nothing of the old one counts


async def test_other_languages_backchannels_resume_too():
    for language, text in [("es", "Ajá, sí."), ("fr", "D'accord."), ("de", "Genau."), ("it", "Certo."),
                           ("pt", "Sim, sim.")]:
        assert is_backchannel(text, language), (language, text)
    for language, text in [("en", "Wait, no, Tuesday."), ("es", "No, el martes."), ("en", ""),
                           ("de", "Nein, Dienstag."), ("en", "Stop.")]:
        assert not is_backchannel(text, language), (language, text)


def test_deepgram_spellings_of_fillers_are_backchannels():
    # Deepgram writes a hum as "mhmm" and "uh-huh" (https://developers.deepgram.com/docs/filler-words);
    # with language=multi the label may be any language's.
    for language in ("en", "es", "fr", "de", "it", "pt"):
        assert is_backchannel("Mhmm.", language), language
    assert is_backchannel("Uh-huh.", "en") and is_backchannel("Mhmm, okay.", "en")


async def test_a_real_interruption_stands_and_only_the_heard_part_is_remembered():
    heard, gate, pipe = await chain(play={"s-1"})
    seen = []

    async def on_real(snap):
        seen.append(snap)

    heard.on_real_interruption = on_real
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript("Wait, no, Tuesday.")))
    assert spoken(down) == []  # no resume
    assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == ["Wait, no, Tuesday."]
    assert len(seen) == 1 and seen[0].heard == ANSWER[0]
    assert seen[0].unheard == " ".join(ANSWER[1:])
    assert heard.real_interruptions == 1 and gate.resumes == 0


async def test_a_turn_after_the_bot_finished_is_not_an_interruption():
    heard, gate, pipe = await chain(play={"s-1", "s-2", "s-3", "s-4"})
    words = " ".join(ANSWER).split(" ")
    frames = [*[LLMTextFrame(w + " ") for w in words],
              *[TTSTextFrame(s, text_type="sentence") for s in ANSWER],
              SleepFrame(0.3), InterruptionFrame(), SleepFrame(0.1), transcript("Okay.")]
    down, _ = await run_test(pipe, frames_to_send=frames)
    assert spoken(down) == []
    assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == ["Okay."]  # the brain answers it


def test_the_context_keeps_only_what_was_played():
    messages = [{"role": "user", "content": "Boston to Chicago Friday"},
                {"role": "assistant", "content": " ".join(ANSWER)}]
    assert keep_only_heard(messages, ANSWER[0])
    assert messages[-1]["content"] == ANSWER[0]
    assert not keep_only_heard([{"role": "user", "content": "hi"}], "x")


def test_the_rule_brain_repeats_what_the_caller_heard():
    dialogue = FlightDialogue(language="en")
    dialogue.greeting()
    result = {"status": "ok", "speech": " ".join(ANSWER[:3]), "live": True}
    dialogue.handle_tool_result(result)
    dialogue.caller_heard(ANSWER[0])
    assert dialogue.handle_user("Can you repeat that?").say == ANSWER[0]
    dialogue.caller_heard("")  # heard nothing of a later answer: the earlier one stays
    assert dialogue.last_answer() == ANSWER[0]


def dialogue_reading_results(language: str = "en") -> FlightDialogue:
    """A rule dialogue that has searched and is reading the results out (phase ``results``)."""
    dialogue = FlightDialogue(language=language)
    dialogue.greeting()
    turn = dialogue.handle_user("From Boston to Chicago on Friday.")
    assert turn.tool_call is not None
    dialogue.handle_tool_result({"status": "ok", "speech": " ".join(ANSWER[:3]), "count": 2, "live": True})
    assert dialogue.phase == "results"
    return dialogue


async def test_words_the_rule_brain_cannot_act_on_resume_like_a_backchannel():
    # Whisper base writes a hum as words ("In Emma."): the rule brain could only say "I didn't
    # understand", so the caller hears the rest of the answer instead, and the brain never sees it.
    dialogue = dialogue_reading_results()
    heard, gate, pipe = await chain(play={"s-1"}, acts_on=dialogue.would_act_on)
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript("In Emma.")))
    assert spoken(down) == ANSWER[1:]
    assert not [f for f in down if isinstance(f, TranscriptionFrame)]
    assert gate.resumes == 1 and heard.false_interruptions == 1
    assert dialogue.phase == "results"  # the verdict asked the dialogue without changing it


async def test_a_halt_or_a_correction_the_brain_can_act_on_stays_a_real_interruption():
    for text in ("Wait.", "Hold on.", "No, Tuesday.", "Actually, from Denver."):
        dialogue = dialogue_reading_results()
        heard, gate, pipe = await chain(play={"s-1"}, acts_on=dialogue.would_act_on)
        down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript(text)))
        assert spoken(down) == [], text
        assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == [text]
        assert heard.real_interruptions == 1 and gate.resumes == 0, text


def test_would_act_on_asks_without_changing_the_dialogue():
    dialogue = dialogue_reading_results()
    before = (dialogue.phase, dialogue.slots, dialogue.last_answer())
    assert dialogue.would_act_on("Actually, from Denver.")  # a correction: would search again
    assert not dialogue.would_act_on("Hmm, let me think.")
    assert (dialogue.phase, dialogue.slots, dialogue.last_answer()) == before
    assert dialogue.handle_user("Hmm, let me think.").understood is False
    assert dialogue.would_act_on("Hmm, let me think.", "es")  # the call switched: answered in Spanish


def test_words_whose_answer_is_only_the_question_being_read_go_on_with_it():
    # "Next Friday, please.": the VAD made two segments of it; the first is answered at once and
    # the trailing "please" barges in. Answering it would only restart the question being read.
    pleases = {"en": "Please.", "es": "Por favor.", "fr": "S'il vous plaît.", "it": "Per favore.",
               "pt": "Por favor."}
    for language, text in pleases.items():
        dialogue = FlightDialogue(language=language)
        dialogue.greeting()
        assert not dialogue.would_act_on(text), (language, text)
        assert dialogue.would_act_on("Boston."), language  # a place: acted on
    german = FlightDialogue(language="de")
    german.greeting()
    assert german.would_act_on("Bitte?")  # German for "pardon?": a request to repeat, from the top
    dialogue = FlightDialogue(language="en")
    answer = dialogue.handle_user("Next Friday,").say
    assert answer.endswith("Where would you like to fly from, and where to?")  # the premise
    assert not dialogue.would_act_on("Please.")
    assert dialogue.would_act_on("Can you repeat that?")  # the caller wants it from the top
    assert dialogue.would_act_on("Next Monday, please.")  # a change: acted on


def test_a_lone_word_the_resolver_only_guesses_at_is_no_reason_to_stop():
    # "Inama" (a hum, as Whisper base wrote it) is only a "Did you mean Bahrain?" guess: it does not
    # cut the list off; the same word after a place marker is a correction and stops the bot.
    res = resolve_span("inama", "en")
    assert res.best is not None and CONFIRM_CONFIDENCE <= res.confidence < ACCEPT_CONFIDENCE  # the premise
    dialogue = dialogue_reading_results()
    assert dialogue.handle_user("Inama.").guess  # what the dialogue would answer: a guess
    dialogue = dialogue_reading_results()
    assert not dialogue.would_act_on("Inama.")
    assert dialogue.would_act_on("Actually, to Inama.")


def test_asking_the_bot_to_stop_is_acted_on_in_every_language():
    halts = {"en": "Wait, hold on.", "es": "Espera un momento.", "fr": "Attendez.", "de": "Moment mal.",
             "it": "Aspetta.", "pt": "Espere."}
    for language, text in halts.items():
        dialogue = dialogue_reading_results()
        dialogue.switch_language(language)
        assert dialogue.would_act_on(text), (language, text)
        assert not dialogue.would_act_on("Zzz qqq.", language), language


# ---- item 7: short whole answers do not wait for Smart Turn's timeout ----------------------------


async def turn_ends(text: str, *, hold_secs: float = 30.0, complete_after_hold=None) -> bool:
    strategy = HoldShortTurnStopStrategy(
        turn_analyzer=FixedVerdictAnalyzer(EndOfTurnState.INCOMPLETE), is_substantive=lambda t: False, hold_secs=hold_secs,
        is_complete=lambda t: is_short_complete(t, "en"), max_stt_wait_secs=5.0,
        complete_after_hold=complete_after_hold)
    user, _ = LLMContextAggregatorPair(LLMContext(messages=[]), user_params=LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()], stop=[strategy]),
        user_turn_stop_timeout=30.0))
    down, _ = await run_test(user, frames_to_send=[
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.2), VADUserStoppedSpeakingFrame(stop_secs=0.2),
        transcript(text), SleepFrame(0.3)])
    return any(isinstance(f, UserStoppedSpeakingFrame) for f in down)


async def test_short_whole_answers_end_the_turn_though_smart_turn_says_incomplete():
    # The hold (30 s here) and Smart Turn's timeout (never) would otherwise keep each turn open.
    for text in ["Thanks, bye.", "Yes.", "No.", "Chicago.", "Tuesday.", "Can you repeat that?"]:
        assert await turn_ends(text), text


async def test_a_halt_is_held_then_ends_though_smart_turn_says_incomplete():
    halt = lambda t: is_halt(t, "en")  # noqa: E731
    assert not await turn_ends("Wait.", hold_secs=30.0, complete_after_hold=halt)  # held for what follows
    assert await turn_ends("Wait.", hold_secs=0.1, complete_after_hold=halt)  # then whole: no 3 s timeout
    assert not await turn_ends("Wait.", hold_secs=0.1)  # without it, Smart Turn's "incomplete" is waited out


async def test_greetings_and_half_requests_still_wait():
    for text in ["Hi there.", "I need a flight from Boston to"]:
        assert not await turn_ends(text), text


async def test_a_no_words_segment_closes_its_pending_segment_at_once():
    strategy = HoldShortTurnStopStrategy(turn_analyzer=FixedVerdictAnalyzer(EndOfTurnState.INCOMPLETE), is_substantive=lambda t: True,
                                         max_stt_wait_secs=30.0)
    user, _ = LLMContextAggregatorPair(LLMContext(messages=[]), user_params=LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()], stop=[strategy])))
    await run_test(user, frames_to_send=[
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.1), VADUserStoppedSpeakingFrame(stop_secs=0.2),
        SleepFrame(0.05), NoWordsFrame(), SleepFrame(0.05)])
    assert strategy.pending_segments == 0


def test_a_new_answer_starts_a_new_stretch_once_the_wire_is_quiet():
    heard = HeardSpeech()
    heard.queue(" First answer. Never sent. ")
    heard.mark_played(heard.next_mark("First answer."))
    heard.new_response()  # the brain answers again; "Never sent." can no longer be resumed
    heard.queue("Second answer. ")
    heard.queue("Its second sentence.")
    heard.next_mark("Second answer.")
    snap = heard.interrupt()
    assert snap is not None and snap.heard == "" and snap.unheard == "Second answer. Its second sentence."


def test_word_marks_resume_from_the_start_of_the_sentence_the_caller_was_in():
    # A TTS with word timestamps (Cartesia in the cascade profile) makes one mark per word.
    heard = HeardSpeech()
    heard.queue(" ".join(ANSWER))
    words = " ".join(ANSWER[:2]).split()
    played = len(ANSWER[0].split()) + 2  # sentence 1, then "The first" of sentence 2
    for i, word in enumerate(words):
        name = heard.next_mark(word)
        if i < played:
            heard.mark_played(name)
    snap = heard.interrupt()
    assert snap is not None
    assert snap.heard == f"{ANSWER[0]} The first"  # every word heard, for the context
    assert snap.unheard == " ".join(ANSWER[1:])  # the resume re-says sentence 2 whole


async def test_a_turn_that_ends_with_no_words_resumes_with_any_stt():
    # No NoWordsFrame (an STT that says nothing for a cough): the empty user turn is the verdict.
    heard, gate, _ = await chain(play={"s-1"})
    user, _ = LLMContextAggregatorPair(LLMContext(messages=[]), user_params=LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()]),
        user_turn_stop_timeout=0.3, empty_user_turn=None))
    user.add_event_handler("on_user_turn_stopped", gate.on_user_turn_stopped)
    serializer = GatewayTwilioSerializer(STREAM, "CA" + "b" * 32,
                                         params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    await serializer.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
    serializer.on_mark = heard.mark_played
    pipe = Pipeline([gate, user, SpeechTap(heard), CallMarksProcessor(STREAM, heard=heard),
                     TwilioPlayback(serializer, {"s-1"})])
    words = " ".join(ANSWER).split(" ")
    down, _ = await run_test(pipe, frames_to_send=[
        *[LLMTextFrame(w + " ") for w in words],
        TTSTextFrame(ANSWER[0], text_type="sentence"), TTSTextFrame(ANSWER[1], text_type="sentence"),
        SleepFrame(0.3),
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.2), VADUserStoppedSpeakingFrame(stop_secs=0.2),
        SleepFrame(0.8)])
    assert spoken(down) == ANSWER[1:]
    assert gate.resumes == 1


async def test_a_backchannel_cut_into_two_segments_resumes_once_and_never_reaches_the_brain():
    # Whisper may hear "Okay, yeah." as two segments: the second is no new turn for the brain.
    heard, gate, pipe = await chain(play={"s-1"})
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript("Okay."), transcript("Yeah.")))
    assert spoken(down) == ANSWER[1:]
    assert not [f for f in down if isinstance(f, TranscriptionFrame)]
    assert [f.text for f in down if isinstance(f, UserBackchannelFrame)] == ["Okay.", "Yeah."]
    assert gate.resumes == 1


async def test_after_the_resumed_turn_ends_a_yes_is_an_answer_again():
    heard, gate, pipe = await chain(play={"s-1"})
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(
        transcript("Okay."), SleepFrame(0.1), UserStoppedSpeakingFrame(), SleepFrame(0.05), transcript("Yes.")))
    assert [f.text for f in down if isinstance(f, TranscriptionFrame)] == ["Yes."]


async def test_a_transcript_later_than_its_deadline_does_not_close_the_next_pending_segment():
    # Seen under load: "Wait." came after its segment's deadline and closed the segment of
    # "no, Tuesday." still being transcribed, so the turn ended on "Wait." alone.
    strategy = HoldShortTurnStopStrategy(turn_analyzer=FixedVerdictAnalyzer(EndOfTurnState.INCOMPLETE), is_substantive=lambda t: True,
                                         max_stt_wait_secs=2.0)
    user, _ = LLMContextAggregatorPair(LLMContext(messages=[]), user_params=LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()], stop=[strategy]),
        user_turn_stop_timeout=30.0))
    await run_test(user, frames_to_send=[
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.1), VADUserStoppedSpeakingFrame(stop_secs=0.2),
        SleepFrame(2.2),  # segment 1's deadline (2.0 s after its speech ended) passes
        # (frames are made now: segment 2's VAD stop carries the time it is sent, 2.3 s from now)
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.1),
        VADUserStoppedSpeakingFrame(stop_secs=0.2, timestamp=time.time() + 2.3),
        transcript("Wait."), SleepFrame(0.05)])  # segment 1's transcript, late
    assert strategy.pending_segments == 1  # segment 2 still waits for its words


GOODBYE = ["Thank you for calling.", "Goodbye!"]


def goodbye_then_barge_in(*after: Frame) -> list[Frame]:
    """The brain's goodbye and its hang-up request behind it; sentence 1 sent, then a barge-in."""
    return [
        *[LLMTextFrame(w + " ") for w in " ".join(GOODBYE).split(" ")],
        HangupRequestFrame(reason="goodbye"),
        TTSTextFrame(GOODBYE[0], text_type="sentence"),
        SleepFrame(0.3),
        InterruptionFrame(),
        SleepFrame(0.1),
        *after,
    ]


def marks(down: list[Frame]) -> list[tuple[int, str]]:
    return [(i, f.message["mark"]["name"]) for i, f in enumerate(down)
            if isinstance(f, OutputTransportMessageFrame) and f.message.get("event") == "mark"]


async def test_a_cough_during_the_goodbye_resumes_it_and_asks_for_the_hang_up_again():
    # The clear discards the hang-up mark still queued behind the goodbye's audio; the resumed
    # goodbye gets a hang-up request of its own, so the call ends once the caller heard it.
    heard, gate, pipe = await chain(play={"s-1"}, replay_after=(HangupRequestFrame,))
    down, _ = await run_test(pipe, frames_to_send=goodbye_then_barge_in(NoWordsFrame()))
    assert spoken(down) == GOODBYE[1:]
    resumed_at = next(i for i, f in enumerate(down) if isinstance(f, TTSSpeakFrame))
    hangups = [i for i, name in marks(down) if name == HANGUP_MARK]
    assert len(hangups) == 2 and hangups[-1] > resumed_at


async def test_without_replay_the_resumed_goodbye_carries_no_hang_up():
    heard, gate, pipe = await chain(play={"s-1"})
    down, _ = await run_test(pipe, frames_to_send=goodbye_then_barge_in(NoWordsFrame()))
    assert spoken(down) == GOODBYE[1:]
    assert len([1 for _, name in marks(down) if name == HANGUP_MARK]) == 1  # only the discarded one


def test_after_the_goodbye_a_closing_over_it_is_nothing_to_act_on():
    # "Thank you. Goodbye." over the bot's goodbye: the goodbye goes on (and its hang-up request
    # with it) instead of a second goodbye from the top; "wait" still stops the bot.
    d = FlightDialogue(language="en")
    d.greeting()
    assert d.handle_user("That's all, goodbye.").end_call
    assert not d.would_act_on("Thank you. Goodbye.")
    assert d.would_act_on("Wait.")
    assert d.phase == "ended"


async def test_a_closing_over_the_goodbye_resumes_it_with_its_hang_up():
    d = FlightDialogue(language="en")
    d.greeting()
    d.handle_user("That's all, goodbye.")
    heard, gate, pipe = await chain(play={"s-1"}, acts_on=d.would_act_on, replay_after=(HangupRequestFrame,))
    down, _ = await run_test(pipe, frames_to_send=goodbye_then_barge_in(transcript("Thank you. Goodbye.")))
    assert spoken(down) == GOODBYE[1:]
    assert [name for _, name in marks(down)].count(HANGUP_MARK) == 2


async def test_an_llm_brains_goodbye_goes_on_over_a_closing_with_its_hang_up():
    # An LLM brain (no acts_on) would answer "Thank you. Goodbye." with a second goodbye: over a
    # stretch that ends in a hang-up request, closing words resume it, hang-up request and all.
    heard, gate, pipe = await chain(play={"s-1"}, replay_after=(HangupRequestFrame,), closing=True)
    down, _ = await run_test(pipe, frames_to_send=goodbye_then_barge_in(transcript("Thank you. Goodbye.")))
    assert spoken(down) == GOODBYE[1:]
    assert [name for _, name in marks(down)].count(HANGUP_MARK) == 2
    assert not any(isinstance(f, TranscriptionFrame) and not isinstance(f, UserBackchannelFrame) for f in down)
    assert heard.false_interruptions == 1 and heard.real_interruptions == 0


async def test_over_the_goodbye_a_halt_or_a_new_request_still_stops_an_llm_brain():
    for words in ("Wait, one more thing.", "Bye, actually I need a hotel too."):
        heard, gate, pipe = await chain(play={"s-1"}, replay_after=(HangupRequestFrame,), closing=True)
        down, _ = await run_test(pipe, frames_to_send=goodbye_then_barge_in(transcript(words)))
        assert spoken(down) == [], words
        assert [f.text for f in down if type(f) is TranscriptionFrame] == [words]
        assert heard.real_interruptions == 1, words


async def test_thanks_over_an_answer_that_ends_no_call_is_still_the_llms_to_answer():
    # Only a stretch that ends the call makes a closing nothing to act on: over the flight list,
    # "Thanks, goodbye." is the caller's own closing, and an LLM brain answers it.
    heard, gate, pipe = await chain(play={"s-1"}, closing=True)
    down, _ = await run_test(pipe, frames_to_send=reply_then_barge_in(transcript("Thanks, goodbye.")))
    assert spoken(down) == []
    assert [f.text for f in down if type(f) is TranscriptionFrame] == ["Thanks, goodbye."]


def dialogue_saying_goodbye(language: str, request: str, goodbye: str) -> FlightDialogue:
    d = FlightDialogue(language=language)
    d.greeting()
    assert d.handle_user(request).tool_call is not None
    d.handle_tool_result({"status": "ok", "speech": "Two flights.", "count": 2, "live": True})
    assert d.handle_user(goodbye).end_call and d.phase == "ended"
    return d


#: (language, request, the caller's goodbye) of the calls whose goodbye is being said
SAID_GOODBYE = [("en", "From Boston to Chicago on Friday.", "That's all, goodbye."),
                ("es", "De Madrid a Barcelona el viernes.", "Eso es todo, adiós."),
                ("de", "Von Berlin nach München am Freitag.", "Das ist alles, tschüss.")]


def test_over_the_goodbye_a_halt_or_a_request_reopens_the_call_where_it_was():
    for call, halt in zip(SAID_GOODBYE, ("Wait, one moment.", "Espera, un momento.", "Moment mal.")):
        d = dialogue_saying_goodbye(*call)
        assert d.would_act_on(halt)
        turn = d.handle_user(halt)
        assert not turn.end_call and d.phase == "results", (call[0], turn)  # "go ahead", still in the call
    d = dialogue_saying_goodbye(*SAID_GOODBYE[0])
    turn = d.handle_user("No, Tuesday.")  # a correction of the search just read
    assert turn.tool_call is not None and date.fromisoformat(turn.tool_call["departure_date"]).weekday() == 1


def test_over_the_goodbye_a_closing_or_a_lone_no_gets_the_goodbye():
    for words in ("Thank you. Goodbye.", "No.", "Okay."):
        d = dialogue_saying_goodbye(*SAID_GOODBYE[0])
        assert d.handle_user(words).end_call and d.phase == "ended", words


def test_over_the_goodbye_an_unknown_word_gets_the_goodbye_and_a_place_reopens_the_call():
    # Whisper's guesses at a noise or a half-heard "thanks" name no place: the call ends as said
    noises = ("Thank you for watching.", "Gracias por ver el video.", "Vielen Dank fürs Zuschauen.")
    for call, noise in zip(SAID_GOODBYE, noises):
        d = dialogue_saying_goodbye(*call)
        assert not d.would_act_on(noise), noise
        assert d.handle_user(noise).end_call and d.phase == "ended", noise
    d = dialogue_saying_goodbye(*SAID_GOODBYE[0])
    assert d.would_act_on("Denver.")
    turn = d.handle_user("Denver.")  # a new destination: the call goes on
    assert not turn.end_call and d.phase != "ended"
