"""Queries and commands of the handoff workflow, each named after what it does.

Every command that staff perform takes the acting staff member from their login
session (never from the request body), so one person cannot act as another.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.store import audit
from bot.store.sessions import session_factory
from bot.store.models import HandoffNote, HandoffTicket, Priority, Role, StaffUser, TicketStatus, utcnow

ACTIVE_STATUSES = (TicketStatus.open, TicketStatus.claimed)
# How a handoff ended; the console offers these when resolving.
OUTCOMES = ("answered", "referred", "crisis_support", "no_response", "other")


class HandoffError(Exception):
    """A staff command that cannot be done; `status` is the HTTP status that says why."""

    status = 400


class TicketNotFound(HandoffError):
    status = 404


class NotYours(HandoffError):
    status = 403


class WrongState(HandoffError):
    status = 409


@dataclass(frozen=True)
class HandoffResult:
    ticket_id: int
    priority: Priority
    already_queued: bool
    claimed: bool = False  # a member of staff already has the conversation
    raised_to_urgent: bool = False


@dataclass(frozen=True)
class QueueFilter:
    status: Optional[TicketStatus] = None
    priority: Optional[Priority] = None
    outcome: Optional[str] = None
    staff_id: Optional[int] = None
    created_from: Optional[datetime] = None
    created_to: Optional[datetime] = None
    limit: int = 50
    offset: int = 0


def active_ticket(session: Session, conversation_id: str) -> Optional[HandoffTicket]:
    return session.execute(
        select(HandoffTicket)
        .where(HandoffTicket.conversation_id == conversation_id)
        .where(HandoffTicket.status.in_(ACTIVE_STATUSES))
        .order_by(HandoffTicket.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def request_handoff(
    database_url: str, conversation_id: str, channel: str, priority: Priority, reason: str,
    requested_at: Optional[datetime] = None,
) -> HandoffResult:
    """Open a ticket, or reuse the conversation's active one (raising it to urgent if needed).
    `requested_at`: when the person asked, for a request kept while the store was down
    (bot/store/outbox.py); now otherwise."""
    Session = session_factory(database_url)
    with Session.begin() as session:
        ticket = active_ticket(session, conversation_id)
        if ticket is not None:
            raised = priority == Priority.urgent and ticket.priority != Priority.urgent
            if raised:
                ticket.priority = Priority.urgent
                ticket.reason = reason
            return HandoffResult(ticket.id, ticket.priority, already_queued=True,
                                 claimed=ticket.status == TicketStatus.claimed, raised_to_urgent=raised)
        ticket = HandoffTicket(
            conversation_id=conversation_id,
            channel=channel,
            priority=priority,
            status=TicketStatus.open,
            reason=reason,
            **({"created_at": requested_at} if requested_at else {}),
        )
        session.add(ticket)
        session.flush()
        return HandoffResult(ticket.id, ticket.priority, already_queued=False)


class Withdrawal(str, enum.Enum):
    withdrawn = "withdrawn"  # an open request, now closed: the bot answers again
    claimed = "claimed"  # staff already hold the conversation: they close it with the person
    urgent = "urgent"  # a crisis request stays open: staff still check in
    nothing_open = "nothing_open"


WITHDRAWN_OUTCOME = "withdrawn"


def withdraw_request(database_url: str, conversation_id: str) -> Withdrawal:
    """The person takes back their request for a person ("never mind, I'm fine")."""
    with session_factory(database_url).begin() as session:
        ticket = active_ticket(session, conversation_id)
        if ticket is None:
            return Withdrawal.nothing_open
        if ticket.priority == Priority.urgent:
            return Withdrawal.urgent
        if ticket.status == TicketStatus.claimed:
            return Withdrawal.claimed
        ticket.status, ticket.outcome, ticket.resolved_at = TicketStatus.resolved, WITHDRAWN_OUTCOME, utcnow()
        audit.record(session, "withdrawn", ticket_id=ticket.id)
        return Withdrawal.withdrawn


def list_tickets(session: Session, query: QueueFilter) -> List[HandoffTicket]:
    """The queue order staff work in: urgent first, then oldest first."""
    statement = select(HandoffTicket)
    if query.status:
        statement = statement.where(HandoffTicket.status == query.status)
    if query.priority:
        statement = statement.where(HandoffTicket.priority == query.priority)
    if query.outcome:
        statement = statement.where(HandoffTicket.outcome == query.outcome)
    if query.staff_id:
        statement = statement.where(HandoffTicket.assigned_staff_id == query.staff_id)
    if query.created_from:
        statement = statement.where(HandoffTicket.created_at >= query.created_from)
    if query.created_to:
        statement = statement.where(HandoffTicket.created_at < query.created_to)
    urgent_first = case((HandoffTicket.priority == Priority.urgent, 0), else_=1)
    statement = statement.order_by(urgent_first, HandoffTicket.created_at, HandoffTicket.id)
    return list(session.execute(statement.limit(query.limit).offset(query.offset)).scalars())


def active_tickets(session: Session, limit: int = 200) -> List[HandoffTicket]:
    """Open and claimed tickets, in the queue order (urgent first, then oldest)."""
    urgent_first = case((HandoffTicket.priority == Priority.urgent, 0), else_=1)
    return list(session.execute(
        select(HandoffTicket).where(HandoffTicket.status.in_(ACTIVE_STATUSES))
        .order_by(urgent_first, HandoffTicket.created_at, HandoffTicket.id).limit(limit)).scalars())


def count_by_status(session: Session) -> Dict[str, int]:
    counts = {status.value: 0 for status in TicketStatus}
    rows = session.execute(select(HandoffTicket.status, func.count()).group_by(HandoffTicket.status))
    for status, count in rows:
        counts[status.value] = count
    return counts


def get_ticket(session: Session, ticket_id: int) -> HandoffTicket:
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise TicketNotFound("No such handoff")
    return ticket


def claim(session: Session, ticket_id: int, staff: StaffUser) -> HandoffTicket:
    ticket = get_ticket(session, ticket_id)
    if ticket.status == TicketStatus.resolved:
        raise WrongState("This handoff is already resolved")
    if ticket.status == TicketStatus.claimed and ticket.assigned_staff_id != staff.id:
        raise NotYours(f"Already claimed by {ticket.assigned_staff.display_name}")
    ticket.status = TicketStatus.claimed
    ticket.assigned_staff_id = staff.id
    ticket.claimed_at = ticket.claimed_at or utcnow()
    return ticket


def ticket_owned_by(session: Session, ticket_id: int, staff: StaffUser) -> HandoffTicket:
    """The ticket, if `staff` has claimed it and it is still active: replies and resolving need that."""
    ticket = get_ticket(session, ticket_id)
    if ticket.status == TicketStatus.resolved:
        raise WrongState("This handoff is already resolved")
    if ticket.status != TicketStatus.claimed:
        raise WrongState("Claim this handoff first")
    if ticket.assigned_staff_id != staff.id:
        raise NotYours(f"Claimed by {ticket.assigned_staff.display_name}")
    return ticket


def _held_by_or_admin(session: Session, ticket_id: int, staff: StaffUser) -> HandoffTicket:
    """The claimed ticket, if `staff` holds it or is an admin (who may take it off someone away)."""
    ticket = get_ticket(session, ticket_id)
    if ticket.status != TicketStatus.claimed:
        raise WrongState("Only a claimed handoff can be released or handed on")
    if ticket.assigned_staff_id != staff.id and staff.role != Role.admin:
        raise NotYours(f"Claimed by {ticket.assigned_staff.display_name}")
    return ticket


def release(session: Session, ticket_id: int, staff: StaffUser) -> HandoffTicket:
    """Back to the queue for anyone to claim; the person stays with staff (the bot stays paused)."""
    ticket = _held_by_or_admin(session, ticket_id, staff)
    ticket.status, ticket.assigned_staff_id = TicketStatus.open, None
    return ticket


def reassign(session: Session, ticket_id: int, staff: StaffUser, to_staff_id: int) -> HandoffTicket:
    """Hand a claimed ticket to another member of staff."""
    ticket = _held_by_or_admin(session, ticket_id, staff)
    colleague = session.get(StaffUser, to_staff_id)
    if colleague is None or not colleague.active:
        raise HandoffError("No such member of staff")
    ticket.assigned_staff_id = colleague.id
    return ticket


def resolve(session: Session, ticket_id: int, staff: StaffUser, outcome: str) -> HandoffTicket:
    if outcome not in OUTCOMES:
        raise HandoffError(f"Outcome must be one of {', '.join(OUTCOMES)}")
    ticket = ticket_owned_by(session, ticket_id, staff)
    ticket.status = TicketStatus.resolved
    ticket.outcome = outcome
    ticket.resolved_at = utcnow()
    return ticket


def undo_resolve(session: Session, ticket_id: int) -> HandoffTicket:
    """Back to claimed by the same person, when the bot could not be resumed after a resolve."""
    ticket = get_ticket(session, ticket_id)
    ticket.status, ticket.outcome, ticket.resolved_at = TicketStatus.claimed, None, None
    return ticket


def add_note(session: Session, ticket_id: int, staff: StaffUser, text: str) -> HandoffNote:
    ticket = get_ticket(session, ticket_id)
    note = HandoffNote(ticket_id=ticket.id, staff_id=staff.id, text=text)
    session.add(note)
    session.flush()
    return note


def is_with_staff(database_url: str, conversation_id: str) -> bool:
    """Whether staff hold this conversation (an open or claimed ticket): the one record of
    it. Rasa's pause follows it, and is put back when a new session or a restart drops it."""
    with session_factory(database_url)() as session:
        return active_ticket(session, conversation_id) is not None
