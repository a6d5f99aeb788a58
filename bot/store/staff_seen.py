"""How far staff have seen a conversation (bot/store/models.StaffSeen).

Written by the web app when the ticket page, visible in a staff member's browser, loads
the ticket: the time of the newest user message it showed. Read by the visitor's widget,
which marks the messages it sent up to then "seen by staff" (bot/web/public.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from bot.store.models import StaffSeen, as_utc, utcnow


def mark_seen(session: Session, conversation_id: str, at: Optional[datetime] = None) -> None:
    """Staff saw the conversation's messages up to the one that reached the server `at`."""
    at = at or utcnow()
    seen = session.get(StaffSeen, conversation_id) or StaffSeen(conversation_id=conversation_id)
    if seen.seen_at is None or as_utc(seen.seen_at) < at:
        seen.seen_at = at
    session.add(seen)


def seen_at(session: Session, conversation_id: str) -> Optional[datetime]:
    seen = session.get(StaffSeen, conversation_id)
    return as_utc(seen.seen_at) if seen else None
