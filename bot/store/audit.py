"""The audit log: every view, reply, note, claim, resolve, login and erasure, by whom and when."""
from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry


def record(session: Session, action: str, staff_id: Optional[int] = None,
           ticket_id: Optional[int] = None, detail: Optional[str] = None) -> None:
    """`detail` is for ids and outcomes only: never a user's words, a reply or a note."""
    session.add(AuditEntry(action=action, staff_id=staff_id, ticket_id=ticket_id, detail=detail))


def recent_entries(session: Session, limit: int = 200, offset: int = 0) -> List[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.execute(statement).scalars())
