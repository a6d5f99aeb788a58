"""Rasa's Redis lock store, made safe for several replicas.

Rasa 3.6's RedisLockStore reads a conversation's ticket list, changes it in Python and
writes it back: two replicas doing so at once both take the same ticket, or one undoes the
other's, and messages of one conversation are then processed twice at once or lost
(RasaHQ/rasa#9213; a fix was reverted in #11428). Its keys also never expire, so a replica
killed while holding a lock stalls that conversation.

Here every change is one Redis transaction (WATCH the key, read, MULTI, write; retried if
another replica wrote in between), and the key expires a minute after its last ticket
would, so a dead replica's lock goes away on its own.

endpoints.postgres.yml: `lock_store: type: bot.rasa_side.lock_store.AtomicRedisLockStore`
with the same settings as Rasa's `redis` type.
"""
from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A lock key outlives its last ticket by this much, then Redis drops it.
KEY_GRACE_SECONDS = 60


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Tuple[Any, Optional[TicketLock]]]) -> Any:
        """Applies `change` to the stored lock atomically. It gets the lock (None if there
        is none) and returns (result, lock to store, or None to delete it)."""
        key = self.key_prefix + conversation_id

        def work(pipe) -> Any:
            raw = pipe.get(key)
            result, lock = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if lock is not None and lock.tickets:
                pipe.set(key, lock.dumps(), px=_time_to_live_ms(lock))
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(work, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> Tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> Tuple[None, Optional[TicketLock]]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # One transaction: finishing and deleting an empty lock cannot race a new ticket.
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, except when this message's ticket lapses while it waits.

        Waiting behind a holder that never finishes (a replica killed mid-message), every
        ticket issued in the same moment expires with the dead one; Rasa's lock then finds
        no lock and fails the message with LockError, which the channels answer with
        nothing. Here the message queues again with a fresh ticket instead: the dead
        holder's ticket is gone by then, so it is served next (tested by killing a replica
        under load in tests/integration/test_postgres_stack.py).
        """
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is None or all(t.number != ticket for t in lock.tickets):
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(wait_time_in_seconds)
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self.key_prefix + lock.conversation_id, lock.dumps(), px=_time_to_live_ms(lock))


def _time_to_live_ms(lock: TicketLock) -> int:
    last_expiry = max((ticket.expires for ticket in lock.tickets), default=time.time())
    return max(1000, int((last_expiry - time.time() + KEY_GRACE_SECONDS) * 1000))
