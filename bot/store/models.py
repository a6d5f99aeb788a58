"""SQLAlchemy models of the handoff store.

Rasa's tracker store keeps the transcript; these tables only hold what the handoff
workflow adds on top of it: tickets, staff accounts and sessions, internal notes and
the audit log. Written in the 2.0 style that SQLAlchemy 1.4 supports.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Boolean, Column, DateTime, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Priority(str, enum.Enum):
    urgent = "urgent"
    normal = "normal"


class TicketStatus(str, enum.Enum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"


class Role(str, enum.Enum):
    staff = "staff"
    admin = "admin"


class StaffUser(Base):
    """A clinic staff account. Only the argon2 hash of the password is stored."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(Enum(Role, name="staff_role"), nullable=False, default=Role.staff)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    csrf_token = Column(String(64), nullable=False)
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)

    staff = relationship(StaffUser, lazy="joined")


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
    assigned_staff_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    resolved_at = Column(DateTime(timezone=True), nullable=True)
    # How it ended, one of OUTCOMES in bot/store/tickets.py (for supervision and review).
    outcome = Column(String(64), nullable=True)

    assigned_staff = relationship(StaffUser, lazy="joined")
    notes = relationship("HandoffNote", cascade="all, delete-orphan", order_by="HandoffNote.id")
    rating = relationship("HandoffRating", uselist=False, lazy="joined", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_handoff_queue", "status", "priority", "created_at"),
        Index("ix_handoff_conversation", "conversation_id", "status"),
        Index("ix_handoff_review", "created_at"),
    )


class HandoffNote(Base):
    """An internal note by staff on a ticket; never shown to the user."""

    __tablename__ = "handoff_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    staff = relationship(StaffUser, lazy="joined")


class AuditEntry(Base):
    """Who did what, when. Holds ids and action names, never a user's or a note's words."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    action = Column(String(64), nullable=False)
    ticket_id = Column(Integer, nullable=True, index=True)
    detail = Column(String(255), nullable=True)

    staff = relationship(StaffUser, lazy="joined")


class ReplyDelivery(Base):
    """What became of one staff reply on the person's channel: delivered, or refused and why.

    Written by the channel that sent it (inside the Rasa server), read by the console.
    Holds ids and a reason, never the reply's words (those are in the transcript).
    """

    __tablename__ = "reply_deliveries"

    reply_id = Column(String(64), primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    delivered = Column(Boolean, nullable=False)
    reason = Column(String(255), nullable=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class HandoffRating(Base):
    """The person's answer to the one question asked after staff resolved their handoff:
    how helpful it was, 1 (not at all) to 5 (very). Optional; at most one per ticket."""

    __tablename__ = "handoff_ratings"

    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"), primary_key=True)
    rating = Column(Integer, nullable=False)
    rated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class VisitorContact(Base):
    """How a web visitor chose to hear of a staff reply that came while their page was
    closed: kept on their device only, an email that a reply is waiting, or in the Telegram
    chat they joined to the conversation. The
    address is personal data: it is erased with the conversation and never logged."""

    __tablename__ = "visitor_contacts"

    conversation_id = Column(String(255), primary_key=True)
    choice = Column(String(16), nullable=False)  # "device", "email" or "telegram"
    email = Column(String(254), nullable=True)
    chosen_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # A reply waits to be announced by email (set when a staff reply could not be shown live).
    notice_pending = Column(Boolean, nullable=False, default=False)
    last_notice_at = Column(DateTime(timezone=True), nullable=True)


class TelegramLinkCode(Base):
    """A one-time code that joins a web conversation to a Telegram chat: issued to the
    conversation's own widget, redeemed by the Telegram connector when the person opens
    t.me/<bot>?start=<code>. Only its SHA-256 is kept, so the table opens nothing."""

    __tablename__ = "telegram_link_codes"

    code_hash = Column(String(64), primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class TelegramLink(Base):
    """A web conversation continued in a Telegram chat: the chat's messages go into the web
    conversation and its staff replies go to the chat, until either is deleted."""

    __tablename__ = "telegram_links"

    chat_id = Column(String(32), primary_key=True)
    conversation_id = Column(String(255), nullable=False, unique=True)
    linked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffSeen(Base):
    """The newest message of a conversation that a member of staff had on screen (when it
    reached the server): the widget marks it and those before it "seen by staff"."""

    __tablename__ = "staff_seen"

    conversation_id = Column(String(255), primary_key=True)
    seen_at = Column(DateTime(timezone=True), nullable=False)
