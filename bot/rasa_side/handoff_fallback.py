"""A request for a person is recorded even when the action server cannot be reached.

Rasa runs `action_handoff` and `action_crisis_handoff` on the action server; when that
server is down (crashed and not yet restarted, say), Rasa would drop the request and say
nothing. Here, for those two actions only, the Rasa server records the ticket in the
handoff store itself, with the same function and the same words as the action
(bot/store/tickets.py, bot/handoff_replies.py), and pauses the bot. What it cannot do is
alert the staff group on Telegram (that lives in the action server); the ticket is in
the queue all the same. If the store cannot be written either, the request waits in the
outbox (bot/store/outbox.py) and is written as soon as it can be, and the person is told so.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, List

from rasa.core.actions.action import ActionBotResponse, ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ConversationPaused, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sqlalchemy.exc import SQLAlchemyError

from bot.handoff_replies import handoff_response, kept_response
from bot.settings import settings
from bot.store import outbox
from bot.store.models import Priority
from bot.store.tickets import request_handoff

logger = logging.getLogger(__name__)
# The action server's handoff actions and what each records (actions/handoff.py, actions/crisis.py).
HANDOFF_ACTIONS = {"action_handoff": (Priority.normal, "request_human"),
                   "action_crisis_handoff": (Priority.urgent, "crisis")}
_remote_run = RemoteAction.run


async def _say(response: str, output_channel: Any, nlg: Any, tracker: DialogueStateTracker,
               domain: Any) -> List[Event]:
    return await ActionBotResponse(response).run(output_channel, nlg, tracker, domain)


async def record_here(action: str, output_channel: Any, nlg: Any, tracker: DialogueStateTracker,
                      domain: Any) -> List[Event]:
    priority, reason = HANDOFF_ACTIONS[action]
    config = settings()
    channel = tracker.get_latest_input_channel() or "unknown"
    try:
        result = await asyncio.get_running_loop().run_in_executor(
            None, request_handoff, config.database_url, tracker.sender_id, channel, priority, reason)
    except SQLAlchemyError:
        logger.exception("Could not record a %s handoff request without the action server; keeping it",
                         priority.value)
        try:
            outbox.keep(config.handoff_outbox_dir, tracker.sender_id, channel, priority, reason)
        except OSError:
            logger.exception("Could not keep the handoff request either")
            return await _say("utter_handoff_failed", output_channel, nlg, tracker, domain)
        outbox.ensure_delivery(config.database_url, config.handoff_outbox_dir, config.public_url)
        said = await _say(kept_response(priority), output_channel, nlg, tracker, domain)
        return [*said, ConversationPaused()]
    logger.warning("Action server unreachable: handoff ticket %s (%s) recorded by the Rasa server",
                   result.ticket_id, priority.value)
    said = await _say(handoff_response(result, priority, config), output_channel, nlg, tracker, domain)
    return [*said, ConversationPaused()]


async def run_remote_action(self: RemoteAction, output_channel: Any, nlg: Any, tracker: DialogueStateTracker,
                            domain: Any) -> List[Event]:
    try:
        return await _remote_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise  # the action server answered, and declined: not an outage
    except RasaException:
        if self.name() not in HANDOFF_ACTIONS:
            raise
        logger.error("The action server did not run %s; recording the handoff here", self.name())
        return await record_here(self.name(), output_channel, nlg, tracker, domain)


def install() -> None:
    RemoteAction.run = run_remote_action
