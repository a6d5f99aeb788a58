"""Telegram input channel for Rasa, built on python-telegram-bot (listed in credentials.yml).

Two modes (TELEGRAM_MODE):
- `webhook`: Telegram posts updates to /webhooks/telegram/webhook; the
  X-Telegram-Bot-Api-Secret-Token header must carry TELEGRAM_WEBHOOK_SECRET. When
  TELEGRAM_WEBHOOK_URL is set the webhook is registered on start.
- `polling`: for local use with no public address; getUpdates in a loop.
TELEGRAM_API_BASE_URL goes to python-telegram-bot's `base_url` (tests point it at a
local stand-in of the Bot API). With no TELEGRAM_BOT_TOKEN the channel stays off.

The conversation id of a private chat is `telegram:<chat id>` (bot/conversation_ids.py);
outgoing messages take the chat id back out of it. A chat that opened a web visitor's
"Continue on Telegram" link (`/start <one-time code>`) speaks in that web conversation
instead, and the conversation's staff replies come to it (bot/store/telegram_links.py).
Group chats get no conversation: when addressed, the bot asks people to write
privately, so nobody's conversation is shown to others.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.conversation_ids import telegram_conversation
from bot.rasa_side.channels.lock_retry import handled
from bot.rasa_side.channels.sender_limits import PER_SENDER, SenderLimits
from bot.rasa_side.channels.telegram_output import TelegramOutput
from bot.telegram_api import with_retries
from bot.settings import format_crisis_lines, settings
from bot.store import telegram_links
from bot.store.erasure import erase_conversations
from bot.store.sessions import session_factory

logger = logging.getLogger(__name__)
TEXTS_FILE = Path(__file__).with_name("telegram_texts.yml")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Commands and what the assistant hears for them; /delete is handled here (it needs a confirmation).
COMMANDS = {"/start": "/greet", "/help": "/capabilities", "/human": "/request_human", "/privacy": "/faq/privacy"}
DELETE_YES, DELETE_NO = "tg:delete:yes", "tg:delete:no"
# What a start parameter made by bot/store/telegram_links.py looks like (Telegram allows these).
LINK_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
POLL_TIMEOUT_SECONDS = 25
# A chat sending far too fast hears so at most this often (in seconds), not once per message.
TOO_FAST_TOLD_EVERY = 30.0
# After a getUpdates failure that retrying at once cannot fix (another process polling the
# same token, a revoked token): wait this long before asking again.
POLL_PAUSE_SECONDS = int(os.environ.get("TELEGRAM_POLL_PAUSE_SECONDS", "15"))


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    mode: str
    webhook_secret: str
    webhook_url: str
    api_base_url: str

    @classmethod
    def from_environment(cls) -> "TelegramConfig":
        env = os.environ
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", ""),
            mode=env.get("TELEGRAM_MODE", "polling").lower(),
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL", ""),
            api_base_url=env.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
        )


def _polling_problem(error: Exception) -> str:
    if isinstance(error, InvalidToken):
        return "Telegram does not accept TELEGRAM_BOT_TOKEN (revoked or mistyped)"
    if isinstance(error, Conflict):
        return "another process polls this bot token, or a webhook is set for it (only one may receive updates)"
    if isinstance(error, TelegramError):
        return f"Telegram answered getUpdates with {type(error).__name__}: {error.message}"
    return f"getUpdates failed with {type(error).__name__}"


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(TelegramConfig.from_environment())

    def __init__(self, config: TelegramConfig):
        self.config = config
        self.settings = settings()
        self.texts: Dict[str, str] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
        self.bot: Optional[Bot] = None
        if config.token:
            if config.mode not in ("polling", "webhook"):
                raise ValueError("TELEGRAM_MODE must be 'polling' or 'webhook'")
            if config.mode == "webhook" and not config.webhook_secret:
                raise ValueError("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET")
            self.bot = Bot(config.token, base_url=config.api_base_url,
                           get_updates_request=HTTPXRequest(read_timeout=POLL_TIMEOUT_SECONDS + 10))
        # One lock per chat: a chat's messages are handled in order, chats in parallel.
        self._chat_locks: Dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._polling: Optional[asyncio.Task] = None
        self.limits = SenderLimits()
        self._told_too_fast: Dict[int, float] = {}
        # Why getUpdates last failed, while it fails (shown on the health URL).
        self.polling_problem: Optional[str] = None

    def get_output_channel(self) -> Optional[TelegramOutput]:
        return TelegramOutput(self.bot, self.texts) if self.bot else None

    # --- Rasa's blueprint: the webhook, and start/stop of the connection -----------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            status = "off" if not self.bot else ("ok" if not self.polling_problem else "failing")
            return response.json({"status": status, "mode": self.config.mode, "problem": self.polling_problem})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> response.HTTPResponse:
            if not self.bot or self.config.mode != "webhook":
                return response.json({"error": "Telegram webhook is not enabled"}, status=404)
            if request.headers.get(SECRET_HEADER) != self.config.webhook_secret:
                return response.json({"error": "wrong secret token"}, status=403)
            update = Update.de_json(request.json or {}, self.bot)
            await self.handle_update(update, on_new_message)
            return response.json({"ok": True})

        @telegram_webhook.listener("after_server_start")
        async def connect(app: Any, loop: Any) -> None:
            if self.bot:
                await self.start(on_new_message)

        @telegram_webhook.listener("before_server_stop")
        async def disconnect(app: Any, loop: Any) -> None:
            await self.stop()

        return telegram_webhook

    async def start(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        await self.bot.initialize()  # getMe: the bot's username, for group mentions
        if self.config.mode == "webhook":
            if self.config.webhook_url:
                await with_retries(lambda: self.bot.set_webhook(
                    self.config.webhook_url, secret_token=self.config.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES), "setWebhook")
            logger.info("Telegram connector on, webhook mode")
        else:
            await with_retries(lambda: self.bot.delete_webhook(), "deleteWebhook")
            self._polling = asyncio.create_task(self._poll(on_new_message))
            logger.info("Telegram connector on, polling mode")

    async def stop(self) -> None:
        if self._polling:
            self._polling.cancel()
        if self.bot:
            await self.bot.shutdown()

    async def _poll(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """getUpdates for as long as the server runs. Whatever Telegram answers, the loop goes
        on, and a lasting problem is logged and shown on the channel's health URL, never a
        silent end of the Telegram channel."""
        offset = None
        while True:
            try:
                updates = await with_retries(lambda: self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES), "getUpdates")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the loop must outlive any one failure
                self.polling_problem = _polling_problem(error)
                logger.error("Telegram polling: %s; trying again in %d s", self.polling_problem, POLL_PAUSE_SECONDS)
                await asyncio.sleep(POLL_PAUSE_SECONDS)
                continue
            if updates is None:
                await asyncio.sleep(1)
                continue
            if self.polling_problem:
                logger.info("Telegram polling works again")
                self.polling_problem = None
            for update in updates:
                offset = update.update_id + 1
                # Each update in its own task: a slow or failing chat never holds up the others.
                asyncio.create_task(self.handle_update(update, on_new_message))

    # --- one update ----------------------------------------------------------------------

    async def handle_update(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        # Judged as it arrives, before waiting for the chat's earlier updates, so a flood is
        # refused rather than queued for ever; what is held still goes in order.
        if chat.type == "private" and not await self._within_rate(chat.id):
            return
        async with self._chat_locks[chat.id]:
            try:
                await self._handle(update, on_new_message)
            except Exception:  # noqa: BLE001 - one bad update must not stop the connector
                logger.exception("Could not handle a Telegram update of type %s", _kind(update))

    async def _within_rate(self, chat_id: int) -> bool:
        """Holds a chat's update until its turn (sender_limits.py), or refuses it and says
        so, at most once per TOO_FAST_TOLD_EVERY."""
        hold = self.limits.admit([(f"telegram:{chat_id}", PER_SENDER)])
        if hold is None:
            now = asyncio.get_running_loop().time()
            if now - self._told_too_fast.get(chat_id, -TOO_FAST_TOLD_EVERY) >= TOO_FAST_TOLD_EVERY:
                self._told_too_fast[chat_id] = now
                await self.get_output_channel().send(str(chat_id), self._with_crisis_lines("too_fast"))
            return False
        if hold:
            await asyncio.sleep(hold)
        return True

    async def _handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = self.get_output_channel()
        chat = update.effective_chat
        if update.callback_query:
            query = update.callback_query
            await with_retries(lambda: query.answer(), "answerCallbackQuery")
            if chat.type != "private":
                return
            if query.data in (DELETE_YES, DELETE_NO):
                await self._finish_deletion(str(chat.id), query.data == DELETE_YES, output)
                return
            await self._to_rasa(query.data or "", str(chat.id), output, on_new_message)
            return
        if update.edited_message:
            if chat.type == "private":
                await output.send(str(chat.id), self.texts["edited"])
            return
        message = update.message
        if message is None:
            return
        if chat.type != "private":
            if self._addressed(message):
                await self._redirect_to_private_chat(message, output)
            return
        if not message.text:
            await output.send(str(chat.id), self.texts["non_text"])
            return
        text = message.text.strip()
        words = text.split()
        command = words[0].split("@")[0].lower() if text.startswith("/") else None
        if command == "/delete":
            await self._ask_to_delete(str(chat.id), output)
            return
        if command == "/start" and len(words) == 2:
            # t.me/<bot>?start=<code>: the widget's "Continue on Telegram" link.
            if await self._join(words[1], str(chat.id), output):
                return
        await self._to_rasa(COMMANDS.get(command, text), str(chat.id), output, on_new_message)

    async def _to_rasa(self, text: str, chat_id: str, output: TelegramOutput,
                       on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """The chat's message goes into its own conversation, or into the web conversation
        it continues; the answers come back to this chat either way."""
        try:
            joined = await self._in_store(telegram_links.conversation_of_chat, chat_id)
        except Exception:  # noqa: BLE001 - a handoff store that is down must not silence a crisis
            logger.exception("Could not look up whether a Telegram chat continues a web conversation")
            joined = None
        await output.typing(chat_id)
        if joined:
            output = TelegramOutput(self.bot, self.texts, chat_id=chat_id)
        message = UserMessage(text, output, joined or telegram_conversation(chat_id), input_channel=self.name())
        if not await handled(on_new_message, message):
            await output.send(chat_id, self._with_crisis_lines("not_handled"))

    def _with_crisis_lines(self, key: str) -> str:
        """A text said instead of an answer: whatever the message was, it may have been a
        crisis, so the emergency number and the crisis lines come with it."""
        return self.texts[key].format(emergency_number=self.settings.emergency_number,
                                      crisis_lines=format_crisis_lines(self.settings.crisis_lines))

    async def _in_store(self, work: Callable[..., Any], *args: Any) -> Any:
        """`work(session, *args)` on the handoff store, in one transaction, off the event loop."""
        def run() -> Any:
            with session_factory(self.settings.database_url).begin() as session:
                return work(session, *args)

        return await asyncio.get_running_loop().run_in_executor(None, run)

    async def _join(self, code: str, chat_id: str, output: TelegramOutput) -> bool:
        """Redeems a one-time code (bot/store/telegram_links.py). False for a start parameter
        that is no code at all, so it is greeted as a plain /start."""
        if not LINK_CODE.match(code):
            return False
        try:
            joined = await self._in_store(telegram_links.redeem, code, chat_id)
        except Exception:  # noqa: BLE001 - the person must hear something either way
            logger.exception("Could not join a Telegram chat to a web conversation")
            joined = None
        key = "joined" if joined else "join_expired"
        await output.send(chat_id, self.texts[key].format(org_name=self.settings.org_name))
        return True

    def _addressed(self, message: Message) -> bool:
        username = (self.bot.username or "").lower()
        text = (message.text or message.caption or "").lower()
        replied_to_bot = message.reply_to_message and message.reply_to_message.from_user \
            and message.reply_to_message.from_user.id == self.bot.id
        return bool(replied_to_bot or (username and f"@{username}" in text))

    async def _redirect_to_private_chat(self, message: Message, output: TelegramOutput) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(
            self.texts["group_redirect_button"], url=f"https://t.me/{self.bot.username}")]])
        await output.send(str(message.chat.id), self.texts["group_redirect"], keyboard)

    # --- /delete: erase the conversation after confirmation ---------------------------------

    async def _ask_to_delete(self, chat_id: str, output: TelegramOutput) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(self.texts["delete_yes"], callback_data=DELETE_YES),
                                          InlineKeyboardButton(self.texts["delete_no"], callback_data=DELETE_NO)]])
        await output.send(chat_id, self.texts["delete_confirm"].format(org_name=self.settings.org_name), keyboard)

    async def _finish_deletion(self, chat_id: str, confirmed: bool, output: TelegramOutput) -> None:
        if not confirmed:
            await output.send(chat_id, self.texts["delete_kept"])
            return
        try:
            # The chat's own conversation, and the web conversation it continues, if any.
            joined = await self._in_store(telegram_links.conversation_of_chat, chat_id)
            conversations = [telegram_conversation(chat_id)] + ([joined] if joined else [])
            await asyncio.get_running_loop().run_in_executor(
                None, erase_conversations, self.settings.database_url, self.settings.tracker_database_url,
                conversations, "user request")
        except Exception:  # noqa: BLE001 - the user must hear that it did not work
            logger.exception("Erasure of a Telegram conversation failed")
            await output.send(chat_id, self.texts["delete_failed"])
            return
        await output.send(chat_id, self.texts["deleted"].format(org_name=self.settings.org_name))


def _kind(update: Update) -> str:
    for kind in ("message", "edited_message", "callback_query"):
        if getattr(update, kind, None):
            return kind
    return "other"
