"""`make bench`: one Rasa replica against two behind nginx (issue 12), in one run.

Needs PostgreSQL (BENCH_POSTGRES_URL or STACK_TEST_POSTGRES_URL: a database it may empty,
as `.ci/run` makes one), redis-server and nginx; without them it says so and stops.
Both setups share everything but the replicas: endpoints.postgres.yml, one action server,
one Redis lock store, nginx with deploy/nginx/upstreams.replicas.conf (for "one replica"
both upstream entries name the same server). Throughput is 8 conversations sending at
once, each its FAQ questions one after the other; the crisis turn is timed idle and
while that load runs on two replicas.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.benchmarks.bench_conversation import MODEL, percentiles
from tests.scale_out import nginx_before, postgres_stack, replica, say_through

CONCURRENCY = 8
PER_CONVERSATION = 20
QUESTION = "what are the symptoms of ptsd?"
CRISIS = "i want to end my life tonight"


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def throughput(url: str) -> float:
    """Messages answered per second, CONCURRENCY conversations at once."""
    run = uuid.uuid4().hex[:8]

    def conversation(n: int) -> None:
        for question in range(PER_CONVERSATION):
            assert say_through(url, f"bench-{run}-{n}", f"{QUESTION} ({question})", attempts=5)

    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(conversation, range(CONCURRENCY)))
    return CONCURRENCY * PER_CONVERSATION / (time.perf_counter() - start)


def crisis_ms(url: str, rounds: int) -> list:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert say_through(url, f"bench-crisis-{uuid.uuid4().hex[:10]}", CRISIS, attempts=5)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    postgres_url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("STACK_TEST_POSTGRES_URL")
    missing = [tool for tool in ("redis-server", "nginx") if not (shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}"))]
    if not postgres_url or missing:
        print("one vs two replicas: skipped; needs BENCH_POSTGRES_URL (a PostgreSQL database it may empty)"
              + (f" and {', '.join(missing)}" if missing else ""))
        return 0
    with postgres_stack(postgres_url, Path(tempfile.mkdtemp())) as stack, \
            replica(stack, Path(tempfile.mkdtemp())) as (second_url, second):
        first_url = stack.rasa_url
        for url in (first_url, second_url):  # warm-up: the first turns of a process are slow
            for n in range(5):
                say_through(url, f"bench-warmup-{uuid.uuid4().hex[:6]}", QUESTION, attempts=5)
        with nginx_before([first_url, first_url], stack.web_url, Path(tempfile.mkdtemp())) as one:
            one_replica = throughput(one)
        with nginx_before([first_url, second_url], stack.web_url, Path(tempfile.mkdtemp())) as two:
            two_replicas = throughput(two)
            idle = crisis_ms(two, 15)
            under_load: list = []
            loader = threading.Thread(target=lambda: under_load.append(throughput(two)))
            loader.start()
            time.sleep(2)
            loaded = crisis_ms(two, 15)
            loader.join()
        memory = [resident_mb(stack.rasa_pid), resident_mb(second.pid)]
    p95 = lambda samples: sorted(samples)[max(0, int(round(0.95 * len(samples))) - 1)]  # noqa: E731
    print(f"throughput at concurrency {CONCURRENCY}: one replica {one_replica:.1f} msg/s, "
          f"two replicas {two_replicas:.1f} msg/s: {two_replicas / one_replica:.2f}x "
          f"on {os.cpu_count()} cores")
    print("crisis turn through nginx, idle         ", percentiles(idle))
    print(f"crisis turn under load ({CONCURRENCY} conversations)", percentiles(loaded))
    print(f"crisis p95 under load / idle: {p95(loaded) / p95(idle):.2f}x")
    print(f"resident memory of each replica: {memory[0]:.0f} MB, {memory[1]:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
