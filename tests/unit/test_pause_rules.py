"""What the Rasa server still answers while a handoff pauses the bot (bot/rasa_side/server.py)."""
import pytest
from rasa.shared.core.events import ActionExecuted, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_side.server import should_handle_message


def paused_after(last_action, intent):
    return DialogueStateTracker.from_events("someone", [
        ActionExecuted("action_listen"),
        UserUttered("…", {"name": "crisis" if last_action == "action_crisis_handoff" else "request_human"}),
        ActionExecuted(last_action), ConversationPaused(), ActionExecuted("action_listen"),
        UserUttered("…", {"name": intent}),
    ])


@pytest.mark.parametrize("last_action, intent, answered", [
    ("action_crisis_handoff", "crisis", True),
    ("action_handoff", "crisis_check", True),
    ("action_handoff", "request_human", True),
    ("action_crisis_handoff", "deny", True),   # one "no" after a crisis must not meet silence
    ("action_handoff", "deny", False),         # a "no" while waiting for staff is for staff
    ("action_crisis_handoff", "faq", False),
])
def test_while_paused_only_crises_requests_and_a_no_after_a_crisis_are_answered(last_action, intent, answered):
    assert should_handle_message(paused_after(last_action, intent)) is answered
