"""`make bench`: the staff console's API with a year's worth of handoffs, against the real servers.

Seeds 10,000 tickets in the SQLite handoff store and 100,000 messages (10 per
conversation) in Rasa's SQLite tracker store, starts Rasa, the action server and the web
app on them, and prints p50/p95 of the queue, review and ticket (transcript) calls.
Target: p95 under 100 ms.
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.store.sessions import engine_for, plain_engine_for, session_factory
from bot.store.tickets import OUTCOMES
from bot.store.models import HandoffTicket, Priority, TicketStatus, utcnow
from bot.store.staff_accounts import add_user
from bot.store.tracker_events import EVENTS
from tests.benchmarks.bench_conversation import MODEL, percentiles, timed
from tests.integration.staff_client import StaffClient
from tests.stack import running_stack

TICKETS = 10_000
MESSAGES_PER_CONVERSATION = 10
REQUESTS = 300
PASSWORD = "benchmark password"

def seed_tracker(url: str) -> None:
    engine = plain_engine_for(url)
    EVENTS.metadata.create_all(engine)
    start = time.time() - 30 * 86400
    rows = []
    for conversation in range(TICKETS):
        for turn in range(MESSAGES_PER_CONVERSATION):
            at = start + conversation * 60 + turn
            if turn % 2 == 0:
                data = {"event": "user", "timestamp": at, "text": f"message {turn} of conversation {conversation}",
                        "parse_data": {"intent": {"name": "faq", "confidence": 0.9}}, "input_channel": "rest"}
                rows.append(dict(sender_id=f"bench-{conversation}", type_name="user", timestamp=at,
                                 intent_name="faq", action_name=None, data=json.dumps(data)))
            else:
                data = {"event": "bot", "timestamp": at, "text": f"answer {turn}", "data": {}, "metadata": {}}
                rows.append(dict(sender_id=f"bench-{conversation}", type_name="bot", timestamp=at,
                                 intent_name=None, action_name=None, data=json.dumps(data)))
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), rows)


def seed_handoffs(url: str) -> None:
    engine_for(url)
    Session = session_factory(url)
    with Session.begin() as session:
        staff = [add_user(session, f"staff{i}@clinic.test", f"Staff {i}", PASSWORD) for i in range(5)]
        staff_ids = [s.id for s in staff]
    now, rng = utcnow(), random.Random(7)
    rows = []
    for i in range(TICKETS):
        status = rng.choices(list(TicketStatus), weights=[1, 1, 8])[0]
        created = now - timedelta(minutes=(TICKETS - i) * 5)
        rows.append(dict(
            conversation_id=f"bench-{i}", channel=rng.choice(["telegram", "socketio"]),
            priority=rng.choices(list(Priority), weights=[1, 4])[0], status=status, reason="request_human",
            created_at=created, updated_at=created,
            assigned_staff_id=None if status == TicketStatus.open else rng.choice(staff_ids),
            claimed_at=None if status == TicketStatus.open else created,
            resolved_at=created if status == TicketStatus.resolved else None,
            outcome=rng.choice(OUTCOMES) if status == TicketStatus.resolved else None,
        ))
    with session_factory(url).begin() as session:
        session.execute(insert(HandoffTicket), rows)


def main() -> int:
    workdir = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    seed_tracker(f"sqlite:///{workdir / 'tracker.db'}")
    seed_handoffs(f"sqlite:///{workdir / 'handoff.db'}")
    print(f"seeded {TICKETS} tickets and {TICKETS * MESSAGES_PER_CONVERSATION} messages "
          f"in {time.perf_counter() - started:.1f} s")
    with running_stack(MODEL, workdir, with_web_app=True) as stack:
        staff = StaffClient(stack.web_url)
        staff.login("staff0@clinic.test", PASSWORD)
        rng = random.Random(11)
        queue = [timed(lambda: staff.get("/staff/api/handoffs", status="open").raise_for_status())
                 for _ in range(REQUESTS)]
        review = [timed(lambda: staff.get("/staff/api/handoffs", status="resolved", outcome=rng.choice(OUTCOMES),
                                          limit=50, offset=rng.randrange(0, 500)).raise_for_status())
                  for _ in range(REQUESTS)]
        ticket = [timed(lambda: staff.get(f"/staff/api/handoffs/{rng.randrange(1, TICKETS + 1)}").raise_for_status())
                  for _ in range(REQUESTS)]
    print("queue (open, urgent first)     ", percentiles(queue))
    print("review (resolved by outcome)   ", percentiles(review))
    print("ticket with transcript (Rasa)  ", percentiles(ticket))
    return 0


if __name__ == "__main__":
    sys.exit(main())
