"""The crisis protocol: resources at once, then an urgent handoff to staff.

The rule in data/rules/rules_crisis.yml runs a static sentence of empathy first
(`utter_crisis_empathy`, which works even if this server is down), then these actions.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from bot.settings import settings
from bot.settings import Settings, format_crisis_lines
from bot.store.tickets import HandoffResult
from bot.store.models import Priority


class ActionCrisisResources(Action):
    """The emergency number and the configured crisis lines."""

    response = "utter_crisis_resources"

    def name(self) -> Text:
        return "action_crisis_resources"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        config = settings()
        dispatcher.utter_message(
            response=self.response,
            emergency_number=config.emergency_number,
            crisis_lines=format_crisis_lines(config.crisis_lines),
        )
        return []


class ActionCrisisReminder(ActionCrisisResources):
    """Said when someone declines help after a crisis message: one "no" must not erase the lines."""

    response = "utter_crisis_reminder"

    def name(self) -> Text:
        return "action_crisis_reminder"


class ActionCrisisHandoff(ActionHandoff):
    """Records an urgent handoff (or raises the open one to urgent) and says when a person will reply."""

    priority = Priority.urgent
    reason = "crisis"

    def name(self) -> Text:
        return "action_crisis_handoff"

    def response_for(self, result: HandoffResult, config: Settings) -> Text:
        # Already waiting for staff: the crisis lines were just given; say the request is now urgent.
        return "utter_crisis_handoff_raised" if result.already_queued else "utter_crisis_handoff_opened"
