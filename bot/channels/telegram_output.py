"""Sends Rasa's replies to Telegram: HTML text, inline keyboards, staff replies, with retries.

Works for replies to a message and for messages the server starts (staff replies,
resume notices): everything is async on the running event loop, so
`TelegramInput.get_output_channel()` can return one of these at any time.
"""
from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, TypeVar

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.channels.telegram_format import split_for_telegram, to_telegram_html

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)
# Telegram allows 64 bytes of callback data; payloads longer than that cannot be buttons.
MAX_CALLBACK_BYTES = 64


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


def inline_keyboard(buttons: List[Dict[str, Any]]) -> Optional[InlineKeyboardMarkup]:
    rows = [[InlineKeyboardButton(b["title"], callback_data=b["payload"])] for b in buttons
            if b.get("payload") and len(b["payload"].encode()) <= MAX_CALLBACK_BYTES]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramOutput(OutputChannel):
    def __init__(self, bot: Bot, texts: Dict[str, str]):
        self.bot = bot
        self.texts = texts

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    async def send(self, chat_id: Text, markdown: str, keyboard: Optional[InlineKeyboardMarkup] = None) -> None:
        pieces = split_for_telegram(markdown)
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            await with_retries(lambda piece=piece, markup=markup: self.bot.send_message(
                chat_id=chat_id, text=to_telegram_html(piece), parse_mode=ParseMode.HTML,
                reply_markup=markup, disable_web_page_preview=True), "sendMessage")

    async def typing(self, chat_id: Text) -> None:
        await with_retries(lambda: self.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING),
                           "sendChatAction")

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self.send(recipient_id, text, inline_keyboard(buttons))

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send(recipient_id, image)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """A staff reply (bot/rasa_client.py) is signed with the person's name; other custom JSON is not shown."""
        reply = json_message.get("data") or {}
        if not reply.get("staff_reply"):
            return
        signature = self.texts["staff_signature"].format(staff_name=reply.get("staff_name", ""),
                                                         org_name=reply.get("org_name", ""))
        # The signature is ours; the staff text is shown exactly as written, escaped.
        await with_retries(lambda: self.bot.send_message(
            chat_id=recipient_id, parse_mode=ParseMode.HTML, disable_web_page_preview=True,
            text=f"<b>{html.escape(signature, quote=False)}</b>\n{html.escape(reply.get('text', ''), quote=False)}"),
            "sendMessage")
