"""The audit log: every view, reply, note, claim, resolve, login and erasure, by whom and when."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry, as_utc, utcnow

# The console refreshes an open ticket every few seconds: that is one look, not dozens.
VIEW_COUNTS_ONCE_WITHIN = timedelta(minutes=15)


def record(session: Session, action: str, staff_id: Optional[int] = None,
           ticket_id: Optional[int] = None, detail: Optional[str] = None) -> None:
    """`detail` is for ids and outcomes only: never a user's words, a reply or a note."""
    session.add(AuditEntry(action=action, staff_id=staff_id, ticket_id=ticket_id, detail=detail))


def record_view(session: Session, staff_id: int, ticket_id: int) -> bool:
    """A "view" of a ticket, unless this person's latest entry on it is a view from the last
    15 minutes (the same opening, refreshed). Decided here, not by the page, so no client can
    leave its views out. Returns whether a row was written."""
    latest = session.execute(
        select(AuditEntry).where(AuditEntry.staff_id == staff_id, AuditEntry.ticket_id == ticket_id)
        .order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none()
    if latest is not None and latest.action == "view" and as_utc(latest.at) > utcnow() - VIEW_COUNTS_ONCE_WITHIN:
        return False
    record(session, "view", staff_id=staff_id, ticket_id=ticket_id)
    return True


def recent_entries(session: Session, limit: int = 200, offset: int = 0) -> List[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.execute(statement).scalars())


def last_replies(session: Session, ticket_ids: List[int]) -> Dict[int, datetime]:
    """When staff last replied on each ticket (the audit log's "reply" entries)."""
    return _replies(session, ticket_ids, func.max)


def first_replies(session: Session, ticket_ids: List[int]) -> Dict[int, datetime]:
    """When staff first replied on each ticket."""
    return _replies(session, ticket_ids, func.min)


def _replies(session: Session, ticket_ids: List[int], which) -> Dict[int, datetime]:
    if not ticket_ids:
        return {}
    rows = session.execute(select(AuditEntry.ticket_id, which(AuditEntry.at))
                           .where(AuditEntry.ticket_id.in_(ticket_ids), AuditEntry.action == "reply")
                           .group_by(AuditEntry.ticket_id))
    return {ticket_id: as_utc(at) for ticket_id, at in rows}
