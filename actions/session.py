"""The welcome of every conversation: the two-sentence disclaimer, filled from configuration.

Run by the conversation-start rules in data/rules/rules_welcome.yml, right before the
answer to the first message. It is not a custom `action_session_start`: if the action
server were down, a failing session start would lose its events and derail every rule,
the crisis rule included. A crisis as the first message gets no welcome at all, only
the crisis protocol.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import settings


def deployment_slots() -> List[EventType]:
    """Slots that let answers such as "about_service" and "privacy" name the organisation
    and its retention period."""
    config = settings()
    return [
        SlotSet("org_name", config.org_name),
        SlotSet("staff_hours", config.staff_hours),
        SlotSet("retention_days", str(config.retention_days)),
    ]


class ActionWelcome(Action):
    def name(self) -> Text:
        return "action_welcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        config = settings()
        dispatcher.utter_message(
            response="utter_disclaimer",
            org_name=config.org_name,
            staff_hours=config.staff_hours,
            emergency_number=config.emergency_number,
        )
        return deployment_slots()
