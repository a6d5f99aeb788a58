"""The handoff and crisis actions, against a real SQLite handoff store."""
import asyncio
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.settings import settings as process_settings
from actions.crisis import ActionCrisisHandoff
from actions.handoff import ActionHandoff, ActionHandoffResume
from bot.store.sessions import session_factory
from bot.store.models import HandoffTicket, Priority, TicketStatus


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DATABASE_URL", url)
    monkeypatch.setenv("ORG_NAME", "Harbour Trauma Clinic")
    monkeypatch.setenv("STAFF_HOURS", "weekdays 9 to 5")
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    # Staffed around the clock unless a test says otherwise, so replies do not depend on today's time.
    monkeypatch.setenv("STAFF_SCHEDULE", "Mon-Sun 00:00-23:59")
    process_settings.cache_clear()
    yield url
    process_settings.cache_clear()


def tracker_for(conversation_id="user-1", channel="telegram"):
    events = [{"event": "user", "text": "hi", "input_channel": channel, "parse_data": {}}]
    return Tracker(conversation_id, {}, {"text": "hi"}, events, False, None, {}, "action_listen")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def tickets(database_url):
    with session_factory(database_url)() as session:
        return session.execute(select(HandoffTicket).order_by(HandoffTicket.id)).scalars().all()


PAUSE = {"event": "pause", "timestamp": None}
# A handoff store that refuses connections, as a database server that is down.
DOWN = "postgresql://handoff:handoff@127.0.0.1:9/handoff"


def test_request_for_a_person_records_a_normal_ticket_and_pauses_the_bot(database_url):
    messages, events = run(ActionHandoff(), tracker_for("user-1", "telegram"))
    [ticket] = tickets(database_url)
    assert (ticket.conversation_id, ticket.channel) == ("user-1", "telegram")
    assert (ticket.priority, ticket.status, ticket.reason) == (Priority.normal, TicketStatus.open, "request_human")
    assert messages[0]["response"] == "utter_handoff_opened"
    assert events[-1] == PAUSE


def test_out_of_hours_the_user_hears_nobody_is_working_now(database_url, monkeypatch):
    monkeypatch.setenv("STAFF_SCHEDULE", "Mon-Sun 00:00-00:00")  # never staffed
    process_settings.cache_clear()
    messages, events = run(ActionHandoff(), tracker_for())
    assert messages[0]["response"] == "utter_handoff_opened_out_of_hours"
    assert events[-1] == PAUSE


def test_resolving_resumes_the_bot_and_says_so(database_url):
    messages, events = run(ActionHandoffResume(), tracker_for())
    assert messages[0]["response"] == "utter_handoff_resumed"
    assert events == [{"event": "resume", "timestamp": None}]


def test_second_request_adds_no_ticket_and_says_you_are_queued(database_url):
    run(ActionHandoff(), tracker_for())
    messages, _ = run(ActionHandoff(), tracker_for())
    assert len(tickets(database_url)) == 1
    assert messages[0]["response"] == "utter_handoff_already_queued"


def test_crisis_records_an_urgent_ticket(database_url):
    messages, _ = run(ActionCrisisHandoff(), tracker_for("user-2", "socketio"))
    [ticket] = tickets(database_url)
    assert (ticket.priority, ticket.reason, ticket.channel) == (Priority.urgent, "crisis", "socketio")
    assert messages[0]["response"] == "utter_crisis_handoff_opened"


def test_crisis_during_an_open_request_raises_it_to_urgent(database_url):
    run(ActionHandoff(), tracker_for())
    messages, events = run(ActionCrisisHandoff(), tracker_for())
    [ticket] = tickets(database_url)
    assert ticket.priority == Priority.urgent
    assert messages[0]["response"] == "utter_crisis_handoff_raised"
    assert events[-1] == PAUSE


def test_a_request_made_while_the_store_is_down_is_kept_and_written_when_it_is_back(monkeypatch, tmp_path):
    from bot.store import outbox
    from bot.store.tickets import request_handoff
    monkeypatch.setenv("HANDOFF_DATABASE_URL", DOWN)
    monkeypatch.setenv("HANDOFF_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("STAFF_SCHEDULE", "Mon-Sun 00:00-23:59")
    process_settings.cache_clear()
    messages, events = run(ActionHandoff(), tracker_for("user-down"))
    assert messages[0]["response"] == "utter_handoff_kept" and events == [PAUSE]
    messages, events = run(ActionCrisisHandoff(), tracker_for("user-down"))  # asked again, now a crisis
    assert messages[0]["response"] == "utter_crisis_handoff_kept" and events == [PAUSE]
    kept = outbox.pending(tmp_path / "outbox")
    assert len(kept) == 1 and "user-down" not in kept[0].name  # one request per conversation, no id in the name
    asked_at = json.loads(kept[0].read_text())["requested_at"]

    # The store is back: the request is written once, urgent, with the time the person asked.
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    request_handoff(url, "someone-else", "rest", Priority.normal, "request_human")  # the store exists again
    [written] = outbox.deliver_pending(url, tmp_path / "outbox")
    assert not written.result.already_queued and written.request.reason == "crisis"  # so staff are alerted
    assert outbox.deliver_pending(url, tmp_path / "outbox") == []
    [ticket] = [t for t in tickets(url) if t.conversation_id == "user-down"]
    assert (ticket.priority, ticket.reason, ticket.channel) == (Priority.urgent, "crisis", "telegram")
    assert ticket.created_at.replace(tzinfo=None).isoformat() == asked_at.replace("+00:00", "")
    process_settings.cache_clear()


def test_if_the_request_cannot_even_be_kept_the_person_is_told_and_the_bot_stays(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOFF_DATABASE_URL", DOWN)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("HANDOFF_OUTBOX_DIR", str(blocked / "outbox"))
    process_settings.cache_clear()
    messages, events = run(ActionHandoff(), tracker_for())
    assert messages[0]["response"] == "utter_handoff_failed"
    assert events == [], "nobody was asked to answer, so the bot must not go quiet"
    process_settings.cache_clear()
