"""A message Rasa could not lock is tried again, then reported (bot/rasa_side/channels/lock_retry.py)."""
import asyncio

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError

from bot.rasa_side.channels.lock_retry import handled


def test_a_lock_failure_is_tried_again_until_it_goes_through():
    calls = []

    async def on_new_message(message):
        calls.append(message.text)
        if len(calls) < 3:
            raise LockError("Redis is restarting")

    assert asyncio.run(handled(on_new_message, UserMessage("hello"), delays=(0, 0, 0))) is True
    assert calls == ["hello"] * 3


def test_a_lasting_lock_failure_is_reported_not_swallowed():
    calls = []

    async def on_new_message(message):
        calls.append(message.text)
        raise LockError("Redis is gone")

    assert asyncio.run(handled(on_new_message, UserMessage("hello"), delays=(0, 0))) is False
    assert len(calls) == 3


def test_other_failures_are_not_tried_again():
    calls = []

    async def on_new_message(message):
        calls.append(1)
        raise ValueError("a bug, after the message may have been handled")

    try:
        asyncio.run(handled(on_new_message, UserMessage("hello"), delays=(0,)))
    except ValueError:
        pass
    assert calls == [1]


def test_the_tracker_store_waits_out_a_database_away_for_a_moment_then_gives_up():
    from sqlalchemy.exc import OperationalError
    from bot.rasa_side.tracker_store import patiently
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("restarting"))
        return "tracker"

    assert asyncio.run(patiently(flaky, "read", delays=(0, 0, 0))) == "tracker" and len(calls) == 3

    async def gone():
        raise OperationalError("SELECT", {}, ConnectionRefusedError("gone"))

    try:
        asyncio.run(patiently(gone, "read", delays=(0,)))
        raise AssertionError("a lasting failure must reach Rasa's own fallback")
    except OperationalError:
        pass
