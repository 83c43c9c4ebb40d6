"""The shared call shell around a profile that is not `local`: the contract is all a profile needs.

The stand-in profile below is what a new profile module looks like: its own settings class, typed
resources with ``describe()``, and a core (here the rule brain, with no STT or TTS: no models load).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pipecat.frames.frames import InputAudioRawFrame, TranscriptionFrame, TTSSpeakFrame, UserStartedSpeakingFrame
from pipecat.processors.aggregators.llm_response_universal import LLMUserAggregatorParams
from pipecat.processors.filters.function_filter import FunctionFilter
from pipecat.tests.utils import run_test
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from flights.chain import ProviderChain
from flights.timetable import TimetableProvider
from gateway.settings import Settings
from pipelines.contract import CallInfo, CallSetup, MissingSettingError, Profile, ProfileCore, require
from pipelines.settings import ROOM_SETTINGS_CONFIG
from pipelines.shell import Resources, build_call, drop_caller_audio
from processors.call_marks import CallMarksProcessor
from dialogue.policy import FlightDialogue
from processors.flight_tool import FlightToolProcessor
from processors.language_switch import LanguageSwitchProcessor
from processors.local_brain import LocalBrainService


class RulesOnlySettings(BaseSettings):
    model_config = ROOM_SETTINGS_CONFIG
    rules_only_key: SecretStr | None = None


@dataclass
class RulesOnlyResources:
    loaded: bool = True

    def describe(self) -> dict[str, Any]:
        return {"brain": "rules"}


class RulesOnlyProfile(Profile[RulesOnlySettings, RulesOnlyResources]):
    name = "rules-only"
    audio_in_hz = 16000
    audio_out_hz = 8000
    settings_class = RulesOnlySettings

    def check(self, settings: RulesOnlySettings) -> None:
        require(settings, "rules_only_key", profile=self.name)

    def load(self, settings: RulesOnlySettings) -> RulesOnlyResources:
        return RulesOnlyResources()

    def build_core(self, setup: CallSetup, settings: RulesOnlySettings, resources: RulesOnlyResources) -> ProfileCore:
        brain = LocalBrainService(dialogue=FlightDialogue(language=setup.language.current), language=setup.language)
        # External turn strategies: the default ones would load Smart Turn's ONNX model.
        return ProfileCore(llm=brain, user_params=LLMUserAggregatorParams(user_turn_strategies=ExternalUserTurnStrategies()),
                           greeting=[TTSSpeakFrame(brain.greeting())])


def test_check_names_the_missing_variable():
    with pytest.raises(MissingSettingError, match="RULES_ONLY_KEY"):
        RulesOnlyProfile().check(RulesOnlySettings(_env_file=None))
    RulesOnlyProfile().check(RulesOnlySettings(_env_file=None, rules_only_key="k"))


def test_shell_builds_a_typed_call_around_any_profile():
    profile = RulesOnlyProfile()
    resources = Resources(profile=profile, core=profile.load(RulesOnlySettings(_env_file=None)),
                          flight_search=ProviderChain([TimetableProvider()]),
                          number_languages={"+34911234567": "es"})
    call = CallInfo(call_sid="CA1", stream_sid="MZ1", to_number="+34911234567")
    built = build_call(call, None, Settings(_env_file=None), resources, on_event=None)

    assert (built.language.current, built.language.source) == ("es", "number")
    assert all(built.core.llm.has_function(n) for n in ("search_flights", "end_call", "transfer_call"))
    tools = [t.name for t in built.context.tools.standard_tools]
    assert tools == ["search_flights", "end_call", "transfer_call"]
    order = [type(p) for p in built.pipeline.processors[1:-1]]
    # no STT/TTS in this core: the shell's processors around the brain, in order
    assert order.index(LanguageSwitchProcessor) < order.index(type(built.user_aggregator)) \
        < order.index(LocalBrainService) < order.index(FlightToolProcessor) < order.index(CallMarksProcessor)
    assert built.flight_tool.language == "es" and built.marks is built.pipeline.processors[-4]
    assert [f.text for f in built.greeting] == [FlightDialogue(language="es").greeting()]
    assert resources.describe() == {"brain": "rules"} and "providers" in resources.flights()


def _rules_only_call(settings: Settings):
    profile = RulesOnlyProfile()
    resources = Resources(profile=profile, core=profile.load(RulesOnlySettings(_env_file=None)),
                          flight_search=ProviderChain([TimetableProvider()]), number_languages={})
    return build_call(CallInfo(call_sid="CA2", stream_sid="MZ2"), None, settings, resources, on_event=None)


def test_caller_audio_stops_behind_the_user_aggregator_unless_recorded(tmp_path):
    built = _rules_only_call(Settings(_env_file=None))
    procs = list(built.pipeline.processors)
    behind = procs[procs.index(built.user_aggregator) + 1]
    assert isinstance(behind, FunctionFilter)
    recorded = _rules_only_call(Settings(_env_file=None, record_calls=True, recordings_dir=str(tmp_path)))
    assert not [p for p in recorded.pipeline.processors if isinstance(p, FunctionFilter)]


async def test_the_caller_audio_filter_passes_every_other_frame():
    audio = InputAudioRawFrame(audio=b"\x00\x00" * 320, sample_rate=16000, num_channels=1)
    down, _ = await run_test(drop_caller_audio(), frames_to_send=[
        audio, UserStartedSpeakingFrame(), TranscriptionFrame("Hi", "u", "t"), TTSSpeakFrame("Hello")])
    assert [type(f) for f in down] == [UserStartedSpeakingFrame, TranscriptionFrame, TTSSpeakFrame]
