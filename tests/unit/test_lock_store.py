"""The lock store several replicas share (bot/rasa_side/lock_store.py), against a real Redis.

Two processes, like two Rasa replicas, each handle many messages of one conversation at
once. Inside the lock each does a deliberately slow read-modify-write of a counter: with
mutual exclusion the counter ends exact and never two are inside together. (Rasa 3.6's own
RedisLockStore, run the same way, did not finish within five minutes: tickets overwritten by
the other replica left messages waiting for locks that never came.)
"""
import asyncio
import multiprocessing
import shutil
import subprocess
import time

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_side.lock_store import AtomicRedisLockStore
from tests.stack import free_port

MESSAGES_PER_REPLICA = 25


@pytest.fixture(scope="module")
def redis_port():
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(10)


def make_store(port: int) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=1))


def replica(port: int, conversation: str) -> None:
    store, red = make_store(port), redis.Redis(port=port, db=2)

    async def one_message() -> str:
        try:
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.005):
                inside = red.incr("inside")
                red.set("most_inside", max(int(red.get("most_inside") or 0), inside))
                count = int(red.get("counter") or 0)
                await asyncio.sleep(0.002)
                red.set("counter", count + 1)
                red.decr("inside")
            return "ok"
        except Exception as error:  # a LockError is a lost message
            return type(error).__name__

    async def all_messages():
        return await asyncio.gather(*(one_message() for _ in range(MESSAGES_PER_REPLICA)))

    red.incr("ready")  # both replicas start together, so their messages really overlap
    while int(red.get("ready")) < 2:
        time.sleep(0.01)
    red.rpush("outcomes", *asyncio.run(all_messages()))


def run_two_replicas(port: int, conversation: str):
    redis.Redis(port=port, db=2).flushdb()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=replica, args=(port, conversation)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    red = redis.Redis(port=port, db=2)
    outcomes = [o.decode() for o in red.lrange("outcomes", 0, -1)]
    return outcomes, int(red.get("counter") or 0), int(red.get("most_inside") or 0)


def test_two_replicas_take_turns_on_one_conversation_and_lose_no_message(redis_port):
    outcomes, counter, most_inside = run_two_replicas(redis_port, "conversation-atomic")
    assert outcomes == ["ok"] * (2 * MESSAGES_PER_REPLICA)
    assert (counter, most_inside) == (2 * MESSAGES_PER_REPLICA, 1)
    # Nothing is left behind for the next message, and a left-over lock would expire.
    assert redis.Redis(port=redis_port, db=1).keys("*conversation-atomic*") == []


def test_a_lock_left_by_a_dead_replica_expires(redis_port):
    store = make_store(redis_port)
    store.issue_ticket("abandoned", lock_lifetime=1)  # and the replica dies without cleaning up
    key = store.key_prefix + "abandoned"
    ttl = redis.Redis(port=redis_port, db=1).pttl(key)
    assert 0 < ttl <= (1 + 60) * 1000


def test_messages_waiting_behind_a_holder_that_died_are_served_once_its_ticket_lapses(redis_port):
    store = make_store(redis_port)
    conversation = "held-by-the-dead"
    # A replica took the lock and was killed: its ticket is never given back.
    store.issue_ticket(conversation, 1.0)

    async def waiter(n):
        async with store.lock(conversation, lock_lifetime=1.0, wait_time_in_seconds=0.05):
            return n

    async def main():
        # Issued in the same moment as the dead ticket, they lapse with it while they wait.
        return await asyncio.wait_for(asyncio.gather(*(waiter(n) for n in range(3))), timeout=20)

    started = time.monotonic()
    assert sorted(asyncio.run(main())) == [0, 1, 2]
    assert time.monotonic() - started >= 0.9, "nobody went in while the dead holder's ticket was valid"
    assert store.get_lock(conversation) is None, "the lock is gone once the last message is done"
