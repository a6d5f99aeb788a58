"""Deleting a conversation: on the user's request, and when it is past the retention period.

The transcript lives in Rasa's tracker store (table `events` of its SQLTrackerStore);
tickets and notes live in the handoff store. Both go. The audit log keeps only that an
erasure happened: entries about the erased tickets lose their ticket id.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, List

from sqlalchemy import delete, func, select, update

from bot.store import audit, telegram_links
from bot.store.sessions import plain_engine_for, session_factory
from bot.store.models import (AuditEntry, HandoffNote, HandoffRating, HandoffTicket, ReplyDelivery, StaffSeen,
                              VisitorContact)
from bot.store.tracker_events import EVENTS, has_events


@dataclass(frozen=True)
class ErasureReport:
    conversations: int
    events: int
    tickets: int


def erase_conversations(handoff_database_url: str, tracker_database_url: str,
                        conversation_ids: Iterable[str], reason: str) -> ErasureReport:
    ids: List[str] = list(conversation_ids)
    if not ids:
        return ErasureReport(0, 0, 0)
    deleted_events = 0
    if has_events(tracker_database_url):
        with plain_engine_for(tracker_database_url).begin() as connection:
            deleted_events = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids))).rowcount
    with session_factory(handoff_database_url).begin() as session:
        ticket_ids = list(session.execute(
            select(HandoffTicket.id).where(HandoffTicket.conversation_id.in_(ids))).scalars())
        if ticket_ids:
            session.execute(delete(HandoffNote).where(HandoffNote.ticket_id.in_(ticket_ids)))
            session.execute(delete(HandoffRating).where(HandoffRating.ticket_id.in_(ticket_ids)))
            session.execute(delete(HandoffTicket).where(HandoffTicket.id.in_(ticket_ids)))
            session.execute(update(AuditEntry).where(AuditEntry.ticket_id.in_(ticket_ids))
                            .values(ticket_id=None, detail=None))
        session.execute(delete(ReplyDelivery).where(ReplyDelivery.conversation_id.in_(ids)))
        session.execute(delete(VisitorContact).where(VisitorContact.conversation_id.in_(ids)))
        session.execute(delete(StaffSeen).where(StaffSeen.conversation_id.in_(ids)))
        telegram_links.forget(session, ids)
        audit.record(session, "erasure", detail=f"{reason}: {len(ids)} conversation(s)")
    return ErasureReport(len(ids), deleted_events, len(ticket_ids))


def erase_conversation(handoff_database_url: str, tracker_database_url: str, conversation_id: str) -> ErasureReport:
    """The user's own request: everything about this conversation goes."""
    return erase_conversations(handoff_database_url, tracker_database_url, [conversation_id], "user request")


def purge_older_than(handoff_database_url: str, tracker_database_url: str, days: int) -> ErasureReport:
    """Conversations whose last message is older than `days`, with their tickets."""
    cutoff = time.time() - days * 86400
    stale: List[str] = []
    if has_events(tracker_database_url):
        with plain_engine_for(tracker_database_url).connect() as connection:
            stale = list(connection.execute(
                select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
                .having(func.max(EVENTS.c.timestamp) < cutoff)).scalars())
    return erase_conversations(handoff_database_url, tracker_database_url, stale, f"retention {days} days")
