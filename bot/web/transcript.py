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


# An alternative topic this close to the chosen one is shown beside it: the choice was a
# near thing, and staff should see what else the person may have meant.
CLOSE_CALL = 0.15


def understanding_of(parse_data: Dict) -> Dict:
    """Why the bot answered as it did: the intent, the FAQ topic when it answered from the
    FAQ (with close alternatives), and the crisis tier when the safety net spoke."""
    intent = parse_data.get("intent") or {}
    why: Dict = {"intent": intent.get("name"), "confidence": intent.get("confidence"),
                 "topic": None, "topic_confidence": None, "alternatives": [], "crisis_tier": None}
    selection = (parse_data.get("response_selector") or {}).get(intent.get("name") or "") or {}
    chosen = selection.get("response") or {}
    if chosen.get("intent_response_key"):
        why.update(topic=chosen["intent_response_key"], topic_confidence=chosen.get("confidence"))
        floor = (chosen.get("confidence") or 0.0) - CLOSE_CALL
        why["alternatives"] = [
            {"topic": r.get("intent_response_key"), "confidence": r.get("confidence")}
            for r in (selection.get("ranking") or [])[1:4]
            if r.get("intent_response_key") != chosen["intent_response_key"] and (r.get("confidence") or 0.0) >= floor]
    tier = (parse_data.get("crisis_signals") or {}).get("tier")
    if tier and tier != "none":
        why["crisis_tier"] = tier
    return why


def transcript_from_tracker(tracker: Dict) -> List[Dict]:
    """User, bot and staff turns in order, plus pause/resume markers.

    A user turn sent with a button shows the button's title (what the person saw and
    chose), with the payload beside it. A bot turn carries the understanding of the user
    message it answered (intent, FAQ topic and close alternatives, crisis tier), so a
    supervisor can see why the bot said it.
    """
    turns: List[Dict] = []
    last_understanding: Optional[Dict] = None
    button_titles: Dict[str, str] = {}
    for event in tracker.get("events", []):
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            last_understanding = understanding_of(event.get("parse_data") or {})
            chosen = button_titles.get(text.strip())
            turns.append({"speaker": "user", "at": _at(event.get("timestamp")), "text": chosen or text,
                          "payload": text if chosen else None, **last_understanding})
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            if metadata.get("staff_reply"):
                turns.append({"speaker": "staff", "at": _at(event.get("timestamp")), "text": staff_text(event),
                              "staff_name": metadata.get("staff_name"), "reply_id": _staff_reply(event).get("reply_id")})
                continue
            buttons = (event.get("data") or {}).get("buttons") or []
            for button in buttons:
                if button.get("payload") and button.get("title"):
                    button_titles[str(button["payload"]).strip()] = button["title"]
            turns.append({"speaker": "bot", "at": _at(event.get("timestamp")), "text": event.get("text") or "",
                          "buttons": [b.get("title") for b in buttons],
                          **(last_understanding or understanding_of({}))})
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
