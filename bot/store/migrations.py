"""Changes to stored data that a new version needs, each applied once, in order.

`python -m bot migrate` runs them (scripts/run_stack.sh does before the servers start);
the handoff store's `schema_migrations` table records which ones are done, so running it
again changes nothing. Each migration is a function of (handoff engine, tracker engine)
and runs in one transaction per database.
"""
from __future__ import annotations

import logging
from typing import Callable, List, Tuple

from sqlalchemy import Column, DateTime, MetaData, String, Table, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from bot.conversation_ids import TELEGRAM_PREFIX
from bot.store.models import utcnow
from bot.store.sessions import engine_for, plain_engine_for

logger = logging.getLogger(__name__)

APPLIED = Table(
    "schema_migrations", MetaData(),
    Column("name", String(120), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def _telegram_ids_get_their_channel(handoff: Connection, tracker: Connection | None) -> None:
    """Telegram conversations were once the bare chat id, which any bot in a shared group
    sees; they are `telegram:<chat id>` now (bot/conversation_ids.py)."""
    handoff.execute(text(
        "UPDATE handoff_tickets SET conversation_id = :prefix || conversation_id "
        "WHERE channel = 'telegram' AND conversation_id NOT LIKE 'telegram:%'"), {"prefix": TELEGRAM_PREFIX})
    if tracker is None:
        return
    # A Telegram conversation is one whose user messages came in on the telegram channel.
    senders = list(tracker.execute(text(
        "SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' "
        "AND data LIKE '%\"input_channel\": \"telegram\"%' AND sender_id NOT LIKE 'telegram:%'")).scalars())
    for sender in senders:
        tracker.execute(text("UPDATE events SET sender_id = :new WHERE sender_id = :old"),
                        {"new": TELEGRAM_PREFIX + sender, "old": sender})


MIGRATIONS: List[Tuple[str, Callable[[Connection, Connection | None], None]]] = [
    ("0001_telegram_ids_get_their_channel", _telegram_ids_get_their_channel),
]


def migrate(handoff_database_url: str, tracker_database_url: str) -> List[str]:
    """Applies what is not applied yet; returns the names of the migrations it ran."""
    handoff_engine: Engine = engine_for(handoff_database_url)
    tracker_engine = plain_engine_for(tracker_database_url)
    APPLIED.create(handoff_engine, checkfirst=True)
    ran = []
    with handoff_engine.connect() as connection:
        done = set(connection.execute(select(APPLIED.c.name)).scalars())
    for name, change in MIGRATIONS:
        if name in done:
            continue
        has_tracker = inspect(tracker_engine).has_table("events")
        with handoff_engine.begin() as handoff:
            if has_tracker:
                with tracker_engine.begin() as tracker:
                    change(handoff, tracker)
            else:
                change(handoff, None)
            handoff.execute(APPLIED.insert().values(name=name, applied_at=utcnow()))
        logger.info("Applied migration %s", name)
        ran.append(name)
    return ran
