"""Optional alert to a staff Telegram group when a handoff opens or becomes urgent.

Sent by whichever process writes the ticket: the action server (actions/handoff.py), or,
for a request kept while the store was down, the process that writes it later
(bot/store/outbox.py: the keeping process's retry or the web app's sweep).

Set TELEGRAM_STAFF_CHAT_ID (with TELEGRAM_BOT_TOKEN) to turn it on. The alert holds the
ticket number, priority, reason and a console link, never the user's words: a group
chat is not the place for them, and staff read them after logging in.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Optional, Set

from telegram import Bot

from bot.telegram_api import with_retries

logger = logging.getLogger(__name__)
_pending: Set[asyncio.Task] = set()


def _staff_chat() -> Optional[str]:
    chat = os.environ.get("TELEGRAM_STAFF_CHAT_ID", "").strip()
    return chat if chat and os.environ.get("TELEGRAM_BOT_TOKEN") else None


def alert_text(ticket_id: int, priority: str, reason: str, raised: bool, console_url: str) -> str:
    what = "Handoff raised to URGENT" if raised else f"New {priority.upper()} handoff"
    return f"{what}: #{ticket_id} ({reason}).\nOpen it in the staff console: {console_url}/staff/tickets/{ticket_id}"


async def _send(chat_id: str, text: str) -> None:
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"],
              base_url=os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"))
    async with bot:
        await with_retries(lambda: bot.send_message(chat_id=chat_id, text=text, disable_web_page_preview=True),
                           "staff alert")


def alert_staff(ticket_id: int, priority: str, reason: str, raised: bool, console_url: str) -> None:
    """Sends in the background: the person asking for help never waits for the staff alert."""
    chat_id = _staff_chat()
    if chat_id is None:
        return
    task = asyncio.get_running_loop().create_task(
        _send(chat_id, alert_text(ticket_id, priority, reason, raised, console_url)))
    _pending.add(task)  # keep a reference until it is done
    task.add_done_callback(_pending.discard)
