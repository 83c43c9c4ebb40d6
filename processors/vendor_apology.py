"""A spoken "our voice service is unavailable" when the cloud vendor that speaks is gone mid-call.

In the ``realtime`` profile the voice *is* the vendor: when OpenAI rejects the key on reconnect
(HTTP 401 on the WebSocket upgrade, after the session was closed with an ``error`` event) nothing
in the pipeline can synthesise speech, and the caller would hear silence until the hang-up. So the
apology is **pre-rendered**: one short clip per supported language, the catalog message
``vendor_unavailable`` (``dialogue/locale/<lang>/LC_MESSAGES/dialogue.po``) spoken by espeak-ng
(the local profile's voice for non-English languages) and stored as 8 kHz mono PCM16 WAV in
``processors/clips/`` (~40 KB each). :func:`apology_frames` turns a clip into the frames a TTS
would push (``TTSStartedFrame``, audio, ``TTSStoppedFrame``), so the shell's marks and the hang-up
after the last mark work as for any goodbye.

``clips/manifest.json`` records the text each clip says; :func:`stale_clips` names the languages
whose catalog text changed since (the unit tests fail then), and
``python -m processors.vendor_apology`` re-renders them (needs the Debian package ``espeak-ng``).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import soxr
from pipecat.frames.frames import Frame, TTSAudioRawFrame, TTSStartedFrame, TTSStoppedFrame

from dialogue.phrases import phrase
from flights.languages import SUPPORTED_LANGUAGES, normalize_language
from processors.local_tts import ESPEAK_VOICES

KEY = "vendor_unavailable"
CLIPS_DIR = Path(__file__).resolve().parent / "clips"
MANIFEST = CLIPS_DIR / "manifest.json"
CLIP_HZ = 8000


def clip_path(language: str) -> Path:
    return CLIPS_DIR / f"{KEY}-{language}.wav"


@lru_cache(maxsize=None)
def clip_pcm(language: str | None) -> bytes:
    """The apology in ``language`` (English for an unsupported code) as 8 kHz mono PCM16.

    Raises:
        FileNotFoundError: the clip was not rendered (``python -m processors.vendor_apology``).
    """
    code = normalize_language(language or "") or "en"
    with wave.open(str(clip_path(code)), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (CLIP_HZ, 1, 2):
            raise ValueError(f"{clip_path(code)} is not {CLIP_HZ} Hz mono PCM16")
        return w.readframes(w.getnframes())


def apology_frames(language: str | None, sample_rate: int = CLIP_HZ) -> list[Frame]:
    """``[TTSStartedFrame, TTSAudioRawFrame, TTSStoppedFrame]`` speaking the clip at ``sample_rate`` Hz."""
    pcm = clip_pcm(language)
    if sample_rate != CLIP_HZ:
        pcm = soxr.resample(np.frombuffer(pcm, np.int16), CLIP_HZ, sample_rate).astype(np.int16).tobytes()
    return [TTSStartedFrame(), TTSAudioRawFrame(audio=pcm, sample_rate=sample_rate, num_channels=1),
            TTSStoppedFrame()]


def stale_clips() -> list[str]:
    """Languages whose clip is missing or says other words than the catalog's ``vendor_unavailable``."""
    said = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    return [code for code in SUPPORTED_LANGUAGES
            if said.get(code) != phrase(code, KEY) or not clip_path(code).exists()]


def render(language: str) -> bytes:
    """espeak-ng's rendering of the catalog text, as 8 kHz mono PCM16 (``subprocess`` errors raise)."""
    wav = subprocess.run(["espeak-ng", "--stdout", "-s", "170", "-v", ESPEAK_VOICES[language],
                          phrase(language, KEY)], check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav), "rb") as w:
        rate = w.getframerate()
        # espeak-ng writes a streaming header (frame count 0xFFFFFFFF): read the data as it is
        samples = np.frombuffer(wav[44:], np.int16)
    pcm = soxr.resample(samples, rate, CLIP_HZ).astype(np.int16)
    loud = np.flatnonzero(np.abs(pcm) > 300)  # trim espeak's leading/trailing silence, keep 50 ms
    if len(loud):
        pcm = pcm[max(0, loud[0] - CLIP_HZ // 20):loud[-1] + CLIP_HZ // 20]
    return pcm.tobytes()


def main() -> int:
    CLIPS_DIR.mkdir(exist_ok=True)
    said = {}
    for code in SUPPORTED_LANGUAGES:
        pcm = render(code)
        with wave.open(str(clip_path(code)), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(CLIP_HZ)
            w.writeframes(pcm)
        said[code] = phrase(code, KEY)
        print(f"{clip_path(code).name}: {len(pcm) / 2 / CLIP_HZ:.1f} s")
    MANIFEST.write_text(json.dumps(said, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
