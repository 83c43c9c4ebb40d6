"""Manners on a phone line (issue 13, items 3–6), without a server: idle re-prompts on Pipecat's
UserIdleController, transfer to a person (words, keypad, tool, TwiML, REST), recording with
AudioBufferProcessor, and call records."""

from __future__ import annotations

import os
import time
import wave
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    FunctionCallFromLLM,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    InputAudioRawFrame,
    InputDTMFFrame,
    LLMContextFrame,
    LLMMessagesAppendFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    TTSSpeakFrame,
)
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.pipeline.pipeline import Pipeline
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.tests.utils import SleepFrame, run_test

from dialogue.phrases import phrase
from dialogue.policy import FlightDialogue
from flights.languages import SUPPORTED_LANGUAGES
from gateway.app import create_app
from gateway.calls import CallRecord, CallRegistry, ending_of, mask_number, transcript
from gateway.settings import Settings
from gateway.twilio import TwilioRest, transfer_twiml, whisper_twiml
from processors.call_language import CallLanguage
from processors.call_marks import CallMarksProcessor, HangupRequestFrame
from processors.call_recording import CallRecorder, prune_recordings
from processors.call_tools import TRANSFER_CALL, CallTools, whisper_text
from processors.dtmf_commands import TRANSFER_DIGIT, DTMFCommandsProcessor
from processors.idle_caller import IdleCaller, last_question
from processors.interruptions import InterruptionCounter
from processors.local_brain import LocalBrainService
from testkit.fake_twilio import FakeTwilio

ACCOUNT = "AC" + "5" * 32
TOKEN = "manners-token"


# --- idle callers ---------------------------------------------------------------------------

def _idle(language: str = "en", max_reprompts: int = 2, ending=lambda: False,
          said: str | None = None) -> tuple[IdleCaller, FlightDialogue]:
    dialogue = FlightDialogue(language=language)
    dialogue.greeting()
    if said:
        dialogue.handle_user(said)
    idle = IdleCaller(language=CallLanguage(current=language), speak=TTSSpeakFrame,
                      open_question=dialogue.open_question, max_reprompts=max_reprompts, is_ending=ending)
    return idle, dialogue


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_silent_caller_hears_the_open_question_twice_then_goodbye_and_hangup(language):
    idle, dialogue = _idle(language)
    question = dialogue.open_question()
    assert question == phrase(language, "ask_origin_and_destination")
    for _ in range(2):
        (frame,) = idle.next_frames()
        assert frame.text == f"{phrase(language, 'idle_reprompt')} {question}"
    speech, hangup = idle.next_frames()
    assert speech.text == phrase(language, "idle_goodbye")
    assert isinstance(hangup, HangupRequestFrame) and hangup.reason == "idle"
    assert idle.next_frames() == [] and idle.total_reprompts == 2 and idle.hung_up


def test_the_reprompt_repeats_the_question_still_open():
    idle, dialogue = _idle(said="from Boston to Paris")
    (frame,) = idle.next_frames()
    assert frame.text == f"{phrase('en', 'idle_reprompt')} {phrase('en', 'ask_date', origin='Boston', destination='Paris')}"


async def test_an_answer_resets_the_count_and_an_ending_call_is_left_alone():
    idle, _ = _idle()
    idle.next_frames()
    idle.next_frames()

    class Message:
        content = "next Friday"

    await idle.on_user_turn_stopped(None, None, Message())
    assert idle.reprompts == 0 and len(idle.next_frames()) == 1  # a re-prompt again, not the goodbye
    ending, _ = _idle(ending=lambda: True)
    assert ending.next_frames() == []
    zero, _ = _idle(max_reprompts=0)
    assert isinstance(zero.next_frames()[-1], HangupRequestFrame)


async def test_words_that_withdraw_the_idle_goodbye_leave_a_call_that_reprompts_again():
    # The shell withdraws the idle hang-up when the caller's words over the goodbye are for the
    # brain ("Sorry, I'm here: Boston to Denver"); the call is live again and must not go silent
    # for good the next time the caller does.
    hangup_pending = [False]
    idle, _ = _idle(ending=lambda: hangup_pending[0])
    idle.next_frames()
    idle.next_frames()
    assert isinstance(idle.next_frames()[-1], HangupRequestFrame)
    hangup_pending[0] = True

    class Message:
        content = "Sorry, I'm here. Boston to Denver."

    await idle.on_user_turn_stopped(None, None, Message())
    assert idle.next_frames() == []  # the hang-up still stands: nothing more to say
    hangup_pending[0] = False  # …now withdrawn
    (reprompt,) = idle.next_frames()
    assert reprompt.text.startswith(phrase("en", "idle_reprompt"))
    idle.next_frames()
    assert isinstance(idle.next_frames()[-1], HangupRequestFrame)  # and in time the goodbye again


