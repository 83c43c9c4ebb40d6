"""Recognition per language on the WAV fixtures: word overlap and language detection, as the gateway hears them.

Each fixture (8 kHz phone audio) is upsampled to 16 kHz and run through the same path as a call:
:class:`processors.whisper_stt.SharedWhisperSTTService`'s detection restricted to the supported
languages (en es fr de it pt) on the shared Whisper model (trimmed encoder window, greedy decoding),
then transcription in the detected language. Printed per fixture and per language:

- word overlap: share of the reference words (``manifest.json``) found in the transcript;
- language right: detected language == fixture language;
- detection probability (what :class:`processors.language_switch.LanguageSwitchProcessor` sees);
- would switch alone: the turn alone passes the switch rule (p >= 0.8 and >= 3 words).

Usage: ``python bench/recognition.py [--model base] [STEM ...]`` (about 1 s per fixture on 2 cores).

With ``--calls N`` it measures the same thing through the phone path instead, as a success rate: it
starts a gateway (``python -m gateway serve``) and places N real-time simulated calls, each
"I want to fly from Boston." → "Hola, quiero ir a Roma el quince de abril, por favor." → "Now
search from Miami to Atlanta tomorrow." → "That's all, thank you. Goodbye." (the WAV fixtures), and
prints per call and in total how many switched to Spanish on the Spanish turn, how many heard the
date (the Boston → Rome search ran), how many switched back to English, and how many did all three.
The switch logic itself is tested turn by turn in ``tests/test_language_pipeline.py``; this is how
often real (synthetic) audio gets it there. About 40 s per call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import soxr  # noqa: E402

from flights.languages import SUPPORTED_LANGUAGES  # noqa: E402
from pipelines.models import load_local_models  # noqa: E402
from processors.language_switch import CONFIDENT_PROBABILITY, MIN_WORDS, count_words  # noqa: E402
from testkit.server import GatewayServer, fixture  # noqa: E402
from testkit.words import overlap  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def detect_and_transcribe(model, audio16: np.ndarray) -> tuple[str, float, str]:
    """(language, probability, text) the way SharedWhisperSTTService computes them."""
    features = model.feature_extractor(audio16)
    _, _, probs = model.detect_language(features=features[..., :-1])
    lang, prob = next(((c, float(p)) for c, p in probs if c in SUPPORTED_LANGUAGES), (None, 0.0))
    segments, _ = model.transcribe(audio16, language=lang, beam_size=1, condition_on_previous_text=False,
                                   vad_filter=False)
    return lang or "", prob, " ".join(s.text.strip() for s in segments).strip()


CALL_TURNS = ("en_origin_only", "es_rome_date", "en_new_search", "en_goodbye")


def call_log(log: str, call_sid: str) -> str:
    """The gateway log lines from this call's start to its end (the calls run one after another)."""
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if call_sid[:10] in line and "call started" in line), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(lines)) if call_sid[:10] in lines[i] and "call ended" in lines[i]),
               len(lines) - 1)
    return "\n".join(lines[start:end + 1])


def spanish_calls(n: int) -> int:
    """``--calls N``: the en → es → en call N times through a real gateway; prints the success rates."""
    from gateway.caller import SimulatedCaller, Turn

    server = GatewayServer(env={"LOG_LEVEL": "DEBUG", "WHISPER_MODEL": "base"})
    counts = {"switched to es": 0, "heard the date": 0, "back to en": 0, "all three": 0}
    print(f"{'call':5s} {'switch':7s} {'date':5s} {'back':5s} heard (Spanish turn)")
    try:
        for i in range(1, n + 1):
            turns = [Turn(fixture(stem)) for stem in CALL_TURNS]
            params = {"From": "+15551230000", "To": "+15559870000", "language": "en"}
            result = asyncio.run(SimulatedCaller(server.ws_url, turns, parameters=params).run())
            log = call_log(server.log(), result.call_sid)
            switched = "language switch en -> es" in log
            dated = "search_flights BOS->ROM" in log
            back = "language switch es -> en" in log
            heard = [m[1] for m in re.findall(r"heard: (['\"])(.*?)\1$", log, re.M)]
            spanish = heard[1] if len(heard) > 1 else "?"
            for key, ok in (("switched to es", switched), ("heard the date", dated), ("back to en", back),
                            ("all three", switched and dated and back)):
                counts[key] += ok
            print(f"{i:<5d} {'yes' if switched else 'no':7s} {'yes' if dated else 'no':5s} "
                  f"{'yes' if back else 'no':5s} {spanish}")
            sys.stdout.flush()
    finally:
        server.stop()
    print()
    for key, k in counts.items():
        print(f"{key:16s} {k}/{n} ({k / n:.0%})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("--calls", type=int, default=0,
                    help="place N real-time en→es→en calls through a gateway instead of reading the fixtures")
    ap.add_argument("stems", nargs="*")
    args = ap.parse_args(argv)
    if args.calls:
        return spanish_calls(args.calls)
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    stems = args.stems or list(manifest)
    model = load_local_models(args.model, ROOT / ".cache" / "models").whisper

    per_lang: dict[str, list[tuple[float, bool, float, bool]]] = defaultdict(list)
    print(f"{'fixture':28s} lang  det  p     overlap switch  transcript")
    for stem in stems:
        entry = manifest[stem]
        audio, rate = sf.read(str(FIXTURES / f"{stem}.wav"), dtype="float32")
        audio16 = soxr.resample(audio, rate, 16000).astype(np.float32)
        lang, prob, text = detect_and_transcribe(model, audio16)
        score = overlap(entry["text"], text)
        right = lang == entry["language"]
        alone = right and prob >= CONFIDENT_PROBABILITY and count_words(text) >= MIN_WORDS
        per_lang[entry["language"]].append((score, right, prob, alone))
        print(f"{stem:28s} {entry['language']:5s} {lang:4s} {prob:.2f}  {score:.2f}    "
              f"{'yes' if alone else 'no ':4s}    {text}")
        sys.stdout.flush()

    print()
    print("| language | fixtures | word overlap (mean) | language right | detection p (mean / min) | switch on one turn |")
    print("|---|---|---|---|---|---|")
    for lang in SUPPORTED_LANGUAGES:
        rows = per_lang.get(lang)
        if not rows:
            continue
        print(f"| {lang} | {len(rows)} | {statistics.mean(r[0] for r in rows):.2f} | "
              f"{sum(r[1] for r in rows)}/{len(rows)} | {statistics.mean(r[2] for r in rows):.2f} / "
              f"{min(r[2] for r in rows):.2f} | {sum(r[3] for r in rows)}/{len(rows)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
