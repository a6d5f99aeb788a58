"""A message Rasa could not take the conversation's lock for is tried again, not dropped.

Rasa raises LockError before it handles anything of the message (the lock store is
unreachable, Redis restarting, or the conversation's lock stayed taken too long), so
trying again cannot handle it twice. Rasa's own channels log the error and answer with
nothing; ours try again with back-off for about half a minute (a Redis restart, a
failover), then tell the sender honestly that the message was not read: the REST channel
with 503 and Retry-After, the widget and Telegram with a kind text asking them to send it
again.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Sequence

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError

logger = logging.getLogger(__name__)
RETRY_DELAYS_SECONDS: Sequence[float] = (1, 2, 4, 8, 15)


async def handled(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                  delays: Sequence[float] = RETRY_DELAYS_SECONDS) -> bool:
    """Whether Rasa handled the message, after as many tries as `delays` allows."""
    for attempt, delay in enumerate([*delays, None]):
        try:
            await on_new_message(message)
            return True
        except LockError as error:
            if delay is None:
                logger.error("A message was not handled after %d tries: the lock store failed (%s)",
                             attempt + 1, type(error.__cause__ or error).__name__)
                return False
            logger.warning("The lock store failed (%s); the message is tried again in %s s",
                           type(error.__cause__ or error).__name__, delay)
            await asyncio.sleep(delay)
    return False