def test_llm_profiles_reprompt_with_the_last_sentence_the_bot_said():
    messages = [{"role": "user", "content": "hi"},
                {"role": "assistant", "content": "Flying to Rome. Where are you flying from?"},
                {"role": "tool", "content": "{}"}]
    assert last_question(messages) == "Where are you flying from?"
    assert last_question([{"role": "user", "content": "hi"}]) is None


async def test_user_idle_controller_fires_only_while_the_bot_waits_for_an_answer():
    """The shell's wiring: user_idle_timeout on the user aggregator → on_user_turn_idle → IdleCaller.
    The 0.1 s timeout is far below the 0.6 s waits: the check is whether it fires, not when."""
    def pipeline():
        context = LLMContext()
        user, _assistant = LLMContextAggregatorPair(context, user_params=LLMUserAggregatorParams(
            user_idle_timeout=0.1, user_turn_strategies=ExternalUserTurnStrategies()))  # no Smart Turn model
        idle = IdleCaller(language=CallLanguage(), speak=TTSSpeakFrame, open_question=lambda: "Where to?",
                          max_reprompts=2)
        idle.attach(user)
        return user, idle

    user, idle = pipeline()
    down, _ = await run_test(user, frames_to_send=[BotStartedSpeakingFrame(), BotStoppedSpeakingFrame(),
                                                   SleepFrame(0.6)])
    spoken = [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert spoken == [f"{phrase('en', 'idle_reprompt')} Where to?"] and idle.reprompts == 1

    # a search in progress (function call started, not finished): never re-prompted
    user, idle = pipeline()
    call = FunctionCallFromLLM(function_name="search_flights", tool_call_id="c1", arguments={}, context=None)
    down, _ = await run_test(user, frames_to_send=[FunctionCallsStartedFrame(function_calls=[call]),
                                                   BotStartedSpeakingFrame(), BotStoppedSpeakingFrame(),
                                                   SleepFrame(0.6)])
    assert not [f for f in down if isinstance(f, TTSSpeakFrame)] and idle.reprompts == 0

    # the bot still speaking: nothing either
    user, idle = pipeline()
    down, _ = await run_test(user, frames_to_send=[BotStartedSpeakingFrame(), SleepFrame(0.6)])
    assert not [f for f in down if isinstance(f, TTSSpeakFrame)]


# --- transfer to a person -------------------------------------------------------------------

@pytest.mark.parametrize("language,text", [
    ("en", "I'd like to talk to a person"), ("en", "can I speak to an agent please"), ("en", "a human, please"),
    ("es", "quiero hablar con una persona"), ("fr", "je voudrais parler à un conseiller"),
    ("de", "kann ich mit einem Menschen sprechen"), ("it", "posso parlare con un operatore"),
    ("pt", "quero falar com uma pessoa"),
])
def test_asking_for_a_person_is_understood_in_every_language(language, text):
    dialogue = FlightDialogue(language=language)
    dialogue.greeting()
    assert dialogue.handle_user(text).transfer


@pytest.mark.parametrize("language,text", [
    ("en", "from Boston to Paris for one person"), ("de", "von Berlin nach Rom für eine Person"),
    ("es", "de Madrid a Roma para una persona"),
])
def test_a_passenger_count_is_not_a_transfer(language, text):
    dialogue = FlightDialogue(language=language)
    dialogue.greeting()
    assert not dialogue.handle_user(text).transfer


class Tap(FrameProcessor):
    """Keeps every downstream frame passing (the assistant aggregator after it consumes some)."""

    def __init__(self):
        super().__init__()
        self.frames = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            self.frames.append(frame)
        await self.push_frame(frame, direction)


async def _brain_turn(tools: CallTools, dialogue: FlightDialogue, text: str):
    """One user turn through brain → marks → assistant aggregator, as in the shell (the aggregator
    hands a ``run_llm`` tool result back to the brain)."""
    brain = LocalBrainService(dialogue=dialogue)
    tools.register(brain)
    marks = CallMarksProcessor("MZ1")
    tap = Tap()
    context = LLMContext(messages=[{"role": "user", "content": text}])
    _user, assistant = LLMContextAggregatorPair(  # external strategies: no Smart Turn model
        context, user_params=LLMUserAggregatorParams(user_turn_strategies=ExternalUserTurnStrategies()))
    await run_test(Pipeline([brain, marks, tap, assistant]),
                   frames_to_send=[LLMContextFrame(context=context), SleepFrame(0.5)])
    return tap.frames, marks


async def test_transfer_says_so_then_asks_for_the_transfer_with_the_route_as_whisper():
    dialogue = FlightDialogue()
    dialogue.greeting()
    dialogue.handle_user("from Boston to Paris")
    tools = CallTools(language=CallLanguage(), speak=TTSSpeakFrame, transfer_available=True)
    down, marks = await _brain_turn(tools, dialogue, "I'd like to talk to a person")
    calls = [f for f in down if isinstance(f, FunctionCallInProgressFrame)]
    assert [c.function_name for c in calls] == ["transfer_call"]
    speak = next(i for i, f in enumerate(down) if isinstance(f, TTSSpeakFrame))
    mark = next(i for i, f in enumerate(down) if isinstance(f, OutputTransportMessageFrame))
    assert down[speak].text == phrase("en", "transferring")
    assert mark > speak and down[mark].message["mark"]["name"] == "transfer"
    assert marks.transfer_requested is not None
    assert "Boston" in marks.transfer_requested.whisper and "Paris" in marks.transfer_requested.whisper
    assert not [f for f in down if isinstance(f, LLMTextFrame)]  # nothing else said
    assert tools.transfers == ["transferring"]


async def test_without_a_transfer_number_the_bot_says_no_one_is_available_and_carries_on():
    dialogue = FlightDialogue()
    dialogue.greeting()
    dialogue.handle_user("from Boston to Paris")
    tools = CallTools(language=CallLanguage(), speak=TTSSpeakFrame, transfer_available=False)
    down, marks = await _brain_turn(tools, dialogue, "can I talk to a human")
    said = "".join(f.text for f in down if isinstance(f, LLMTextFrame))
    assert said == f"{phrase('en', 'no_agent')} {dialogue.open_question()}"
    assert marks.transfer_requested is None and tools.transfers == ["unavailable"]
    assert not [f for f in down if isinstance(f, TTSSpeakFrame)]
    result = next(f for f in down if isinstance(f, FunctionCallResultFrame))
    assert result.result["status"] == "unavailable"


async def test_keypad_transfer_digit_asks_the_brain_for_a_person():
    down, _ = await run_test(DTMFCommandsProcessor(), frames_to_send=[InputDTMFFrame(KeypadEntry(TRANSFER_DIGIT))])
    (append,) = [f for f in down if isinstance(f, LLMMessagesAppendFrame)]
    text = append.messages[0]["content"]
    tools = CallTools(language=CallLanguage(), speak=TTSSpeakFrame, transfer_available=True)
    dialogue = FlightDialogue()
    dialogue.greeting()
    _, marks = await _brain_turn(tools, dialogue, text)
    assert marks.transfer_requested is not None
    assert marks.transfer_requested.whisper == phrase("en", "transfer_whisper_empty")


def test_transfer_tool_schema_and_whisper_text():
    assert TRANSFER_CALL.name == "transfer_call" and TRANSFER_CALL.required == []
    assert {"origin", "destination", "date"} <= set(TRANSFER_CALL.properties)
    text = whisper_text("es", {"origin": "Madrid", "destination": "Roma", "date": "el viernes"})
    assert text == phrase("es", "transfer_whisper", origin="Madrid", destination="Roma", date="el viernes")
    assert whisper_text("fr", {}) == phrase("fr", "transfer_whisper_empty")
    assert whisper_text("en", {"origin": "Boston", "destination": "Paris"}).endswith("to Paris.")


def test_transfer_twiml_dials_the_number_with_caller_id_and_a_whisper():
    root = ET.fromstring(transfer_twiml("+14155550123", caller_id="+15551230000",
                                        whisper_url="https://gw.example/twilio/whisper?text=hi&language=en"))
    dial = root.find("Dial")
    assert dial.get("callerId") == "+15551230000"
    number = dial.find("Number")
    assert number.text == "+14155550123" and number.get("method") == "POST"
    assert number.get("url") == "https://gw.example/twilio/whisper?text=hi&language=en"
    say = ET.fromstring(whisper_twiml("Llamada del servicio de vuelos.", "es")).find("Say")
    assert say.text == "Llamada del servicio de vuelos." and say.get("language") == "es-ES"


async def test_update_call_posts_the_twiml_to_twilio():
    fake = FakeTwilio(ACCOUNT, TOKEN)
    try:
        sid = "CA" + "7" * 32
        fake.add_call(sid)
        rest = TwilioRest(ACCOUNT, TOKEN, fake.base_url)
        twiml = transfer_twiml("+14155550123", caller_id=None, whisper_url=None)
        try:
            await rest.update_call(sid, twiml=twiml)
        finally:
            await rest.close()
        assert fake.twiml_updates(sid) == [twiml]
        update = fake.updates()[-1]
        assert update.user == ACCOUNT and update.path.endswith(f"/Calls/{sid}.json")
    finally:
        fake.stop()


# --- recording ------------------------------------------------------------------------------

def _tone(hz: float, rate: int, secs: float) -> bytes:
    t = np.arange(int(rate * secs)) / rate
    return (np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16).tobytes()


async def test_recording_is_a_stereo_8khz_wav_caller_left_bot_right(tmp_path):
    recorder = CallRecorder(tmp_path, "CA" + "1" * 32, retention_days=30)
    caller = InputAudioRawFrame(audio=_tone(300, 16000, 0.5), sample_rate=16000, num_channels=1)
    bot = OutputAudioRawFrame(audio=_tone(500, 8000, 0.5), sample_rate=8000, num_channels=1)
    await run_test(recorder.processor, frames_to_send=[caller, bot])
    assert recorder.path == tmp_path / f"{'CA' + '1' * 32}.wav" and recorder.path.exists()
    with wave.open(str(recorder.path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2).astype(float)
    assert len(pcm) >= 4000
    left, right = pcm[:, 0], pcm[:, 1]

    def power(x, hz):  # energy of ``x`` at ``hz`` (projection on a sine/cosine pair)
        t = np.arange(len(x)) / 8000
        return np.hypot(np.dot(x, np.sin(2 * np.pi * hz * t)), np.dot(x, np.cos(2 * np.pi * hz * t)))

    # each side carries its own tone, so the channels are neither swapped nor mixed
    assert power(left, 300) > 20 * power(left, 500) and power(right, 500) > 20 * power(right, 300)


def test_old_recordings_are_deleted(tmp_path):
    old, new = tmp_path / "CAold.wav", tmp_path / "CAnew.wav"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    assert prune_recordings(tmp_path, retention_days=2) == [old]
    assert not old.exists() and new.exists()


# --- call records ---------------------------------------------------------------------------

def test_numbers_are_masked_but_for_the_last_four_digits():
    assert mask_number("+15551234567") == "********4567"
    assert mask_number("") == "" and mask_number("123") == "123"


@pytest.mark.parametrize("reason,hangup,kind", [
    ("goodbye played", "goodbye", "goodbye"), ("goodbye played", "idle", "idle"),
    ("goodbye (mark never echoed)", "gateway shutting down", "drain"), ("transfer", None, "transfer"),
    ("twilio stop (caller hung up)", None, "caller_hung_up"), ("caller hung up (socket closed)", None, "caller_hung_up"),
    ("error: RuntimeError", None, "error"), ("gateway shutting down", None, "drain"),
])
def test_how_a_call_ended(reason, hangup, kind):
    assert ending_of(reason, hangup) == kind


def test_records_expire_and_transcripts_are_the_spoken_text_only():
    registry = CallRegistry(record_ttl_secs=60)
    record = CallRecord("CA" + "2" * 32, from_number="+15551234567")
    registry.start(record)
    registry.end(record.call_sid, "goodbye played")
    assert registry.record(record.call_sid) is record
    assert registry.record(record.call_sid, now=record.ended_at + 61) is None
    assert registry.record(record.call_sid) is None  # forgotten
    assert transcript([{"role": "system", "content": "x"}, {"role": "user", "content": "hi"},
                       {"role": "user", "content": "The caller pressed 0 on the keypad: repeat"},
                       {"role": "assistant", "content": "Hello."}, {"role": "tool", "content": "{}"}]) == [
        {"role": "caller", "text": "hi"}, {"role": "bot", "text": "Hello."}]


class _NoResources:
    def describe(self):
        return {}

    def flights(self):
        return {}


def test_get_call_needs_a_key_and_a_known_sid():
    settings = Settings(_env_file=None, gateway_api_keys="k1")
    app = create_app(settings, _NoResources())
    sid = "CA" + "3" * 32
    with TestClient(app) as client:
        record = CallRecord(sid, to_number="+15559870000", from_number="+15551234567")
        app.state.registry.start(record)
        record.details = {"turns": [{"latency_ms": 800.0}]}
        app.state.registry.end(sid, "goodbye played")
        assert client.get(f"/calls/{sid}").status_code == 401
        assert client.get(f"/calls/{sid}", headers={"Authorization": "Bearer nope"}).status_code == 401
        auth = {"Authorization": "Bearer k1"}
        assert client.get(f"/calls/CA{'4' * 32}", headers=auth).status_code == 404
        assert client.get("/calls/not-a-sid", headers=auth).status_code == 404
        body = client.get(f"/calls/{sid}", headers=auth).json()
        assert body["from"] == "********4567" and body["to"] == "********0000"
        assert body["turns"] == [{"latency_ms": 800.0}] and body["end_reason"] == "goodbye played"


def test_whisper_webhook_says_the_text_to_the_agent():
    settings = Settings(_env_file=None)  # no auth token: signatures are not checked here
    with TestClient(create_app(settings, _NoResources())) as client:
        r = client.post("/twilio/whisper?text=Call+from+the+flight+desk.&language=de", data={"CallSid": "CA" + "5" * 32})
        say = ET.fromstring(r.text).find("Say")
        assert r.status_code == 200 and say.text == "Call from the flight desk." and say.get("language") == "de-DE"


async def test_interruptions_are_real_with_words_and_false_without():
    clears = [0]
    counter = InterruptionCounter(lambda: clears[0])

    class Said:
        def __init__(self, content):
            self.content = content

    for content, cleared in (("wait, no, Tuesday", True), ("", True), ("", False), ("next Friday", False)):
        await counter.on_turn_started(None, None)
        clears[0] += int(cleared)
        await counter.on_turn_stopped(None, None, Said(content))
    assert counter.counts() == {"real": 1, "false": 1}


def test_the_shell_records_and_announces_it_only_with_record_calls(tmp_path):
    from flights.chain import ProviderChain
    from flights.timetable import TimetableProvider
    from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor
    from pipelines.contract import CallInfo
    from pipelines.shell import Resources, build_call
    from tests.test_shell import RulesOnlyProfile, RulesOnlySettings

    profile = RulesOnlyProfile()
    resources = Resources(profile=profile, core=profile.load(RulesOnlySettings(_env_file=None)),
                          flight_search=ProviderChain([TimetableProvider()]), number_languages={})
    call = CallInfo(call_sid="CA" + "6" * 32, stream_sid="MZ" + "6" * 32, language="fr", parameters={"language": "fr"})
    off = build_call(call, None, Settings(_env_file=None, recordings_dir=str(tmp_path)), resources, on_event=None)
    assert off.recorder is None
    assert not any(isinstance(p, AudioBufferProcessor) for p in off.pipeline.processors)
    assert off.user_aggregator._params.user_idle_timeout == 8.0
    on = build_call(call, None, Settings(_env_file=None, record_calls=True, recordings_dir=str(tmp_path),
                                         idle_reprompt_secs=3), resources, on_event=None)
    processors = on.pipeline.processors
    assert processors.index(on.recorder.processor) == processors.index(on.transport.output()) + 1
    assert on.greeting[0].text == phrase("fr", "recording_notice")
    assert [f.text for f in on.greeting[1:]] == [f.text for f in off.greeting]
    assert on.user_aggregator._params.user_idle_timeout == 3
    # no TRANSFER_NUMBER / no Twilio REST: the tool reports "unavailable"
    assert on.call_tools.transfer_available is False
