"""The handoff workflow on both databases a clinic may run: SQLite and PostgreSQL.

PostgreSQL runs when HANDOFF_TEST_POSTGRES_URL names a database this test may empty
(`.ci/run` starts a local server and sets it); otherwise only SQLite runs here.
"""
from datetime import timedelta
import json
import os
import time

import pytest
from sqlalchemy import insert, select, update

from bot.store import audit, telegram_links
from bot.store.sessions import engine_for, session_factory
from bot.store.erasure import erase_conversation, purge_older_than
from bot.store.contacts import ONE_NOTICE_PER, choice_of, choose, due_notices, notice_sent, reply_waits, valid_email
from bot.store.ratings import may_ask, rating_of, record_rating
from bot.store.tracker_events import EVENTS, PREVIEW_CHARS, activity_of
from bot.store.tickets import NotYours, QueueFilter, WrongState, add_note, claim, list_tickets, request_handoff, resolve
from bot.store.models import AuditEntry, Base, HandoffNote, Priority, StaffUser, TelegramLinkCode, utcnow
from bot.store.staff_seen import mark_seen, seen_at
from bot.store.staff_accounts import add_user

POSTGRES_URL = os.environ.get("HANDOFF_TEST_POSTGRES_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASES)
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    engine = engine_for(POSTGRES_URL)
    EVENTS.metadata.drop_all(engine)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield POSTGRES_URL


def staff(url, email):
    with session_factory(url).begin() as session:
        return add_user(session, email, email.split("@")[0], "a long enough password")


def test_one_ticket_per_conversation_and_a_crisis_raises_it(url):
    first = request_handoff(url, "c1", "telegram", Priority.normal, "request_human")
    again = request_handoff(url, "c1", "telegram", Priority.normal, "request_human")
    crisis = request_handoff(url, "c1", "telegram", Priority.urgent, "crisis")
    assert not first.already_queued and again.already_queued and again.ticket_id == first.ticket_id
    assert crisis.raised_to_urgent and crisis.priority == Priority.urgent


def test_queue_is_urgent_first_then_oldest(url):
    for conversation, priority in [("a", Priority.normal), ("b", Priority.urgent), ("c", Priority.normal),
                                   ("d", Priority.urgent)]:
        request_handoff(url, conversation, "socketio", priority, "x")
    with session_factory(url)() as session:
        order = [t.conversation_id for t in list_tickets(session, QueueFilter())]
    assert order == ["b", "d", "a", "c"]


def test_only_the_claimant_resolves_and_a_resolved_ticket_stays_resolved(url):
    sam, alex = staff(url, "sam@c.test"), staff(url, "alex@c.test")
    ticket_id = request_handoff(url, "c2", "rest", Priority.normal, "request_human").ticket_id
    with session_factory(url).begin() as session:
        claim(session, ticket_id, sam)
    with session_factory(url).begin() as session, pytest.raises(NotYours):
        resolve(session, ticket_id, alex, "answered")
    with session_factory(url).begin() as session:
        resolve(session, ticket_id, sam, "answered")
    with session_factory(url).begin() as session, pytest.raises(WrongState):
        claim(session, ticket_id, alex)


def test_erasure_and_purge_remove_transcript_tickets_and_notes(url):
    sam = staff(url, "sam@c.test")
    engine = engine_for(url)
    EVENTS.metadata.create_all(engine)
    old, recent = time.time() - 100 * 86400, time.time()
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [
            {"sender_id": "gone", "type_name": "user", "timestamp": recent},
            {"sender_id": "old", "type_name": "user", "timestamp": old},
            {"sender_id": "kept", "type_name": "user", "timestamp": recent}])
    ticket_id = request_handoff(url, "gone", "rest", Priority.normal, "x").ticket_id
    request_handoff(url, "old", "rest", Priority.normal, "x")
    with session_factory(url).begin() as session:
        add_note(session, ticket_id, sam, "private")
        audit.record(session, "view", staff_id=sam.id, ticket_id=ticket_id)
    assert erase_conversation(url, url, "gone").tickets == 1
    assert purge_older_than(url, url, days=90).conversations == 1
    with engine.connect() as connection:
        assert sorted(connection.execute(select(EVENTS.c.sender_id)).scalars()) == ["kept"]
    with session_factory(url)() as session:
        assert session.execute(select(HandoffNote)).first() is None
        assert session.execute(select(AuditEntry.ticket_id).where(AuditEntry.action == "view")).scalars().all() == [None]
        assert len(session.execute(select(AuditEntry).where(AuditEntry.action == "erasure")).all()) == 2
        assert session.execute(select(StaffUser)).first() is not None


