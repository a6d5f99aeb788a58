"""While a ticket is open, the conversation stays with staff: across Rasa's session expiry and /restart."""
import json
import uuid

import requests
from sqlalchemy import create_engine, select, text

from bot.store.models import StaffUser
from bot.store.sessions import session_factory
from bot.store.tickets import resolve

from tests.integration.test_handoff_loop import texts, ticket_of

HOURS = 3600


def _age_conversation(stack, user, seconds):
    """Time passing: every stored event of the conversation moves `seconds` into the past
    (Rasa rebuilds a tracker from each event's JSON, which holds its own timestamp)."""
    engine = create_engine(stack.tracker_database_url)
    with engine.begin() as db:
        rows = db.execute(text("SELECT id, data FROM events WHERE sender_id = :u"), {"u": user}).all()
        for row_id, data in rows:
            event = json.loads(data)
            event["timestamp"] -= seconds
            db.execute(text("UPDATE events SET timestamp = :t, data = :d WHERE id = :i"),
                       {"t": event["timestamp"], "d": json.dumps(event), "i": row_id})
    engine.dispose()


def test_a_conversation_silent_past_the_session_expiry_stays_with_staff(stack, sam):
    user = f"expiry-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/request_human")
    assert stack.tracker(user)["paused"] is True
    _age_conversation(stack, user, 2 * HOURS)  # the session expires after 60 minutes

    replies = texts(stack.say(user, "what is ptsd"))
    assert replies and all("will read this" in t for t in replies), "no welcome and no answer, only the acknowledgement"
    tracker = stack.tracker(user)
    assert tracker["paused"] is True
    assert [e["event"] for e in tracker["events"]].count("session_started") >= 2, "a new session did start"
    # The safety net still answers in the new session.
    replies = texts(stack.say(user, "i want to end my life tonight"))
    assert any("999" in t for t in replies)

    ticket = ticket_of(sam, user)
    sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    assert any("Source:" in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))


def test_restart_while_waiting_keeps_the_request_and_says_so(stack, sam):
    user = f"restart-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/request_human")
    replies = texts(stack.say(user, "/restart"))
    assert any("still open" in t for t in replies)
    assert stack.tracker(user)["paused"] is True
    replies = texts(stack.say(user, "what is ptsd"))
    assert all("Source:" not in t and "automated information service" not in t for t in replies)
    assert ticket_of(sam, user)["status"] == "open"


def test_without_a_ticket_a_new_session_and_a_restart_are_rasas_own(stack):
    user = f"fresh-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/faq/ptsd_symptoms")
    _age_conversation(stack, user, 2 * HOURS)
    assert any("Source:" in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))
    stack.say(user, "/restart")
    assert stack.tracker(user)["paused"] is False
    assert any("Source:" in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))


def test_a_crisis_written_while_staff_resolve_keeps_the_person_with_staff(stack, sam):
    """The resolve/crisis race, its two halves run by hand with a crisis in between:
    the web app commits the resolve, the crisis arrives, then the web app resumes the bot."""
    user = f"race-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/request_human")
    ticket = ticket_of(sam, user)
    sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    with session_factory(stack.handoff_database_url).begin() as db:
        staff = db.execute(select(StaffUser).where(StaffUser.email == "sam@clinic.test")).scalar_one()
        resolve(db, ticket["id"], staff, "answered")

    assert any("999" in t for t in texts(stack.say(user, "i am going to kill myself tonight")))
    resumed = requests.post(f"{stack.rasa_url}/conversations/{user}/execute", params={"token": stack.token},
                            json={"name": "action_handoff_resume"}, timeout=30)
    assert resumed.status_code == 200

    assert stack.tracker(user)["paused"] is True
    active = ticket_of(sam, user)
    assert active["id"] != ticket["id"] and active["status"] == "open" and active["priority"] == "urgent"


def test_a_double_clicked_resolve_is_harmless(stack, sam):
    user = f"twice-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/request_human")
    ticket = ticket_of(sam, user)
    sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    first = sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"})
    second = sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"})
    assert first.status_code == 200 and second.status_code == 409
    assert stack.tracker(user)["paused"] is False
    resumed = [e for e in stack.tracker(user)["events"] if e["event"] == "bot" and "back with" in (e.get("text") or "")]
    assert len(resumed) == 1


def test_taking_back_a_request_closes_it_as_withdrawn_and_the_bot_answers_again(stack, sam):
    user = f"withdraw-{uuid.uuid4().hex[:12]}"
    stack.say(user, "/request_human")
    replies = texts(stack.say(user, "oh never mind, I'm fine now, no need for anyone to message me"))
    assert any("cancelled your request" in t for t in replies)
    ticket = ticket_of(sam, user)
    assert (ticket["status"], ticket["outcome"]) == ("resolved", "withdrawn")
    assert stack.tracker(user)["paused"] is False
    assert any("Source:" in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))


def test_a_claimed_or_crisis_request_is_not_withdrawn(stack, sam):
    claimed = f"withdraw-claimed-{uuid.uuid4().hex[:8]}"
    stack.say(claimed, "/request_human")
    sam.post(f"/staff/api/handoffs/{ticket_of(sam, claimed)['id']}/claim")
    assert any("already has your conversation" in t for t in texts(stack.say(claimed, "/withdraw_request")))
    assert stack.tracker(claimed)["paused"] is True and ticket_of(sam, claimed)["status"] == "claimed"

    crisis = f"withdraw-crisis-{uuid.uuid4().hex[:8]}"
    stack.say(crisis, "i am going to kill myself tonight")
    assert any("still check in" in t for t in texts(stack.say(crisis, "/withdraw_request")))
    assert stack.tracker(crisis)["paused"] is True
    assert (ticket_of(sam, crisis)["status"], ticket_of(sam, crisis)["priority"]) == ("open", "urgent")


def test_taking_back_with_nothing_open_says_so(stack):
    user = f"withdraw-none-{uuid.uuid4().hex[:8]}"
    assert any("no request to talk to a person open" in t for t in texts(stack.say(user, "/withdraw_request")))
