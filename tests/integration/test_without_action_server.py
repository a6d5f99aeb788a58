"""The crisis protocol degrades safely when the action server is down."""
import pytest
from sqlalchemy import select

from bot.store.models import HandoffTicket
from bot.store.sessions import session_factory
from tests.integration.conftest import CLINIC_ENV
from tests.paths import MODEL
from tests.stack import running_stack


@pytest.fixture(scope="module")
def stack_without_actions(tmp_path_factory):
    with running_stack(MODEL, tmp_path_factory.mktemp("no-actions"), CLINIC_ENV,
                       with_action_server=False) as running:
        yield running


def test_crisis_message_still_gets_empathy_and_the_crisis_lines(stack_without_actions):
    replies = [r.get("text", "") for r in stack_without_actions.say("no-actions-user", "i want to kill myself")]
    assert replies, "no reply at all to a crisis message"
    assert replies[0].startswith("I'm really sorry you're going through this") and "call 999" in replies[0]
    # The Rasa server fills the crisis lines itself (bot/rasa_side/nlg.py).
    assert "Samaritans, call 116 123" in replies[1] and "findahelpline.com" in replies[1]


def test_questions_are_still_answered_without_the_welcome(stack_without_actions):
    replies = stack_without_actions.say("no-actions-user-2", "/faq/ptsd_symptoms")
    assert any("Source:" in r.get("text", "") for r in replies)


def _tickets(stack, user):
    with session_factory(stack.handoff_database_url)() as db:
        return [(t.priority.value, t.status.value, t.reason)
                for t in db.execute(select(HandoffTicket).where(HandoffTicket.conversation_id == user)).scalars()]


def test_a_request_for_a_person_is_recorded_and_answered_without_the_action_server(stack_without_actions):
    user = "no-actions-handoff"
    replies = [r.get("text", "") for r in stack_without_actions.say(user, "/request_human")]
    assert any("asked the team at Harbour Trauma Clinic" in t for t in replies), replies
    assert _tickets(stack_without_actions, user) == [("normal", "open", "request_human")]
    assert stack_without_actions.tracker(user)["paused"] is True


def test_the_crisis_protocol_records_an_urgent_ticket_without_the_action_server(stack_without_actions):
    user = "no-actions-crisis"
    replies = [r.get("text", "") for r in stack_without_actions.say(user, "i am going to end my life tonight")]
    assert "Samaritans, call 116 123" in replies[1]
    assert _tickets(stack_without_actions, user) == [("urgent", "open", "crisis")]
    assert stack_without_actions.tracker(user)["paused"] is True
