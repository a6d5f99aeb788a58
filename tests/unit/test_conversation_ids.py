"""Conversation ids name their channel, and only the server can issue a web session."""
import pytest

from bot.conversation_ids import (WebSessions, names_a_channel, output_channel_of, telegram_chat_of,
                                  telegram_conversation)

SESSIONS = WebSessions("a secret of at least sixteen characters")


def test_an_issued_web_session_opens_its_own_conversation_only():
    first, second = SESSIONS.issue(), SESSIONS.issue()
    assert first.conversation_id.startswith("web:") and first.conversation_id != second.conversation_id
    assert SESSIONS.verify(first.token) == first.conversation_id
    assert SESSIONS.verify(second.token) == second.conversation_id


@pytest.mark.parametrize("claimed", [
    None, "", 42, {"session_id": "x"}, "telegram:1002", "5e0c4b2a9f1d4c0e8b7a6d5c4b3a2910",
    "web:abc", "web:abc.", "web:abc.forgedsignatureforgedsignature", "x" * 10_000,
])
def test_anything_the_server_did_not_issue_opens_nothing(claimed):
    assert SESSIONS.verify(claimed) is None


def test_a_token_stripped_of_its_signature_or_signed_with_another_secret_opens_nothing():
    session = SESSIONS.issue()
    assert SESSIONS.verify(session.conversation_id) is None
    other = WebSessions("another secret, also long enough")
    assert other.verify(session.token) is None
    assert SESSIONS.verify(session.token[:-1] + ("A" if session.token[-1] != "A" else "B")) is None


def test_a_short_secret_is_refused_at_start():
    with pytest.raises(ValueError):
        WebSessions("short")


def test_each_channel_owns_its_prefix_and_replies_go_only_there():
    assert telegram_conversation(1002) == "telegram:1002" and telegram_chat_of("telegram:-100777") == "-100777"
    assert output_channel_of("telegram:1002") == "telegram"
    assert output_channel_of(SESSIONS.issue().conversation_id) == "socketio"
    # A local (REST) conversation gets nothing pushed; "latest" is never used.
    assert output_channel_of("local-test-user") == "collector"
    assert names_a_channel("web:x") and names_a_channel("telegram:1") and not names_a_channel("tester")
