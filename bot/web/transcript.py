"""Turns a Rasa tracker into the transcript staff read: who said what, when, and why the bot said it."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, List, Optional


def _at(timestamp: Optional[float]) -> Optional[str]:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat() if timestamp else None


def _staff_reply(event: Dict) -> Dict:
    custom = (event.get("data") or {}).get("custom") or {}
    return custom.get("data") or {}


def staff_text(event: Dict) -> str:
    """What a member of staff wrote: the text of the custom payload bot/web/rasa_client.py sends."""
    return _staff_reply(event).get("text") or event.get("text") or ""


def transcript_from_tracker(tracker: Dict) -> List[Dict]:
    """User, bot and staff turns in order, plus pause/resume markers.

    A bot turn carries the intent and confidence of the user message it answered, so a
    supervisor can see why the bot said it.
    """
    turns: List[Dict] = []
    last_intent: Optional[Dict] = None
    for event in tracker.get("events", []):
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            last_intent = {"intent": intent.get("name"), "confidence": intent.get("confidence")}
            turns.append({"speaker": "user", "at": _at(event.get("timestamp")), "text": event.get("text") or "",
                          **last_intent})
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            if metadata.get("staff_reply"):
                turns.append({"speaker": "staff", "at": _at(event.get("timestamp")), "text": staff_text(event),
                              "staff_name": metadata.get("staff_name"), "reply_id": _staff_reply(event).get("reply_id")})
                continue
            buttons = [b.get("title") for b in (event.get("data") or {}).get("buttons") or []]
            turns.append({"speaker": "bot", "at": _at(event.get("timestamp")), "text": event.get("text") or "",
                          "buttons": buttons, **(last_intent or {"intent": None, "confidence": None})})
        elif kind in ("pause", "resume"):
            turns.append({"speaker": "system", "at": _at(event.get("timestamp")),
                          "text": "Bot paused for handoff" if kind == "pause" else "Bot resumed"})
    return turns


def visitor_messages_from_tracker(tracker: Dict) -> List[Dict]:
    """What the visitor was sent, in order: every bot and staff message with text, as the
    widget shows them (no intents, no confidences, no pause markers). The widget compares
    it with what it has shown and adds what it missed (a reply sent while it was offline
    or reloading)."""
    messages: List[Dict] = []
    for event in tracker.get("events", []):
        if event.get("event") != "bot":
            continue
        metadata = event.get("metadata") or {}
        if metadata.get("staff_reply"):
            text = staff_text(event)
            if text.strip():
                messages.append({"role": "staff", "text": text, "at": _at(event.get("timestamp")),
                                 "staff_name": metadata.get("staff_name") or "",
                                 "org_name": _staff_reply(event).get("org_name") or ""})
            continue
        text = event.get("text") or ""
        if text.strip():
            buttons = [{"title": b.get("title"), "payload": b.get("payload")}
                       for b in (event.get("data") or {}).get("buttons") or [] if b.get("title")]
            messages.append({"role": "bot", "text": text, "at": _at(event.get("timestamp")), "buttons": buttons})
    return messages


def visitor_handoff_state(tracker: Dict) -> Optional[Dict]:
    """The latest handoff state the bot sent the visitor (waiting for staff, or ended), if any."""
    state = None
    for event in tracker.get("events", []):
        if event.get("event") == "bot":
            handoff = (((event.get("data") or {}).get("custom") or {}).get("data") or {}).get("handoff")
            if isinstance(handoff, dict):
                state = handoff
    return state
