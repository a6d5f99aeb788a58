"""Handoff to a person: records a ticket, pauses the bot, and says honestly when a reply will come."""
import asyncio
import logging
from typing import Any, Callable, Dict, List, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, ConversationResumed, EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.staff_alerts import alert_staff
from bot.handoff_replies import handoff_response, kept_response
from bot.settings import Settings, settings
from bot.store import outbox
from bot.store.models import Priority
from bot.store.ratings import may_ask as may_ask_rating
from bot.store.tickets import Withdrawal, is_with_staff, request_handoff, withdraw_request

logger = logging.getLogger(__name__)
T = TypeVar("T")


async def in_worker(work: Callable[..., T], *args: Any) -> T:
    """Database work on a worker thread: the action server's event loop serves every
    conversation, and must not wait on the handoff store for one of them."""
    return await asyncio.get_running_loop().run_in_executor(None, work, *args)


class ActionHandoff(Action):
    """The user asked for a person (or accepted the offer of one): a normal-priority ticket."""

    priority = Priority.normal
    reason = "request_human"

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        config = settings()
        channel = tracker.get_latest_input_channel() or "unknown"
        try:
            result = await in_worker(request_handoff, config.database_url, tracker.sender_id, channel,
                                     self.priority, self.reason)
        except SQLAlchemyError:
            # Never the user's words or id in logs: only what failed.
            logger.exception("Could not record a %s handoff request; keeping it to write later", self.priority.value)
            return self.keep_for_later(dispatcher, tracker.sender_id, channel, config)
        logger.info("Handoff ticket %s recorded (priority %s)", result.ticket_id, result.priority.value)
        if not result.already_queued or result.raised_to_urgent:
            alert_staff(result.ticket_id, result.priority.value, self.reason, result.raised_to_urgent,
                        config.public_url)
        # The Rasa server fills the response with the deployment's values (bot/rasa_side/nlg.py).
        dispatcher.utter_message(response=handoff_response(result, self.priority, config))
        return [ConversationPaused()]


    def keep_for_later(self, dispatcher: CollectingDispatcher, conversation_id: str, channel: str,
                       config: Settings) -> List[EventType]:
        """The store is down: the request waits in the outbox and is written as soon as it can
        be; the person is told so. Only if it cannot even be kept is the bot not paused."""
        try:
            outbox.keep(config.handoff_outbox_dir, conversation_id, channel, self.priority, self.reason)
        except OSError:
            logger.exception("Could not keep the handoff request either")
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        outbox.ensure_delivery(config.database_url, config.handoff_outbox_dir, config.public_url)
        dispatcher.utter_message(response=kept_response(self.priority))
        return [ConversationPaused()]


class ActionHandoffResume(Action):
    """Run by the web app when staff resolve a handoff: the bot answers again and says so.

    The handoff store decides: if another request is open by now (a crisis written while
    staff resolved the last one), the conversation stays with staff and nothing is said.
    """

    def name(self) -> Text:
        return "action_handoff_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            still_with_staff = await in_worker(is_with_staff, settings().database_url, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not read the handoff store before resuming; resuming as staff asked")
            still_with_staff = False
        if still_with_staff:
            logger.info("Not resuming: another handoff request of this conversation is open")
            return []
        dispatcher.utter_message(response="utter_handoff_resumed")
        try:
            if await in_worker(may_ask_rating, settings().database_url, tracker.sender_id):
                dispatcher.utter_message(response="utter_ask_handoff_rating")
        except SQLAlchemyError:
            logger.exception("Could not read the handoff store; the rating question is left out")
        return [ConversationResumed()]


class ActionHandoffWithdraw(Action):
    """The person takes back their request for a person; the handoff store decides what that means."""

    responses = {
        Withdrawal.withdrawn: "utter_handoff_withdrawn",
        Withdrawal.claimed: "utter_handoff_withdraw_claimed",
        Withdrawal.urgent: "utter_handoff_withdraw_urgent",
        Withdrawal.nothing_open: "utter_handoff_nothing_to_withdraw",
    }

    def name(self) -> Text:
        return "action_handoff_withdraw"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        try:
            result = await in_worker(withdraw_request, settings().database_url, tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not withdraw a handoff request")
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        dispatcher.utter_message(response=self.responses[result])
        # Nothing left open: the bot answers again (also when a pause outlived its ticket).
        if result in (Withdrawal.withdrawn, Withdrawal.nothing_open) and tracker.is_paused():
            return [ConversationResumed()]
        return []