def test_a_ticket_refreshed_while_open_is_one_view_in_the_audit_log(url):
    sam, kim = staff(url, "sam@c.test"), staff(url, "kim@c.test")
    ticket_id = request_handoff(url, "someone", "rest", Priority.normal, "x").ticket_id

    def views():
        with session_factory(url)() as session:
            return [(e.staff_id, e.action) for e in session.execute(
                select(AuditEntry).where(AuditEntry.ticket_id == ticket_id).order_by(AuditEntry.id)).scalars()]

    for _ in range(5):  # the console's refreshes of one opening
        with session_factory(url).begin() as session:
            audit.record_view(session, sam.id, ticket_id)
    with session_factory(url).begin() as session:
        audit.record_view(session, kim.id, ticket_id)  # someone else's look counts
        audit.record(session, "reply", staff_id=sam.id, ticket_id=ticket_id)
        audit.record_view(session, sam.id, ticket_id)  # a look after acting counts again
    assert [a for a in views() if a[1] in ("view", "reply")] == [
        (sam.id, "view"), (kim.id, "view"), (sam.id, "reply"), (sam.id, "view")]
    with session_factory(url).begin() as session:
        stale = session.execute(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)
                                .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
        stale.at = stale.at - audit.VIEW_COUNTS_ONCE_WITHIN - timedelta(minutes=1)
    with session_factory(url).begin() as session:
        assert audit.record_view(session, sam.id, ticket_id)  # opened again later: a new view


def test_queue_preview_shows_the_title_of_the_button_the_person_chose(url):
    engine = engine_for(url)
    EVENTS.metadata.create_all(engine)
    offered = {"text": "Hello", "data": {"buttons": [{"title": "What a session is like", "payload": "/faq/mdma_session"}]}}
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [
            {"sender_id": "p", "type_name": "bot", "timestamp": 1.0, "data": json.dumps(offered)},
            {"sender_id": "p", "type_name": "user", "timestamp": 2.0, "data": json.dumps({"text": "/faq/mdma_session"})},
            {"sender_id": "q", "type_name": "user", "timestamp": 3.0, "data": json.dumps({"text": "x" * 500})},
            {"sender_id": "q", "type_name": "action", "timestamp": 3.5, "data": "{}"}])
    found = activity_of(url, ["p", "q", "nobody"])
    assert found["p"].last_user_preview == "What a session is like"
    assert (found["q"].last_user_at, len(found["q"].last_user_preview)) == (3.0, PREVIEW_CHARS)
    assert found["q"].last_event_id > found["p"].last_event_id and "nobody" not in found


def test_a_rating_belongs_to_the_latest_resolved_ticket_and_never_to_an_open_one(url):
    sam = staff(url, "sam@c.test")
    assert record_rating(url, "r1", 4) is None, "nothing resolved yet"
    ticket_id = request_handoff(url, "r1", "rest", Priority.normal, "request_human").ticket_id
    assert not may_ask(url, "r1") and record_rating(url, "r1", 4) is None
    with session_factory(url).begin() as session:
        claim(session, ticket_id, sam)
        resolve(session, ticket_id, sam, "answered")
    assert may_ask(url, "r1")
    assert record_rating(url, "r1", 9) is None, "only 1 to 5"
    assert record_rating(url, "r1", 2) == ticket_id and record_rating(url, "r1", 5) == ticket_id
    with session_factory(url)() as session:
        assert rating_of(session, ticket_id) == 5
    urgent = request_handoff(url, "r2", "rest", Priority.urgent, "crisis").ticket_id
    with session_factory(url).begin() as session:
        claim(session, urgent, sam)
        resolve(session, urgent, sam, "answered")
    assert not may_ask(url, "r2"), "no rating question after a crisis"


