"""The answer to the one question asked after staff resolved a handoff."""
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.handoff import in_worker
from bot.settings import settings
from bot.store.ratings import RATINGS, record_rating

logger = logging.getLogger(__name__)
# "I'd give it a 4", "4/5", "4 out of 5": the first lone digit from 1 to 5.
TYPED_RATING = re.compile(r"(?<![\d.])([1-5])(?![\d.])")


def rating_in(tracker: Tracker) -> Optional[int]:
    """The rating of a tapped button (its entity), else one typed in the message."""
    for value in tracker.get_latest_entity_values("rating"):
        if str(value).strip().isdigit() and int(value) in RATINGS:
            return int(value)
    typed = TYPED_RATING.search(tracker.latest_message.get("text") or "")
    return int(typed.group(1)) if typed else None


class ActionRecordHandoffRating(Action):
    """Stores the rating with the conversation's latest resolved ticket and thanks the person.
    The thanks come whatever happens: the person did their part."""

    def name(self) -> Text:
        return "action_record_handoff_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        rating = rating_in(tracker)
        if rating is not None:
            try:
                await in_worker(record_rating, settings().database_url, tracker.sender_id, rating)
            except SQLAlchemyError:
                logger.exception("Could not store a handoff rating")
        dispatcher.utter_message(response="utter_handoff_rating_thanks")
        return []
