"""Only a conversation's owner reaches it: signed web sessions, channel-owned ids, replies on the owner's channel."""
import time
import uuid

import pytest
import requests

from tests.integration.test_handoff_loop import wait_for_ticket
from tests.web_visitor import WebVisitor


def user_texts(stack, conversation_id):
    return [e["text"] for e in stack.tracker(conversation_id)["events"] if e["event"] == "user"]


@pytest.fixture
def owner(stack):
    visitor = WebVisitor(stack.rasa_url)
    visitor.send("what is ptsd")
    assert visitor.received(1), "the owner got no answer"
    yield visitor
    visitor.close()


def test_a_new_visitor_gets_a_server_issued_session(stack, owner):
    assert owner.conversation_id.startswith("web:") and owner.session_token.startswith(owner.conversation_id + ".")
    assert user_texts(stack, owner.conversation_id) == ["what is ptsd"]


@pytest.mark.parametrize("claim", ["bare id", "forged token", "telegram id", "unsigned old id", "nothing yet"])
def test_a_stranger_naming_another_conversation_gets_a_fresh_one(stack, owner, claim):
    claimed = {
        "bare id": owner.conversation_id,
        "forged token": owner.conversation_id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "telegram id": "telegram:4242",
        "unsigned old id": uuid.uuid4().hex,
        "nothing yet": owner.conversation_id,
    }[claim]
    # "nothing yet": the stranger skips session_request and sends straight away, naming the owner.
    stranger = WebVisitor(stack.rasa_url, claimed_session=claimed, ask_for_session=claim != "nothing yet")
    try:
        if claim == "nothing yet":
            stranger.send("these are a stranger's words", session_id=claimed)
            assert stranger.wait_for_confirm(), "the stranger's message must start a conversation of its own"
        else:
            stranger.send("these are a stranger's words")
        assert stranger.received(1), "the stranger is answered too, in their own conversation"
        assert stranger.conversation_id.startswith("web:")
        assert stranger.conversation_id not in (owner.conversation_id, claimed)
        assert user_texts(stack, stranger.conversation_id) == ["these are a stranger's words"]
    finally:
        stranger.close()
    assert user_texts(stack, owner.conversation_id) == ["what is ptsd"]
    assert user_texts(stack, "telegram:4242") == []


def test_the_owner_coming_back_with_the_token_continues_the_same_conversation(stack, owner):
    returning = WebVisitor(stack.rasa_url, claimed_session=owner.session_token)
    try:
        assert returning.conversation_id == owner.conversation_id
        returning.send("what is mdma assisted therapy")
        assert returning.received(1)
    finally:
        returning.close()
    assert user_texts(stack, owner.conversation_id) == ["what is ptsd", "what is mdma assisted therapy"]


def test_a_staff_reply_reaches_only_the_owner(stack, owner, sam):
    stranger = WebVisitor(stack.rasa_url, claimed_session=owner.conversation_id)
    try:
        owner.send("/request_human")
        ticket = wait_for_ticket(sam, owner.conversation_id)
        owner.received(10, timeout=2)  # the bot's own replies so far
        assert ticket["channel"] == "socketio"
        sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
        assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hello, this is Sam."}).status_code == 201
        assert "Hello, this is Sam." in str(owner.received(1))
        assert stranger.received(1, timeout=3) == [], "a staff reply must never reach anyone else"
        [shown] = [t for t in sam.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"]
                   if t["speaker"] == "staff"]
        assert shown["delivery"]["status"] == "delivered"
        # The visitor closes the chat: the next reply is recorded, and shown, as not delivered.
        owner.close()
        time.sleep(1)
        sent = sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Are you still there?"})
        assert sent.status_code == 201 and sent.json()["delivery"]["status"] == "refused"
    finally:
        stranger.close()


@pytest.mark.parametrize("sender", ["telegram:1002", "web:abcdef", ""])
def test_the_rest_channel_cannot_speak_in_another_channels_conversation(stack, sender):
    response = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": "hello"}, timeout=30)
    assert response.status_code == 400
    if sender:
        assert user_texts(stack, sender) == []
