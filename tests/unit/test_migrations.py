"""The migration of stored data: Telegram conversations get their channel prefix, once."""
import json

from sqlalchemy import create_engine, text

from bot.store.migrations import migrate
from bot.store.models import HandoffTicket, Priority
from bot.store.sessions import session_factory


def _old_tracker(url):
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255),"
                        " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
        rows = [("1002", "user", {"event": "user", "text": "hi", "input_channel": "telegram"}),
                ("1002", "bot", {"event": "bot", "text": "hello"}),
                ("5e0c4b2a9f1d", "user", {"event": "user", "text": "hi", "input_channel": "socketio"}),
                ("tester", "user", {"event": "user", "text": "hi", "input_channel": "rest"})]
        for sender, kind, data in rows:
            db.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, 0, :d)"),
                       {"s": sender, "k": kind, "d": json.dumps(data)})
    return engine


def test_telegram_conversations_and_their_tickets_get_the_prefix_and_nothing_else_moves(tmp_path):
    handoff_url, tracker_url = f"sqlite:///{tmp_path / 'handoff.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker = _old_tracker(tracker_url)
    with session_factory(handoff_url).begin() as db:
        db.add(HandoffTicket(conversation_id="1002", channel="telegram", priority=Priority.urgent, reason="crisis"))
        db.add(HandoffTicket(conversation_id="5e0c4b2a9f1d", channel="socketio", priority=Priority.normal,
                             reason="user_request"))

    assert migrate(handoff_url, tracker_url) == ["0001_telegram_ids_get_their_channel"]
    assert migrate(handoff_url, tracker_url) == []  # applied once

    with tracker.connect() as db:
        senders = sorted(db.execute(text("SELECT sender_id FROM events")).scalars())
    assert senders == ["5e0c4b2a9f1d", "telegram:1002", "telegram:1002", "tester"]
    with session_factory(handoff_url)() as db:
        ids = sorted(t.conversation_id for t in db.query(HandoffTicket))
    assert ids == ["5e0c4b2a9f1d", "telegram:1002"]


def test_a_new_installation_with_no_tracker_table_yet_migrates_cleanly(tmp_path):
    assert migrate(f"sqlite:///{tmp_path / 'h.db'}", f"sqlite:///{tmp_path / 't.db'}") == [
        "0001_telegram_ids_get_their_channel"]
