"""The satisfaction question after a handoff: which ticket an answer belongs to, and storing it.

Written by the action server (actions/satisfaction.py) when the person taps an answer;
read by the console (the ticket page and the reports).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from sqlalchemy import select

from bot.store.models import HandoffRating, HandoffTicket, Priority, TicketStatus, utcnow
from bot.store.sessions import session_factory

RATINGS = range(1, 6)
# The question is asked when staff resolve; an answer long after that belongs to nothing.
ANSWERABLE_FOR = timedelta(days=7)


def _latest_resolved(session, conversation_id: str) -> Optional[HandoffTicket]:
    return session.execute(
        select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id,
                                    HandoffTicket.status == TicketStatus.resolved,
                                    HandoffTicket.resolved_at >= utcnow() - ANSWERABLE_FOR)
        .order_by(HandoffTicket.resolved_at.desc()).limit(1)).scalar_one_or_none()


def may_ask(database_url: str, conversation_id: str) -> bool:
    """The question follows a resolved handoff, never an urgent one: after a crisis, a
    rating would read as if the person's safety were a service to score."""
    with session_factory(database_url)() as session:
        ticket = _latest_resolved(session, conversation_id)
        return ticket is not None and ticket.priority != Priority.urgent


def record_rating(database_url: str, conversation_id: str, rating: int) -> Optional[int]:
    """Stores the answer for the conversation's latest resolved ticket, if it was resolved
    recently; a second answer replaces the first (the person changed their mind). Returns
    the ticket's id, or None when there is nothing to rate."""
    if rating not in RATINGS:
        return None
    with session_factory(database_url).begin() as session:
        ticket = _latest_resolved(session, conversation_id)
        if ticket is None:
            return None
        found = session.get(HandoffRating, ticket.id)
        if found is None:
            session.add(HandoffRating(ticket_id=ticket.id, rating=rating))
        else:
            found.rating, found.rated_at = rating, utcnow()
        return ticket.id


def rating_of(session, ticket_id: int) -> Optional[int]:
    found = session.get(HandoffRating, ticket_id)
    return found.rating if found else None
