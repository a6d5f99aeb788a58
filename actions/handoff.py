"""Handoff to a person: records a ticket in the handoff store and says what happens next."""
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.session import deployment_slots
from actions.settings import settings
from bot.handoffs import request_handoff
from bot.models import Priority

logger = logging.getLogger(__name__)


class ActionHandoff(Action):
    """The user asked for a person (or accepted the offer of one): a normal-priority ticket."""

    priority = Priority.normal
    reason = "request_human"
    opened_response = "utter_handoff_opened"
    queued_response = "utter_handoff_already_queued"

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        config = settings()
        channel = tracker.get_latest_input_channel() or "unknown"
        try:
            result = request_handoff(config.database_url, tracker.sender_id, channel, self.priority, self.reason)
        except SQLAlchemyError:
            # Never the user's words or id in logs: only what failed.
            logger.exception("Could not record a %s handoff request", self.priority.value)
            dispatcher.utter_message(response="utter_handoff_failed", emergency_number=config.emergency_number)
            return []
        logger.info("Handoff ticket %s recorded (priority %s)", result.ticket_id, result.priority.value)
        dispatcher.utter_message(
            response=self.queued_response if result.already_queued else self.opened_response,
            staff_hours=config.staff_hours,
            emergency_number=config.emergency_number,
            org_name=config.org_name,
        )
        # A conversation that opens with a crisis gets no welcome; set the slots here too.
        return deployment_slots()
