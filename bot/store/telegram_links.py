"""A web conversation continued on Telegram (bot/store/models.TelegramLinkCode, TelegramLink).

The web app issues a one-time code to the conversation's own widget (session token); the
person opens t.me/<bot>?start=<code>, and the Telegram connector redeems it. From then on
that chat's messages go into the web conversation and the conversation's staff replies
go to the chat (bot/rasa_side/channels/telegram.py), so a reply reaches a person whose
browser tab is long closed. Nothing of the past transcript is sent to Telegram.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional, Tuple

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.conversation_ids import output_channel_of
from bot.store import contacts
from bot.store.models import TelegramLink, TelegramLinkCode, as_utc, utcnow

CODE_LIFETIME = timedelta(minutes=15)
# Telegram's start parameter: up to 64 of A-Z a-z 0-9 _ -; token_urlsafe(24) gives 32 of them.
_CODE_BYTES = 24
MAX_CODE_CHARS = 64


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def issue_code(session: Session, conversation_id: str) -> str:
    """A new code for the conversation; any older unused one stops working."""
    session.execute(delete(TelegramLinkCode).where(TelegramLinkCode.conversation_id == conversation_id))
    code = secrets.token_urlsafe(_CODE_BYTES)
    session.add(TelegramLinkCode(code_hash=_hash(code), conversation_id=conversation_id,
                                 expires_at=utcnow() + CODE_LIFETIME))
    return code


def redeem(session: Session, code: str, chat_id: str) -> Optional[str]:
    """Joins the chat to the code's conversation and returns its id; None for a code that
    is unknown, used or expired. A chat or a conversation is in one link at most: the
    newest replaces an older one."""
    if not code or len(code) > MAX_CODE_CHARS:
        return None
    issued = session.get(TelegramLinkCode, _hash(code))
    if issued is None:
        return None
    session.delete(issued)  # once only, whatever comes next
    if as_utc(issued.expires_at) < utcnow():
        return None
    conversation_id = issued.conversation_id
    session.execute(delete(TelegramLink).where(
        or_(TelegramLink.chat_id == chat_id, TelegramLink.conversation_id == conversation_id)))
    session.flush()
    session.add(TelegramLink(chat_id=chat_id, conversation_id=conversation_id))
    contacts.choose(session, conversation_id, "telegram")
    return conversation_id


def conversation_of_chat(session: Session, chat_id: str) -> Optional[str]:
    link = session.get(TelegramLink, chat_id)
    return link.conversation_id if link else None


def chat_of_conversation(session: Session, conversation_id: str) -> Optional[str]:
    return session.execute(select(TelegramLink.chat_id).where(
        TelegramLink.conversation_id == conversation_id)).scalar_one_or_none()


def conversation_and_channel(session: Session, conversation_id: str) -> Tuple[str, str]:
    """The conversation, and the channel its messages outside a turn (staff replies, the
    resume) go out on: the Telegram chat it continues in, else its own."""
    channel = "telegram" if chat_of_conversation(session, conversation_id) else output_channel_of(conversation_id)
    return conversation_id, channel


def forget(session: Session, conversation_ids: list) -> None:
    """Erasure: the links and codes of these conversations go with them."""
    session.execute(delete(TelegramLink).where(TelegramLink.conversation_id.in_(conversation_ids)))
    session.execute(delete(TelegramLinkCode).where(TelegramLinkCode.conversation_id.in_(conversation_ids)))
