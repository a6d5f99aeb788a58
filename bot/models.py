"""SQLAlchemy models of the handoff store.

Rasa's tracker store keeps the transcript; these tables only hold what the handoff
workflow adds on top of it. Written in the 2.0 style that SQLAlchemy 1.4 supports.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Enum, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Priority(str, enum.Enum):
    urgent = "urgent"
    normal = "normal"


class TicketStatus(str, enum.Enum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"


class HandoffTicket(Base):
    """A request for a person to take over one conversation."""

    __tablename__ = "handoff_tickets"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    channel = Column(String(64), nullable=False)
    priority = Column(Enum(Priority, name="handoff_priority"), nullable=False)
    status = Column(Enum(TicketStatus, name="handoff_status"), nullable=False, default=TicketStatus.open)
    # Why the handoff was opened (e.g. "crisis", "request_human"); never the user's words.
    reason = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    note = Column(Text, nullable=True)

    __table_args__ = (
        Index("ix_handoff_queue", "status", "priority", "created_at"),
        Index("ix_handoff_conversation", "conversation_id", "status"),
    )
