"""The crisis protocol's handoff: an urgent ticket, so staff reach out.

The rule in data/rules/rules_crisis.yml first sends the empathy sentence and the crisis
lines as responses the Rasa server fills itself (bot/rasa_side/nlg.py), so they reach
the person even when this server is down; then this action.
"""
from typing import Text

from actions.handoff import ActionHandoff
from bot.store.models import Priority


class ActionCrisisHandoff(ActionHandoff):
    """Records an urgent handoff (or raises the open one to urgent) and says when a person will reply."""

    priority = Priority.urgent
    reason = "crisis"

    def name(self) -> Text:
        return "action_crisis_handoff"
