"""Starts Rasa (same arguments as `rasa`) with the crisis safety net kept alive during a handoff.

Rasa 3.6 runs no policy at all while a conversation is paused (only `/restart` gets
through `MessageProcessor._should_handle_message`). Two kinds of message are also let
through while a handoff is waiting:
- `crisis` and `crisis_check` (the crisis triage sets them whatever the model says): the
  person must get the crisis lines at once, and the crisis rule raises the open ticket to
  urgent;
- `request_human`: asking again gets "you're in the queue" instead of silence;
- `withdraw_request` ("never mind, I'm fine"): the request is closed as withdrawn and
  the bot answers again (unless staff already hold it or it was a crisis);
- a "no" right after the crisis protocol: one "no" must not leave someone in a crisis
  with silence, so it gets the reminder of the lines and what staff will do.
Every other message is kept for staff, as the pause intends; the first of them after the
pause began gets one short acknowledgement that staff will read it (never one per message).

The pause is set when the handoff store records a ticket (actions/handoff.py) and lifted
only when staff resolve it (action_handoff_resume), so Rasa's pause follows the store.
Two of Rasa's own actions would drop it without the store knowing: the new session after
an hour of silence and `/restart` both reset the tracker. Here both keep it: they are
Rasa's, plus the pause carried over (and, for `/restart`, a word that the request is
still open). They run inside the Rasa server, so they work when the action server is down.
"""
from __future__ import annotations

from typing import Any, List, Optional

from rasa.core.actions import action as rasa_actions
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, Event, Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_side import handoff_fallback

INTENTS_ANSWERED_WHILE_PAUSED = frozenset({"crisis", "crisis_check", "request_human", "withdraw_request"})
_rasa_should_handle_message = MessageProcessor._should_handle_message
_rasa_run_prediction_loop = MessageProcessor._run_prediction_loop
WAITING_ACKNOWLEDGEMENT = "utter_handoff_message_seen"


CRISIS_PROTOCOL_LAST_ACTION = "action_crisis_handoff"


def should_handle_message(tracker: DialogueStateTracker) -> bool:
    if _rasa_should_handle_message(tracker):
        return True
    latest = tracker.latest_message
    if latest is None:
        return False
    intent = latest.intent.get("name")
    if intent in INTENTS_ANSWERED_WHILE_PAUSED:
        return True
    return intent == "deny" and _action_before_latest_message(tracker) == CRISIS_PROTOCOL_LAST_ACTION


def _action_before_latest_message(tracker: DialogueStateTracker) -> Optional[str]:
    """The last action the bot took before the person's latest message (not counting listening)."""
    seen_message = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_message:
                return None
            seen_message = True
        elif seen_message and isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None


def _first_message_while_waiting(tracker: DialogueStateTracker) -> bool:
    """A person's message has just arrived, and nothing has acknowledged one since the pause began."""
    events = list(tracker.events)
    latest_user = next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), None)
    if latest_user is None or any(isinstance(e, ActionExecuted) for e in events[latest_user + 1:]):
        return False  # not a fresh message (an action run through the HTTP API, say)
    for event in reversed(events[:latest_user]):
        if isinstance(event, ConversationPaused):
            return True
        if isinstance(event, ActionExecuted) and event.action_name == WAITING_ACKNOWLEDGEMENT:
            return False
    return False


async def run_prediction_loop(self: MessageProcessor, output_channel: Any, tracker: DialogueStateTracker) -> None:
    if tracker.is_paused() and not should_handle_message(tracker) and _first_message_while_waiting(tracker):
        acknowledgement = rasa_actions.action_for_name_or_text(WAITING_ACKNOWLEDGEMENT, self.domain,
                                                               self.action_endpoint)
        await self._run_action(acknowledgement, tracker, output_channel, self.nlg,
                               PolicyPrediction.for_action_name(self.domain, WAITING_ACKNOWLEDGEMENT))
        # Listening again, as after any reply: the crisis rules read the next message after a listen.
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        return
    await _rasa_run_prediction_loop(self, output_channel, tracker)


class SessionStartKeepingThePause(rasa_actions.ActionSessionStart):
    async def run(self, output_channel: Any, nlg: Any, tracker: DialogueStateTracker, domain: Any) -> List[Event]:
        events = await super().run(output_channel, nlg, tracker, domain)
        if tracker.is_paused():
            events.insert(len(events) - 1, ConversationPaused())  # before Rasa's closing action_listen
        return events


class RestartKeepingThePause(rasa_actions.ActionRestart):
    async def run(self, output_channel: Any, nlg: Any, tracker: DialogueStateTracker, domain: Any) -> List[Event]:
        if not tracker.is_paused():
            return await super().run(output_channel, nlg, tracker, domain)
        still_open = rasa_actions.ActionBotResponse("utter_handoff_kept_after_restart", silent_fail=True)
        said = await still_open.run(output_channel, nlg, tracker, domain)
        return [Restarted(), ConversationPaused(), *said]


def install() -> None:
    MessageProcessor._should_handle_message = staticmethod(should_handle_message)
    MessageProcessor._run_prediction_loop = run_prediction_loop
    handoff_fallback.install()
    # default_actions() builds Rasa's own actions from these module names.
    rasa_actions.ActionSessionStart = SessionStartKeepingThePause
    rasa_actions.ActionRestart = RestartKeepingThePause


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main
    rasa_main()


if __name__ == "__main__":
    main()
