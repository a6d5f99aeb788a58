"""Sends Rasa's replies to Telegram: HTML text, inline keyboards, staff replies, with retries.

Works for replies to a message and for messages the server starts (staff replies,
resume notices): everything is async on the running event loop, so
`TelegramInput.get_output_channel()` can return one of these at any time.
"""
from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction, ParseMode

from bot.conversation_ids import WEB_PREFIX, telegram_chat_of
from bot.rasa_side.channels.staff_replies import report_delivery, staff_reply_in
from bot.rasa_side.channels.telegram_format import split_for_telegram, to_telegram_html
from bot.settings import settings
from bot.store import telegram_links
from bot.store.deliveries import Delivery
from bot.store.sessions import session_factory
from bot.telegram_api import attempt, with_retries

logger = logging.getLogger(__name__)
# Telegram allows 64 bytes of callback data; payloads longer than that cannot be buttons.
MAX_CALLBACK_BYTES = 64


def inline_keyboard(buttons: List[Dict[str, Any]]) -> Optional[InlineKeyboardMarkup]:
    rows = [[InlineKeyboardButton(b["title"], callback_data=b["payload"])] for b in buttons
            if b.get("payload") and len(b["payload"].encode()) <= MAX_CALLBACK_BYTES]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramOutput(OutputChannel):
    """Sends to the chat of a `telegram:<chat id>` conversation, to `chat_id` when it is
    given (a turn of a web conversation continued in Telegram), and otherwise to the chat a
    web conversation was joined to (bot/store/telegram_links.py)."""

    def __init__(self, bot: Bot, texts: Dict[str, str], chat_id: Optional[str] = None):
        self.bot = bot
        self.texts = texts
        self.chat_id = chat_id

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    async def chat_of(self, recipient_id: Text) -> Optional[str]:
        if self.chat_id is not None:
            return self.chat_id
        if recipient_id.startswith(WEB_PREFIX):
            return await asyncio.get_running_loop().run_in_executor(None, linked_chat, recipient_id)
        return telegram_chat_of(recipient_id)

    async def send(self, recipient_id: Text, markdown: str, keyboard: Optional[InlineKeyboardMarkup] = None) -> None:
        chat_id = await self.chat_of(recipient_id)
        if chat_id is None:
            return  # a web conversation no chat continues (any more): its widget fetches what it missed
        pieces = split_for_telegram(markdown)
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            await with_retries(lambda piece=piece, markup=markup: self.bot.send_message(
                chat_id=chat_id, text=to_telegram_html(piece), parse_mode=ParseMode.HTML,
                reply_markup=markup, disable_web_page_preview=True), "sendMessage")

    async def typing(self, recipient_id: Text) -> None:
        chat_id = await self.chat_of(recipient_id)
        if chat_id is not None:
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
        """A staff reply (bot/web/rasa_client.py) is signed with the person's name, and what
        Telegram made of it is recorded for the console; other custom JSON is not shown."""
        reply = staff_reply_in(json_message)
        if reply is None:
            return
        chat_id = await self.chat_of(recipient_id)
        if chat_id is None:
            await report_delivery(reply, recipient_id, Delivery(
                False, "No Telegram chat continues this conversation now; the visitor's chat shows it when opened"))
            return
        signature = self.texts["staff_signature"].format(staff_name=reply.get("staff_name", ""),
                                                         org_name=reply.get("org_name", ""))
        # The signature is ours; the staff text is shown exactly as written, escaped.
        outcome = await attempt(lambda: self.bot.send_message(
            chat_id=chat_id, parse_mode=ParseMode.HTML, disable_web_page_preview=True,
            text=f"<b>{html.escape(signature, quote=False)}</b>\n{html.escape(reply.get('text', ''), quote=False)}"),
            "sendMessage")
        await report_delivery(reply, recipient_id, Delivery(outcome.refused is None, outcome.refused))


def linked_chat(conversation_id: str) -> Optional[str]:
    with session_factory(settings().database_url)() as session:
        return telegram_links.chat_of_conversation(session, conversation_id)
