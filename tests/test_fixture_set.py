"""The labelled fixture set (testkit/fixture_set.py): size, split rule and committed manifest."""

from __future__ import annotations

import json
from collections import Counter

from testkit import fixture_set as fs


def test_committed_manifest_matches_the_table():
    assert json.loads(fs.MANIFEST.read_text(encoding="utf-8")) == json.loads(json.dumps(fs.manifest()))


def test_every_language_has_ten_utterances_in_two_voices_two_speeds_two_noise_levels():
    assert Counter(u.language for u in fs.UTTERANCES) == {lang: 10 for lang in fs.LANGUAGES}
    for u in fs.UTTERANCES:
        combos = {(r.voice, r.speed, r.noise) for r in fs.renderings() if r.utterance == u.id}
        assert len(combos) == 8 and len({c[0] for c in combos}) == 2


def test_split_is_half_per_language_and_keeps_an_utterance_in_one_half():
    for lang in fs.LANGUAGES:
        halves = Counter(fs.split_of(u.id) for u in fs.UTTERANCES if u.language == lang)
        assert halves == {"tuning": 5, "held_out": 5}
    held = {r.utterance for r in fs.renderings("held_out")}
    tuning = {r.utterance for r in fs.renderings("tuning")}
    assert held and tuning and not held & tuning
    assert len(fs.renderings("held_out")) + len(fs.renderings("tuning")) == len(fs.renderings()) == 480


def test_labels_are_consistent():
    for u in fs.UTTERANCES:
        assert u.language in fs.LANGUAGES and u.call_lang in fs.LANGUAGES
        assert (u.kind == "switch") == (u.call_lang != u.language)
        assert all(len(code) == 3 and code.isupper() for code in (u.origin, u.destination) if code)
