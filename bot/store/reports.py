"""The clinic lead's reports: how many handoffs, when, how fast staff answered, how people
rated it, what people ask about and what the bot could not answer.

Aggregates only: counts, times and topic names, never anyone's words or ids. Days are the
clinic's own (STAFF_TIMEZONE); "out of hours" is the staff schedule's (STAFF_SCHEDULE).
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.staff_hours import staff_at_work
from bot.store import audit
from bot.store.models import HandoffRating, HandoffTicket, Priority, as_utc
from bot.store.tracker_events import user_messages_between

# Intents that mean the bot had no answer: it asked the person to rephrase.
UNANSWERED_INTENTS = {"nlu_fallback"}
TOP_TOPICS = 10


def percentile(values: List[float], share: float) -> Optional[float]:
    """Nearest-rank percentile (0.5 is the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(round(share * len(ordered), 9))))
    return ordered[rank - 1]


def _minutes(values: List[float]) -> Dict:
    return {"n": len(values), "median": _round(percentile(values, 0.5)), "p90": _round(percentile(values, 0.9))}


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


def handoff_report(session: Session, tracker_database_url: str, first: date, last: date,
                   timezone: str, schedule: str) -> Dict:
    """Everything on the reports page for the days first..last (inclusive), clinic time."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

    tickets = list(session.execute(select(HandoffTicket).where(
        HandoffTicket.created_at >= start, HandoffTicket.created_at < end)).unique().scalars())
    per_day = {day: {"day": day, "normal": 0, "urgent": 0} for day in days}
    out_of_hours = 0
    for ticket in tickets:
        opened = as_utc(ticket.created_at)
        per_day[opened.astimezone(zone).date().isoformat()][ticket.priority.value] += 1
        out_of_hours += not staff_at_work(schedule, timezone, opened)

    first_replies = audit.first_replies(session, [t.id for t in tickets])
    to_first_reply = [(as_utc(first_replies[t.id]) - as_utc(t.created_at)).total_seconds() / 60
                      for t in tickets if t.id in first_replies]
    to_resolution = [(as_utc(t.resolved_at) - as_utc(t.created_at)).total_seconds() / 60
                     for t in tickets if t.resolved_at is not None]
    ratings = Counter(session.execute(select(HandoffRating.rating).where(
        HandoffRating.ticket_id.in_([t.id for t in tickets]))).scalars()) if tickets else Counter()
    rated = sum(ratings.values())

    topics: Counter = Counter()
    unanswered = {day: 0 for day in days}
    messages = 0
    for message in user_messages_between(tracker_database_url, start.timestamp(), end.timestamp()):
        messages += 1
        if message["topic"]:
            topics[message["topic"]] += 1
        if message["intent"] in UNANSWERED_INTENTS:
            day = datetime.fromtimestamp(message["at"], zone).date().isoformat()
            unanswered[day] = unanswered.get(day, 0) + 1

    return {
        "from": first.isoformat(), "to": last.isoformat(), "timezone": timezone,
        "handoffs": {"total": len(tickets), "urgent": sum(t.priority == Priority.urgent for t in tickets),
                     "per_day": list(per_day.values()),
                     "out_of_hours": out_of_hours,
                     "out_of_hours_share": round(out_of_hours / len(tickets), 3) if tickets else None},
        "minutes_to_first_reply": _minutes(to_first_reply),
        "minutes_to_resolution": _minutes(to_resolution),
        "satisfaction": {"n": rated, "counts": {str(r): ratings.get(r, 0) for r in range(1, 6)},
                         "mean": round(sum(r * c for r, c in ratings.items()) / rated, 2) if rated else None},
        "messages": messages,
        "topics": [{"topic": topic, "count": count} for topic, count in topics.most_common(TOP_TOPICS)],
        "unanswered": {"total": sum(unanswered.values()),
                       "share": round(sum(unanswered.values()) / messages, 3) if messages else None,
                       "per_day": [{"day": day, "count": unanswered[day]} for day in days]},
    }
