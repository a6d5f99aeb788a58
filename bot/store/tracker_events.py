"""Rasa's tracker store, read from outside Rasa: the table its SQLTrackerStore writes.

Rasa owns the transcript; the web app only reads this table to see which conversations
moved (the staff console's live events, bot/web/staff_events.py) and deletes from it to
erase a conversation (bot/store/erasure.py). The columns are Rasa 3.6's
(rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, Optional

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, inspect, select

from bot.store.sessions import plain_engine_for

EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
# The start of a user message shown in the staff queue.
PREVIEW_CHARS = 140
# How many bot messages back a button's payload is looked for.
BUTTONS_LOOK_BACK = 5


@dataclass(frozen=True)
class Activity:
    """Where one conversation stands in the tracker store."""
    last_event_id: int
    last_user_at: Optional[float] = None
    last_user_preview: Optional[str] = None


def has_events(tracker_database_url: str) -> bool:
    """Rasa creates its table with the first conversation; before that there is nothing in it."""
    return inspect(plain_engine_for(tracker_database_url)).has_table("events")


def activity_of(tracker_database_url: str, conversation_ids: Iterable[str]) -> Dict[str, Activity]:
    """The latest event of each conversation, and its latest user message (time and start of text)."""
    ids = sorted(set(conversation_ids))
    if not ids or not has_events(tracker_database_url):
        return {}
    with plain_engine_for(tracker_database_url).connect() as connection:
        latest = dict(connection.execute(
            select(EVENTS.c.sender_id, func.max(EVENTS.c.id)).where(EVENTS.c.sender_id.in_(ids))
            .group_by(EVENTS.c.sender_id)).all())
        last_user = select(func.max(EVENTS.c.id)).where(
            EVENTS.c.sender_id.in_(ids), EVENTS.c.type_name == "user").group_by(EVENTS.c.sender_id)
        users = {row.sender_id: Activity(0, row.timestamp, _preview(connection, row))
                 for row in connection.execute(select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.timestamp,
                                                      EVENTS.c.data).where(EVENTS.c.id.in_(last_user)))}
    return {cid: Activity(event_id, users[cid].last_user_at, users[cid].last_user_preview) if cid in users
            else Activity(event_id) for cid, event_id in latest.items()}


def user_messages_between(tracker_database_url: str, start: float, end: float) -> Iterator[Dict]:
    """What the model made of each user message in [start, end): its time, intent and, for
    an FAQ answer, the topic. For aggregates; no text leaves this function."""
    if not has_events(tracker_database_url):
        return
    statement = (select(EVENTS.c.timestamp, EVENTS.c.intent_name, EVENTS.c.data)
                 .where(EVENTS.c.type_name == "user", EVENTS.c.timestamp >= start, EVENTS.c.timestamp < end)
                 .execution_options(yield_per=1000))
    with plain_engine_for(tracker_database_url).connect() as connection:
        for row in connection.execute(statement):
            parse_data = _json(row.data).get("parse_data") or {}
            intent = parse_data.get("intent") or {}
            name = row.intent_name or intent.get("name")
            chosen = ((parse_data.get("response_selector") or {}).get(name or "") or {}).get("response") or {}
            yield {"at": row.timestamp, "intent": name,
                   "topic": intent.get("full_retrieval_intent_name") or chosen.get("intent_response_key")}


def _preview(connection, user_row) -> Optional[str]:
    text = " ".join(str(_json(user_row.data).get("text") or "").split())
    if text.startswith("/"):
        text = _button_title(connection, user_row, text) or text
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def _button_title(connection, user_row, payload: str) -> Optional[str]:
    """A button's payload ("/faq/ptsd_symptoms") reads as the title the person chose, from
    the bot messages just before it."""
    offered = connection.execute(
        select(EVENTS.c.data).where(EVENTS.c.sender_id == user_row.sender_id, EVENTS.c.type_name == "bot",
                                    EVENTS.c.id < user_row.id).order_by(EVENTS.c.id.desc()).limit(BUTTONS_LOOK_BACK))
    for (data,) in offered:
        for button in (_json(data).get("data") or {}).get("buttons") or []:
            if str(button.get("payload") or "").strip() == payload and button.get("title"):
                return str(button["title"])
    return None


def _json(data: Optional[str]) -> Dict:
    try:
        found = json.loads(data or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
