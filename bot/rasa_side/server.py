"""Starts Rasa (same arguments as `rasa`) with the crisis safety net kept alive during a handoff.

Rasa 3.6 runs no policy at all while a conversation is paused (only `/restart` gets
through `MessageProcessor._should_handle_message`). Two kinds of message are also let
through while a handoff is waiting:
- `crisis` and `crisis_check` (the crisis triage sets them whatever the model says): the
  person must get the crisis lines at once, and the crisis rule raises the open ticket to
  urgent;
- `request_human`: asking again gets "you're in the queue" instead of silence.
Every other message stays unanswered for staff, as the pause intends.
"""
from __future__ import annotations

from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

INTENTS_ANSWERED_WHILE_PAUSED = frozenset({"crisis", "crisis_check", "request_human"})
_rasa_should_handle_message = MessageProcessor._should_handle_message


def should_handle_message(tracker: DialogueStateTracker) -> bool:
    if _rasa_should_handle_message(tracker):
        return True
    latest = tracker.latest_message
    return latest is not None and latest.intent.get("name") in INTENTS_ANSWERED_WHILE_PAUSED


def install() -> None:
    MessageProcessor._should_handle_message = staticmethod(should_handle_message)


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main
    rasa_main()


if __name__ == "__main__":
    main()
