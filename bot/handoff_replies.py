"""What a person hears when their request for a person is recorded.

Shared by the action server (actions/handoff.py, actions/crisis.py) and the Rasa server's
fallback for when the action server cannot be reached (bot/rasa_side/handoff_fallback.py),
so both say the same true thing. Returns a response name of domain.yml.
"""
from __future__ import annotations

from bot.settings import Settings
from bot.staff_hours import staff_at_work
from bot.store.models import Priority
from bot.store.tickets import HandoffResult


def handoff_response(result: HandoffResult, requested: Priority, config: Settings) -> str:
    if requested == Priority.urgent:
        # Already waiting for staff: the crisis lines were just given; say the request is now urgent.
        return "utter_crisis_handoff_raised" if result.already_queued else "utter_crisis_handoff_opened"
    if result.claimed:
        return "utter_handoff_staff_already_here"
    if result.already_queued:
        return "utter_handoff_already_queued"
    at_work = staff_at_work(config.staff_schedule, config.staff_timezone)
    return "utter_handoff_opened" if at_work else "utter_handoff_opened_out_of_hours"


def kept_response(requested: Priority) -> str:
    """The request could not be written yet and waits in the outbox (bot/store/outbox.py)."""
    return "utter_crisis_handoff_kept" if requested == Priority.urgent else "utter_handoff_kept"
