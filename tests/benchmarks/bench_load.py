"""`make bench`: a person in crisis while another visitor floods (issue 12: within 1.5x of idle).

Against the real Rasa and action servers on SQLite, through the widget's own channel
(socket.io). The crisis turn is timed from the message sent to the reply with the
crisis lines, each from a new conversation; first with the server idle, then while one visitor sends as
fast as a script can (every 10 ms, far above what the channel admits from one sender,
bot/rasa_side/channels/sender_limits.py). Prints p50/p95 of both, the ratio of the p95s,
and how much of the flood the channel admitted. Same process, same server, one after the
other, so the ratio compares like with like.
"""
from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.bench_conversation import MODEL, percentiles
from tests.integration.conftest import CLINIC_ENV
from tests.stack import running_stack
from tests.web_visitor import WebVisitor

CRISIS = "i want to end my life tonight"
# A crisis line of CLINIC_ENV: only the crisis protocol says it (the welcome gives the emergency number too).
CRISIS_LINE = "116 123"
ROUNDS = 15


def crisis_turn_ms(rasa_url: str) -> float:
    visitor = WebVisitor(rasa_url)
    try:
        start = time.perf_counter()
        visitor.send(CRISIS)
        # Until the crisis lines are on screen (the welcome of a new conversation comes first).
        while True:
            [reply] = visitor.received(timeout=60) or [None]
            assert reply is not None, "no crisis lines in answer to a crisis message"
            if CRISIS_LINE in (reply.get("text") or ""):
                return (time.perf_counter() - start) * 1000
    finally:
        visitor.close()


def flood(rasa_url: str, stop: threading.Event, counts: dict) -> None:
    visitor = WebVisitor(rasa_url)
    try:
        while not stop.is_set():
            visitor.send(f"what is ptsd? ({counts['sent']})")
            counts["sent"] += 1
            time.sleep(0.01)
        time.sleep(2)
        replies = visitor.received(count=10_000, timeout=1)
        counts["refused"] = sum(1 for reply in replies if reply.get("throttled") is True)
    finally:
        visitor.close()


def main() -> int:
    with running_stack(MODEL, Path(tempfile.mkdtemp()), CLINIC_ENV) as stack:
        for _ in range(3):  # warm-up
            crisis_turn_ms(stack.rasa_url)
        idle = [crisis_turn_ms(stack.rasa_url) for _ in range(ROUNDS)]
        stop, counts = threading.Event(), {"sent": 0, "refused": 0}
        flooder = threading.Thread(target=flood, args=(stack.rasa_url, stop, counts))
        flooder.start()
        time.sleep(3)  # the flood is under way
        loaded = [crisis_turn_ms(stack.rasa_url) for _ in range(ROUNDS)]
        stop.set()
        flooder.join()
    p95 = lambda samples: sorted(samples)[max(0, int(round(0.95 * len(samples))) - 1)]  # noqa: E731
    print("crisis turn over socket.io, idle       ", percentiles(idle))
    print("crisis turn while one visitor floods   ", percentiles(loaded))
    print(f"crisis p95 while flooded / idle: {p95(loaded) / p95(idle):.2f}x (floor: 1.5x)")
    print(f"the flood: {counts['sent']} sent, {counts['refused']} refused and told, "
          f"{counts['sent'] - counts['refused']} admitted (8 at once, then one per 2 s, some held)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
