"""Opening of every conversation: the two-sentence disclaimer, filled from configuration."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import settings


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        config = settings()
        # The slots let answers such as "about_service" name the organisation without
        # hard-coding it in the content files.
        events: List[EventType] = [
            SessionStarted(),
            SlotSet("org_name", config.org_name),
            SlotSet("staff_hours", config.staff_hours),
        ]
        dispatcher.utter_message(
            response="utter_disclaimer",
            org_name=config.org_name,
            staff_hours=config.staff_hours,
            emergency_number=config.emergency_number,
        )
        events.append(ActionExecuted("action_listen"))
        return events
