"""Calls to the Telegram Bot API with flood control and retries (python-telegram-bot only, no Rasa).

Shared by the Rasa-side Telegram connector (bot/rasa_side/channels/) and the action
server's staff alerts (bot/staff_alerts.py).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)


def _seconds(retry_after: Any) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


@dataclass(frozen=True)
class Outcome:
    """What one Bot API call came to: its result, or why Telegram would not do it."""
    value: Any = None
    refused: Optional[str] = None  # None when the call went through


async def attempt(call: Callable[[], Awaitable[T]], what: str) -> Outcome:
    """Flood control waits as long as Telegram asks; network errors back off. Never raises:
    one chat's failure must not break anyone else's."""
    for attempt_number in range(MAX_ATTEMPTS):
        try:
            return Outcome(await call())
        except RetryAfter as flood:
            await asyncio.sleep(_seconds(flood.retry_after))
        except (BadRequest, Forbidden) as refused:
            # Wrong request or the user blocked the bot: retrying cannot help.
            logger.warning("Telegram refused %s: %s", what, type(refused).__name__)
            return Outcome(refused=f"Telegram refused it: {refused.message}")
        except NetworkError as error:
            if attempt_number == MAX_ATTEMPTS - 1:
                break
            logger.info("Telegram %s failed (%s), retrying", what, type(error).__name__)
            await asyncio.sleep(BACKOFF_SECONDS[min(attempt_number, len(BACKOFF_SECONDS) - 1)])
    logger.error("Telegram %s failed after %d attempts", what, MAX_ATTEMPTS)
    return Outcome(refused=f"Telegram could not be reached after {MAX_ATTEMPTS} attempts")


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> Optional[T]:
    """The same, for calls whose failure is only logged: the result, or None."""
    return (await attempt(call, what)).value
