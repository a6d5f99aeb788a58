"""A request for a person waits out another writer holding the SQLite file, instead of being lost."""
import sqlite3
import threading
import time

from bot.store.models import Priority
from bot.store.tickets import active_ticket, request_handoff
from bot.store.sessions import session_factory


def test_a_handoff_is_recorded_after_a_lock_longer_than_sqlites_default_wait(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    request_handoff(url, "first", "rest", Priority.normal, "request_human")  # the tables exist
    other_writer = sqlite3.connect(tmp_path / "handoff.db", check_same_thread=False, isolation_level=None)
    other_writer.execute("BEGIN EXCLUSIVE")
    threading.Timer(6.5, other_writer.rollback).start()  # sqlite3 alone gives up after 5 s

    started = time.monotonic()
    result = request_handoff(url, "waiting", "rest", Priority.urgent, "crisis")
    assert time.monotonic() - started >= 6
    with session_factory(url)() as session:
        assert active_ticket(session, "waiting").id == result.ticket_id
