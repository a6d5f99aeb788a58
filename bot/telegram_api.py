"""Calls to the Telegram Bot API with flood control and retries (python-telegram-bot only, no Rasa).

Shared by the Rasa-side Telegram connector (bot/rasa_side/channels/) and the action
server's staff alerts (actions/staff_alerts.py).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional, TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> Optional[T]:
    """Flood control waits as long as Telegram asks; network errors back off. Gives up quietly.

    Giving up never raises into Rasa: one chat's failure must not break anyone else's.
    """
    for attempt in range(MAX_ATTEMPTS):
        try:
            return await call()
        except RetryAfter as flood:
            await asyncio.sleep(_seconds(flood.retry_after))
        except (BadRequest, Forbidden) as refused:
            # Wrong request or the user blocked the bot: retrying cannot help.
            logger.warning("Telegram refused %s: %s", what, type(refused).__name__)
            return None
        except NetworkError as error:
            if attempt == MAX_ATTEMPTS - 1:
                break
            logger.info("Telegram %s failed (%s), retrying", what, type(error).__name__)
            await asyncio.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
    logger.error("Telegram %s failed after %d attempts", what, MAX_ATTEMPTS)
    return None
