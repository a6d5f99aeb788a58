"""Fills every response with the deployment's own values, inside the Rasa server.

Responses in domain.yml and data/responses/ say {org_name}, {staff_hours},
{emergency_number}, {crisis_lines}, {retention_days} and {clinic_contact}; this generator fills them
from the settings (bot/settings.py) when Rasa sends a response. Because it runs in the
Rasa server, the crisis responses carry the emergency number and the configured crisis
lines even when the action server is down. {language_line} is the line in the writer's
own language when the crisis triage heard a crisis in a language the assistant cannot
read (data/safety/crisis_languages.yml), and empty otherwise.

utter_iamabot and about_service say the answers are reviewed by clinicians only when every
text is signed off in its current wording (bot/content_review/, slot `content_signed_off`).

The crisis responses have a variant per kind of crisis (domain.yml, conditions on the
slot `crisis_kind`). The kind and the language come from the conversation itself: the
`crisis_signals` of the latest crisis or check-in message, so a "yes" to a check-in
about danger still gets the danger variant.

Configured in endpoints.yml as `nlg: type: bot.rasa_side.nlg.DeploymentResponses`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Text

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.content_review.signoff import all_signed_off
from bot.rasa_side.nlu.crisis_classifier import SIGNALS
from bot.rasa_side.nlu.language_guard import UNREADABLE
from bot.settings import PROJECT_ROOT, Settings, format_clinic_contact, format_crisis_lines, settings
from bot.staff_hours import next_staffed_time

LANGUAGES_FILE = PROJECT_ROOT / "data" / "safety" / "crisis_languages.yml"
CRISIS_TIERS = ("crisis", "check")
# The handoff texts after which the visitor waits for a person, and those that end the wait.
HANDOFF_WAITING = {"utter_handoff_opened", "utter_handoff_opened_out_of_hours", "utter_handoff_already_queued",
                   "utter_handoff_kept_after_restart", "utter_handoff_staff_already_here", "utter_crisis_handoff_opened",
                   "utter_crisis_handoff_raised", "utter_handoff_kept", "utter_crisis_handoff_kept"}
HANDOFF_ENDED = {"utter_handoff_resumed", "utter_handoff_withdrawn"}


@lru_cache(maxsize=1)
def language_replies(path: Path = LANGUAGES_FILE) -> Dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return {code: entry.get("reply", "") for code, entry in (document.get("languages") or {}).items()}


def deployment_values(config: Settings) -> Dict[str, Any]:
    return {
        "org_name": config.org_name,
        "staff_hours": config.staff_hours,
        "emergency_number": config.emergency_number,
        "crisis_lines": format_crisis_lines(config.crisis_lines),
        "retention_days": str(config.retention_days),
        "clinic_contact": format_clinic_contact(config),
    }


def language_line(code: Optional[str]) -> str:
    reply = language_replies().get(code or "", "")
    return f"{reply}\n\n" if reply else ""


class DeploymentResponses(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__(domain.responses if domain else {})
        self.config = settings()
        self.values = deployment_values(self.config)
        # Read once at start: a sign-off lands with a deployment, not while it runs.
        self.content_signed_off = all_signed_off()

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        heard = latest_crisis_signals(tracker)
        latest = tracker.latest_message.parse_data if tracker.latest_message else {}
        slots = {**tracker.current_slot_values(), "crisis_kind": heard.get("kind"),
                 "crisis_language": heard.get("language"), "unreadable": (latest or {}).get(UNREADABLE),
                 "clinic_contact_configured": bool(self.values["clinic_contact"]),
                 "content_signed_off": self.content_signed_off}
        values = {**self.values, "language_line": language_line(heard.get("language")), **kwargs}
        response = self.generate_from_slots(utter_action, slots, output_channel, **values)
        state = self.handoff_state(utter_action)
        if response is not None and state is not None:
            # Rasa's socket.io channel emits custom JSON as `emit(**custom)`: the payload goes under "data".
            response["custom"] = {"data": {"handoff": state}}
        return response

    def handoff_state(self, utter_action: Text) -> Optional[Dict[str, Any]]:
        """What the widget shows while a person is awaited (its header and banner), sent with
        the handoff texts as custom JSON; Telegram shows none of it."""
        if utter_action in HANDOFF_WAITING:
            staffed = next_staffed_time(self.config.staff_schedule, self.config.staff_timezone)
            return {"state": "waiting", "staff_from": staffed.isoformat() if staffed else None,
                    "urgent": "crisis" in utter_action,
                    # The widget offers "email me when they reply" only where email can be sent.
                    "email_notice": bool(self.config.smtp_host),
                    # ... and "continue on Telegram" only where the clinic has a Telegram bot.
                    "telegram_link": bool(self.config.telegram_bot_username)}
        if utter_action in HANDOFF_ENDED:
            return {"state": "ended"}
        return None


def latest_crisis_signals(tracker: DialogueStateTracker) -> Dict[str, Any]:
    """What the crisis triage heard in the latest message it raised (crisis or check-in)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            signals = (event.parse_data or {}).get(SIGNALS) or {}
            if signals.get("tier") in CRISIS_TIERS:
                return signals
    return {}