def test_an_email_notice_waits_for_a_reply_not_seen_live_and_comes_at_most_every_half_hour(url):
    with session_factory(url).begin() as session:
        assert not reply_waits(session, "v1"), "no choice made: no email"
        choose(session, "v1", "device")
        assert not reply_waits(session, "v1"), "kept on the device only: no email"
        with pytest.raises(ValueError):
            choose(session, "v1", "email", "not an address")
        choose(session, "v1", "email", "me@example.test")
        assert reply_waits(session, "v1")
    with session_factory(url).begin() as session:
        assert [c.conversation_id for c in due_notices(session)] == ["v1"]
        notice_sent(session, "v1")
        assert reply_waits(session, "v1")
        assert due_notices(session) == [], "one email per half hour"
        later = utcnow() + ONE_NOTICE_PER + timedelta(seconds=1)
        assert [c.conversation_id for c in due_notices(session, later)] == ["v1"]
    assert valid_email("a.b+c@clinic.example") and not valid_email("a@b") and not valid_email("<x>@y.zz")


def test_a_telegram_link_code_works_once_and_joins_one_chat_to_one_conversation(url):
    with session_factory(url).begin() as session:
        first = telegram_links.issue_code(session, "web:a")
        code = telegram_links.issue_code(session, "web:a")
        other = telegram_links.issue_code(session, "web:b")
    assert len(code) <= telegram_links.MAX_CODE_CHARS and code.replace("-", "").replace("_", "").isalnum()
    with session_factory(url).begin() as session:
        assert telegram_links.redeem(session, first, "111") is None, "a newer code replaced it"
        assert telegram_links.redeem(session, code, "111") == "web:a"
    with session_factory(url).begin() as session:
        assert telegram_links.redeem(session, code, "222") is None, "a code works once"
        assert telegram_links.redeem(session, "no-such-code-at-all", "222") is None
        assert telegram_links.conversation_and_channel(session, "web:a") == ("web:a", "telegram")
        assert telegram_links.conversation_and_channel(session, "web:b") == ("web:b", "socketio")
        assert choice_of(session, "web:a").choice == "telegram", "staff see the choice"
        # The same chat joining another conversation leaves the first.
        assert telegram_links.redeem(session, other, "111") == "web:b"
    with session_factory(url)() as session:
        assert telegram_links.conversation_of_chat(session, "111") == "web:b"
        assert telegram_links.chat_of_conversation(session, "web:a") is None


def test_an_expired_telegram_link_code_joins_nothing_and_erasure_removes_the_link(url):
    with session_factory(url).begin() as session:
        stale = telegram_links.issue_code(session, "web:old")
        fresh = telegram_links.issue_code(session, "web:new")
        session.execute(update(TelegramLinkCode).where(TelegramLinkCode.conversation_id == "web:old")
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    with session_factory(url).begin() as session:
        assert telegram_links.redeem(session, stale, "333") is None
        assert telegram_links.redeem(session, fresh, "333") == "web:new"
        mark_seen(session, "web:new")
    erase_conversation(url, url, "web:new")
    with session_factory(url)() as session:
        assert telegram_links.conversation_of_chat(session, "333") is None
        assert seen_at(session, "web:new") is None and choice_of(session, "web:new") is None
        assert session.execute(select(TelegramLinkCode)).first() is None


def test_staff_seen_only_moves_forward(url):
    earlier = utcnow() - timedelta(minutes=5)
    with session_factory(url).begin() as session:
        mark_seen(session, "web:s")
        mark_seen(session, "web:s", earlier)
    with session_factory(url)() as session:
        assert seen_at(session, "web:s") > earlier + timedelta(minutes=4)
