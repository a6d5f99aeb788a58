"""Queries and commands of the handoff workflow, each named after what it does."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.db import session_factory
from bot.models import HandoffTicket, Priority, TicketStatus

ACTIVE_STATUSES = (TicketStatus.open, TicketStatus.claimed)


@dataclass(frozen=True)
class HandoffResult:
    ticket_id: int
    priority: Priority
    already_queued: bool


def request_handoff(
    database_url: str, conversation_id: str, channel: str, priority: Priority, reason: str
) -> HandoffResult:
    """Open a ticket, or reuse the conversation's active one (raising it to urgent if needed)."""
    Session = session_factory(database_url)
    with Session.begin() as session:
        ticket = session.execute(
            select(HandoffTicket)
            .where(HandoffTicket.conversation_id == conversation_id)
            .where(HandoffTicket.status.in_(ACTIVE_STATUSES))
            .order_by(HandoffTicket.created_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if ticket is not None:
            if priority == Priority.urgent and ticket.priority != Priority.urgent:
                ticket.priority = Priority.urgent
                ticket.reason = reason
            return HandoffResult(ticket.id, ticket.priority, already_queued=True)
        ticket = HandoffTicket(
            conversation_id=conversation_id,
            channel=channel,
            priority=priority,
            status=TicketStatus.open,
            reason=reason,
        )
        session.add(ticket)
        session.flush()
        return HandoffResult(ticket.id, ticket.priority, already_queued=False)

