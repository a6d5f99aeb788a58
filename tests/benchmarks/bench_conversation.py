"""`make bench`: how fast the assistant answers, measured against the real servers.

Prints p50/p95/max latency of /model/parse and of a full REST turn (NLU, policies,
action server, tracker store on SQLite), the safety matcher's and the sourcing guard's
own cost per message, how long the Rasa server takes to start with the model, and its
resident memory with the model loaded (issue 10's floor: 1.8 GB).
Numbers, not pass/fail: compare them between changes on the same machine.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.safety.detector import CrisisDetector
from bot.safety.sourcing import SourcingDetector
from tests.paths import (CRISIS_MESSAGES, CRISIS_PATTERNS, HARD_NEGATIVES, ROOT, SOURCING, SOURCING_PATTERNS,
                         SPACY_MODEL, read_messages)
from tests.stack import running_stack

MODEL = ROOT / "models" / "current.tar.gz"
QUESTIONS = [
    "what is ptsd", "what happens in an mdma session", "is mdma therapy legal in the us",
    "how can i help my husband with nightmares", "what are integration sessions", "hi", "thanks",
]
ROUNDS = 20


def percentiles(samples_ms):
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms   (n={len(ordered)})"


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    messages = read_messages(CRISIS_MESSAGES) + read_messages(HARD_NEGATIVES)
    detector = CrisisDetector.from_files(SPACY_MODEL, CRISIS_PATTERNS)
    matcher_ms = [timed(lambda m=m: detector.assess(m)) for m in messages * 5]
    sourcing = SourcingDetector.from_files(SPACY_MODEL, SOURCING_PATTERNS)
    sourcing_messages = read_messages(SOURCING / "dev_requests.txt") + read_messages(SOURCING / "dev_legitimate.txt")
    guard_ms = [timed(lambda m=m: sourcing.assess(m)) for m in sourcing_messages * 5]
    with running_stack(MODEL, Path(tempfile.mkdtemp())) as stack:
        stack.say("bench-warmup", "hello")
        started_in, resident_mb = stack.rasa_start_seconds, stack.rasa_resident_mb()
        parse_ms = [timed(lambda q=q: stack.parse(q)) for _ in range(ROUNDS) for q in QUESTIONS]
        turn_ms = [timed(lambda i=i, q=q: stack.say(f"bench-{i}", q)) for i in range(ROUNDS) for q in QUESTIONS]
        crisis_ms = [timed(lambda i=i: stack.say(f"bench-crisis-{i}", "i want to end my life")) for i in range(ROUNDS)]
        resident_after_mb = stack.rasa_resident_mb()
    print(f"Rasa server start with the model: {started_in:.1f} s")
    print(f"Rasa server resident memory: {resident_mb:.0f} MB after start, {resident_after_mb:.0f} MB after the run")
    print("safety matcher alone      ", percentiles(matcher_ms))
    print("sourcing guard alone      ", percentiles(guard_ms))
    print("/model/parse              ", percentiles(parse_ms))
    print("REST turn, FAQ/small talk ", percentiles(turn_ms))
    print("REST turn, crisis protocol", percentiles(crisis_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
