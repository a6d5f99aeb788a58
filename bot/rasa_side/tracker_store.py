"""Rasa's SQL tracker store, waiting out a database that is away for a few seconds.

Rasa wraps every tracker store in its FailSafeTrackerStore: when a read fails it starts
the conversation afresh (a paused handoff forgets its pause, the bot answers over staff),
and when a write fails it keeps the events in memory only, so they never reach the
database and the transcript loses the message. A PostgreSQL restart or failover, or an
SQLite file held by another writer, is seconds long; this store tries such a read or
write again with back-off for about 25 s before Rasa's fallback sees the error.
Trying again is safe: a read changes nothing, and a write is one transaction that stores
the events the database does not have yet (SQLTrackerStore._additional_events).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional, Sequence, Text, TypeVar

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_DELAYS_SECONDS: Sequence[float] = (0.5, 1, 2, 4, 8, 10)


async def patiently(work: Callable[[], Awaitable[T]], what: str,
                    delays: Sequence[float] = RETRY_DELAYS_SECONDS) -> T:
    for delay in [*delays, None]:
        try:
            return await work()
        except OperationalError as error:  # unreachable, restarting, locked: not a wrong query
            if delay is None:
                raise
            logger.warning("The tracker store could not %s (%s); trying again in %s s",
                           what, type(error.orig).__name__ if error.orig else "OperationalError", delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class PatientSQLTrackerStore(SQLTrackerStore):
    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        parent = super()._retrieve
        return await patiently(lambda: parent(sender_id, fetch_events_from_all_sessions), "read")

    async def save(self, tracker: DialogueStateTracker) -> None:
        parent: Callable[[DialogueStateTracker], Awaitable[Any]] = super().save
        await patiently(lambda: parent(tracker), "write")
