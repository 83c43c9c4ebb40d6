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
"""

from __future__ import annotations

import argparse
import json
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
from tests.fixtures.make_fixtures import overlap  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def detect_and_transcribe(model, audio16: np.ndarray) -> tuple[str, float, str]:
    """(language, probability, text) the way SharedWhisperSTTService computes them."""
    features = model.feature_extractor(audio16)
    _, _, probs = model.detect_language(features=features[..., :-1])
    lang, prob = next(((c, float(p)) for c, p in probs if c in SUPPORTED_LANGUAGES), (None, 0.0))
    segments, _ = model.transcribe(audio16, language=lang, beam_size=1, condition_on_previous_text=False,
                                   vad_filter=False)
    return lang or "", prob, " ".join(s.text.strip() for s in segments).strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("stems", nargs="*")
    args = ap.parse_args(argv)
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
