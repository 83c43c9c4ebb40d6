"""Recognition per language on the held-out fixture set, end to end: Whisper STT as the gateway runs it + the rule dialogue.

Default (``--split held_out``): every held-out rendering of :mod:`testkit.fixture_set`
(30 utterances × 8 renderings; audio rendered into ``.cache/fixture-set/`` on first use) is
upsampled to 16 kHz and transcribed by :class:`processors.whisper_stt.SharedWhisperSTTService`
itself (a fresh instance per turn, over one shared Whisper model: detection restricted to the six
languages, greedy decoding). Then, like a call:

- the STT is told the call is in the utterance's ``call_language`` (the gateway's ``CallLanguage``:
  an unsure detection in another language gets a second decode in it; ``--second-decode off``
  compares without);
- the language-switch rule as it stands (:class:`processors.language_switch.LanguageDecider`, the
  call starting in the utterance's ``call_language``) decides on the evidence the gateway's
  processor weighs (:func:`processors.language_switch.segment_evidence`: acoustic, text and
  dialogue fused);
- a :class:`dialogue.policy.FlightDialogue` (today fixed at the set's ``today``) hears the scripted
  context turns, switches language if the rule said so, then the transcript; its slots are compared
  with the labels.

Printed per language:

- **language right**: detected == utterance language, over turns of ≥ 3 words (reference text);
- **slots right**: origin, destination and departure date all equal the labels after the turn
  (a metro code matches any of its airports); ``text`` is the same with the reference text in
  place of the transcript (the parser's ceiling);
- **wrong place**: turns where a slot holds a place other than the label (false matches);
- **switch at once**: switch turns (``call_language`` differs) the rule switches on this turn alone;
  **would switch a call in another language**: every turn of ≥ 3 words, as if the call were in
  English (Spanish for English turns) — the rule switches to the turn's language on it alone (the
  transcript is the one decoded for the utterance's own call, so a second decode that a call in
  the other language would have tried is not in it);
  **false switch**: same-language turns that would switch.

``--temperature`` compares decoding policies (:data:`POLICIES`): ``fallback`` (faster-whisper's
default temperatures 0.0, 0.2 … 1.0: the window is decoded again at the next one while avg log-prob
< −1.0 or compression ratio > 2.4), ``one-step`` (0.0 then 0.2), ``greedy`` (0.0 only) and
``greedy-capped`` (0.0 only, at most 20 tokens per second of audio + 16, the gateway's;
``greedy-capped-12``: 12 per second); each prints STT time per
turn p50/p95/max and how many turns needed a fallback.

``--bias`` compares decoding without and with the dialogue's expected vocabulary as Whisper's
prompt (:class:`processors.stt_vocabulary.ExpectedVocabulary`). ``--split tuning`` is for tuning;
figures reported in the README come from ``held_out``. ``--fixtures`` runs the older per-WAV
overlap table over ``tests/fixtures/*.wav``.

Usage: ``python bench/recognition.py [--split held_out|tuning] [--bias off|on|both] [--beam 1 5] [--temperature greedy fallback] [--lead-ms 0 250 600] [--limit N]
[--lang es] [--kind switch] [-v]``. Run time: 240 turns × ~0.5–0.8 s per decoding on 2 shared cores (~3–6 min per
bias setting).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import soxr  # noqa: E402
from loguru import logger  # noqa: E402

from dialogue.policy import FlightDialogue  # noqa: E402
from flights.airports import METROS  # noqa: E402
from flights.languages import SUPPORTED_LANGUAGES  # noqa: E402
from pipelines.models import load_local_models  # noqa: E402
from processors.language_switch import (  # noqa: E402
    CONFIDENT_PROBABILITY,
    MIN_WORDS,
    LanguageDecider,
    count_words,
    segment_evidence,
)
from processors.stt_vocabulary import ExpectedVocabulary  # noqa: E402
from processors.whisper_stt import (  # noqa: E402
    MAX_NEW_TOKENS,
    MAX_TOKENS_PER_SEC,
    SECOND_DECODE_BUDGET_SECS,
    TOKEN_ALLOWANCE,
    SharedWhisperSTTService,
)
from testkit import fixture_set as fs  # noqa: E402
from testkit.words import overlap  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
#: the gateway's no_repeat_ngram_size (``--no-repeat`` compares others)
DEFAULT_NO_REPEAT = 0
#: decoding policies --temperature compares: SharedWhisperSTTService(temperatures=…, max_tokens_per_sec=…)
POLICIES: dict[str, tuple[tuple[float, ...], float | None]] = {
    "fallback": ((0.0, 0.2, 0.4, 0.6, 0.8, 1.0), None),  # faster-whisper 1.2.1's default
    "one-step": ((0.0, 0.2), None),
    "greedy": ((0.0,), None),
    "greedy-capped": ((0.0,), MAX_TOKENS_PER_SEC),  # the gateway's
    "greedy-capped-12": ((0.0,), 12.0),
}


def place_ok(place, expected: str | None) -> bool:
    """Whether a dialogue slot holds the labelled place (``None`` == empty)."""
    if expected is None or place is None:
        return expected is None and place is None
    codes = {place.code, *place.airports}
    return expected in codes or bool(codes & set(METROS.get(expected, ("", "", ()))[2]))


@dataclass
class Outcome:
    rendering: str
    language: str
    kind: str
    words: int
    detected: str
    probability: float
    transcript: str
    slots_right: bool
    origin_right: bool
    destination_right: bool
    date_right: bool
    wrong_place: bool
    is_switch: bool
    switched: bool  # the rule switched to the utterance's language on this turn
    any_switch: bool  # the rule switched to any language on this turn
    switch_from_other: bool  # in a call in another language (es for en, else en), this turn alone switches
    secs: float
    temperature: float  # the highest temperature the decode needed (> 0: a fallback ran)
    second_kept: bool = False  # the STT kept its second decode (another language than detected)


def run_dialogue(u: fs.Utterance, text: str, switch_to: str | None, today: date):
    d = FlightDialogue(u.call_lang, today=today)
    d.greeting()
    for turn in u.context:
        d.handle_user(turn)
    if switch_to:
        d.switch_language(switch_to)
    d.handle_user(text)
    s = d.slots
    o, dst = place_ok(s.origin, u.origin), place_ok(s.destination, u.destination)
    dt = (s.departure_date.isoformat() if s.departure_date else None) == u.date
    wrong = (s.origin is not None and not o) or (s.destination is not None and not dst)
    return o, dst, dt, wrong, d


def _dialogue_after_context(u: fs.Utterance, today: date) -> FlightDialogue:
    d = FlightDialogue(u.call_lang, today=today)
    d.greeting()
    for turn in u.context:
        d.handle_user(turn)
    return d


async def transcribe(model, r: fs.Rendering, u: fs.Utterance, bias: bool, today: date,
                     beam: int = 1, lead_ms: int = 0, policy: str = "greedy", second: bool = True,
                     no_repeat: int = 0):
    audio, rate = sf.read(str(r.path), dtype="float32")
    audio16 = np.concatenate([np.zeros(lead_ms * 16, dtype=np.float32), soxr.resample(audio, rate, 16000)])
    pcm = (np.clip(audio16, -1, 1) * 32767).astype("<i2").tobytes()
    vocab = ExpectedVocabulary(_dialogue_after_context(u, today)) if bias else None
    stt = SharedWhisperSTTService(model=model, allowed_languages=list(SUPPORTED_LANGUAGES), vocabulary=vocab,
                                  beam_size=beam, temperatures=POLICIES[policy][0],
                                  max_tokens_per_sec=POLICIES[policy][1],
                                  # the call is in the utterance's call language, as the gateway's CallLanguage says
                                  call_language=lambda: u.call_lang,
                                  second_decode_budget_secs=SECOND_DECODE_BUDGET_SECS if second else None,
                                  no_repeat_ngram_size=no_repeat)
    stt._load()  # outside a pipeline: borrow the shared model now (StartFrame would do it)
    started = time.perf_counter()
    transcript = None
    async for frame in stt.run_stt(pcm):
        if getattr(frame, "text", None) is not None:
            transcript = frame
    return transcript, time.perf_counter() - started, stt.second_decodes_kept


async def run_set(model, rs: list[fs.Rendering], bias: bool, today: date, verbose: bool,
                  beam: int = 1, leads_ms: tuple[int, ...] = (0,),
                  policy: str = "greedy", second: bool = True, no_repeat: int = 0) -> list[Outcome]:
    out = []
    for r, lead in ((r, lead) for r in rs for lead in leads_ms):
        u = fs.BY_ID[r.utterance]
        frame, secs, kept = await transcribe(model, r, u, bias, today, beam, lead, policy, second, no_repeat)
        text, lang, prob, temperature = "", "", 0.0, 0.0
        if frame is not None:
            text, lang = frame.text, frame.result.get("language") or ""
            prob = float(frame.result.get("language_probability") or 0.0)
            temperature = float(frame.result.get("temperature") or 0.0)
        # the evidence the gateway's LanguageSwitchProcessor weighs: fused, mixed against the call's language
        decision = (LanguageDecider(u.call_lang).evaluate(segment_evidence(frame, u.call_lang))
                    if frame is not None else None)
        switch_to = decision[0] if decision else None
        other_lang = "es" if u.language == "en" else "en"
        other = (LanguageDecider(other_lang).evaluate(segment_evidence(frame, other_lang))
                 if frame is not None else None)
        o, d, dt, wrong, _ = run_dialogue(u, text, switch_to, today)
        out.append(Outcome(r.stem, u.language, u.kind, count_words(u.text), lang, prob, text, o and d and dt,
                           o, d, dt, wrong, u.call_lang != u.language, switch_to == u.language, switch_to is not None,
                           bool(other and other[0] == u.language), secs, temperature, kept > 0))
        if verbose:
            print(f"{r.stem:32s} {lang:3s} {prob:.2f} {secs:5.2f}s t={temperature:.1f} {'S' if o and d and dt else '.'}"
                  f"{'o' if o else '-'}{'d' if d else '-'}{'t' if dt else '-'}{' WRONG' if wrong else ''}"
                  f"{' switch' if switch_to else ''}{' 2nd' if kept else ''}  {text}", flush=True)
    return out


def text_ceiling(utterances: list[fs.Utterance], today: date) -> dict[str, list[bool]]:
    """Slots right with the reference text as the transcript (and the switch decided correctly)."""
    per: dict[str, list[bool]] = defaultdict(list)
    for u in utterances:
        switch_to = u.language if u.call_lang != u.language else None
        o, d, dt, _, _ = run_dialogue(u, u.text, switch_to, today)
        per[u.language].append(o and d and dt)
    return per


def pct(xs) -> str:
    xs = list(xs)
    return f"{100 * sum(xs) / len(xs):.0f} % ({sum(xs)}/{len(xs)})" if xs else "–"


def table(results: dict[str, list[Outcome]], ceiling: dict[str, list[bool]]) -> None:
    modes = list(results)
    head = ["language", "turns", "text-only slots"]
    for m in modes:
        head += [f"language right ({m})", f"slots right ({m})", f"o / d / date ({m})", f"wrong place ({m})",
                 f"switch at once ({m})", f"would switch a call in another language ({m})",
                 f"false switch ({m})"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for lang in SUPPORTED_LANGUAGES:
        rows = {m: [o for o in results[m] if o.language == lang] for m in modes}
        if not any(rows.values()):
            continue
        cells = [lang, str(len(rows[modes[0]])), pct(ceiling.get(lang, []))]
        for m in modes:
            rs = rows[m]
            cells += [
                pct(o.detected == lang for o in rs if o.words >= MIN_WORDS),
                pct(o.slots_right for o in rs),
                " / ".join(f"{100 * sum(getattr(o, a) for o in rs) / max(1, len(rs)):.0f}"
                           for a in ("origin_right", "destination_right", "date_right")),
                str(sum(o.wrong_place for o in rs)),
                pct(o.switched for o in rs if o.is_switch),
                pct(o.switch_from_other for o in rs if o.words >= MIN_WORDS),
                str(sum(o.any_switch for o in rs if not o.is_switch)),
            ]
        print("| " + " | ".join(cells) + " |")


async def bench_set(args) -> int:
    manifest = json.loads(fs.MANIFEST.read_text(encoding="utf-8"))
    if manifest != json.loads(json.dumps(fs.manifest())):
        print("tests/fixtures/fixture_set.json differs from the table: run testkit/fixture_set.py")
        return 1
    today = date.fromisoformat(manifest["today"])
    rs = fs.renderings(args.split)
    if args.lang:
        rs = [r for r in rs if fs.BY_ID[r.utterance].language in args.lang]
    if args.kind:
        rs = [r for r in rs if fs.BY_ID[r.utterance].kind in args.kind]
    if args.limit:
        # spread the limit over languages and conditions: every k-th rendering
        step = max(1, len(rs) // args.limit)
        rs = rs[::step][: args.limit]
    fs.ensure_audio(rs)
    model = load_local_models(args.model, ROOT / ".cache" / "models").whisper
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.bias]
    results: dict[str, list[Outcome]] = {}
    runs = ((bias, beam, temp, second, nr) for bias in modes for beam in args.beam for temp in args.temperature
            for second in args.second_decode for nr in args.no_repeat)
    for bias, beam, temp, second, nr in runs:
        name = (("prompt" if bias else "plain") + (f", beam {beam}" if len(args.beam) > 1 or beam != 1 else "")
                + (f", {temp}" if len(args.temperature) > 1 or temp != "greedy-capped" else "")
                + (f", second decode {second}" if len(args.second_decode) > 1 or second != "on" else "")
                + (f", no repeat {nr}" if len(args.no_repeat) > 1 or nr != DEFAULT_NO_REPEAT else ""))
        t0 = time.perf_counter()
        results[name] = await run_set(model, rs, bias, today, args.verbose, beam, tuple(args.lead_ms),
                                      temp, second == "on", nr)
        secs = [o.secs for o in results[name]]
        fell_back = sum(o.temperature > 0 for o in results[name])
        print(f"[{name}] {len(secs)} turns in {time.perf_counter() - t0:.0f} s; STT per turn p50 "
              f"{statistics.median(secs):.2f} s, p95 {np.percentile(secs, 95):.2f} s, max {max(secs):.2f} s; "
              f"{fell_back} turns needed a temperature fallback; "
              f"{sum(o.second_kept for o in results[name])} kept a second decode", flush=True)
    utterances = sorted({fs.BY_ID[r.utterance] for r in rs}, key=lambda u: u.id)
    print()
    print(f"split: {args.split}, {len(rs)} renderings of {len(utterances)} utterances, "
          f"leading silence {', '.join(map(str, args.lead_ms))} ms each")
    table(results, text_ceiling(utterances, today))
    return 0


def bench_fixtures(args) -> int:
    """The older table: word overlap and detection on tests/fixtures/*.wav, per ``--temperature`` policy
    (the last one's table is printed; each prints its decode time per WAV)."""
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    model = load_local_models(args.model, ROOT / ".cache" / "models").whisper
    for policy in args.temperature:
        temperatures, per_sec = POLICIES[policy]
        per_lang = _fixtures_table(model, manifest, temperatures, per_sec)
    print()
    print("| language | fixtures | word overlap (mean) | language right | detection p (mean / min) |")
    print("|---|---|---|---|---|")
    for lang in SUPPORTED_LANGUAGES:
        rows = per_lang.get(lang)
        if rows:
            print(f"| {lang} | {len(rows)} | {statistics.mean(r[0] for r in rows):.2f} | "
                  f"{sum(r[1] for r in rows)}/{len(rows)} | {statistics.mean(r[2] for r in rows):.2f} / "
                  f"{min(r[2] for r in rows):.2f} |")
    return 0


def _fixtures_table(model, manifest: dict, temperatures: tuple[float, ...], per_sec: float | None):
    per_lang: dict[str, list[tuple[float, bool, float, bool]]] = defaultdict(list)
    secs: list[float] = []
    print(f"{'fixture':28s} lang  det  p     overlap switch  transcript")
    for stem, entry in manifest.items():
        audio, rate = sf.read(str(FIXTURES / f"{stem}.wav"), dtype="float32")
        audio16 = soxr.resample(audio, rate, 16000).astype(np.float32)
        features = model.feature_extractor(audio16)
        _, _, probs = model.detect_language(features=features[..., :-1])
        lang, prob = next(((c, float(p)) for c, p in probs if c in SUPPORTED_LANGUAGES), ("", 0.0))
        started = time.perf_counter()
        max_new = None if per_sec is None else min(MAX_NEW_TOKENS, TOKEN_ALLOWANCE + int(per_sec * len(audio16) / 16000))
        segments, _ = model.transcribe(audio16, language=lang or None, beam_size=1, temperature=list(temperatures),
                                       max_new_tokens=max_new, condition_on_previous_text=False, vad_filter=False)
        segments = list(segments)
        secs.append(time.perf_counter() - started)
        hottest = max((s.temperature or 0.0 for s in segments), default=0.0)
        text = " ".join(s.text.strip() for s in segments).strip()
        score = overlap(entry["text"], text)
        right = lang == entry["language"]
        alone = right and prob >= CONFIDENT_PROBABILITY and count_words(text) >= MIN_WORDS
        per_lang[entry["language"]].append((score, right, prob, alone))
        print(f"{stem:28s} {entry['language']:5s} {lang:4s} {prob:.2f}  {score:.2f}    "
              f"{'yes' if alone else 'no ':4s} {secs[-1]:5.2f}s t={hottest:.1f}  {text}", flush=True)
    print(f"[temperatures {temperatures}, tokens/s {per_sec}] decode per WAV p50 {statistics.median(secs):.2f} s, "
          f"max {max(secs):.2f} s", flush=True)
    return per_lang


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("--split", choices=["held_out", "tuning"], default="held_out")
    ap.add_argument("--bias", choices=["off", "on", "both"], default="both",
                    help="Whisper prompt with the dialogue's expected vocabulary: without, with, or both")
    ap.add_argument("--beam", type=int, nargs="+", default=[1],
                    help="beam sizes to compare (1 = greedy, as the gateway decodes by default)")
    ap.add_argument("--temperature", nargs="+", choices=list(POLICIES), default=["greedy-capped"],
                    help="decoding policies to compare (greedy-capped: as the gateway decodes)")
    ap.add_argument("--lead-ms", type=int, nargs="+", default=[0],
                    help="decode each rendering once per leading silence (ms): the gateway's segments start "
                         "0-1000 ms before the speech, and greedy decoding is sensitive to where")
    ap.add_argument("--second-decode", nargs="+", choices=["on", "off"], default=["on"],
                    help="the STT's second decode in the fused or call language (on: as the gateway decodes)")
    ap.add_argument("--no-repeat", type=int, nargs="+", default=[DEFAULT_NO_REPEAT],
                    help="faster-whisper no_repeat_ngram_size values to compare (0 = off)")
    ap.add_argument("--lang", nargs="*", help="only these languages")
    ap.add_argument("--kind", nargs="*", help="only these utterance kinds (full, route, date, switch, ...)")
    ap.add_argument("--limit", type=int, help="at most N renderings (spread evenly over the set)")
    ap.add_argument("--fixtures", action="store_true", help="the per-WAV table over tests/fixtures/*.wav")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per turn")
    args = ap.parse_args(argv)
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    if args.fixtures:
        return bench_fixtures(args)
    return asyncio.run(bench_set(args))


if __name__ == "__main__":
    sys.exit(main())
