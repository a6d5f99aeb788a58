"""Conversation ids: which channel a conversation belongs to, and who may speak in it.

Every conversation id names its channel, so no channel can write into another's:
- `telegram:<chat id>`: Telegram vouches for the chat id of each update it delivers
  (webhook secret or our own polling), so the id needs no further proof;
- `web:<random>`: issued by the server to one browser. The browser holds a *session
  token*, the id followed by an HMAC of it under WEB_SESSION_SECRET. Only the token
  reaches the conversation (socket.io, erasure); the bare id, which staff and logs see,
  opens nothing, and an id the server never issued cannot be signed by a stranger
  (the scheme of Chatwoot's identity validation).
Ids without a prefix are local ones (the REST channel, tests, tools).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Optional

TELEGRAM_PREFIX = "telegram:"
WEB_PREFIX = "web:"
# Rasa's name of the input channel that owns each prefix (`output_channel=` of its HTTP API).
CHANNEL_OF_PREFIX = {TELEGRAM_PREFIX: "telegram", WEB_PREFIX: "socketio"}
# Where a conversation with no channel of its own gets bot messages sent outside a turn:
# Rasa collects them (nothing is pushed anywhere).
NO_PUSH_CHANNEL = "collector"
_RANDOM_BYTES = 18
_SIGNATURE_CHARS = 32


def telegram_conversation(chat_id: int | str) -> str:
    return f"{TELEGRAM_PREFIX}{chat_id}"


def telegram_chat_of(conversation_id: str) -> str:
    """The Telegram chat id inside a conversation id (a bare chat id is taken as it is)."""
    return conversation_id[len(TELEGRAM_PREFIX):] if conversation_id.startswith(TELEGRAM_PREFIX) else conversation_id


def names_a_channel(conversation_id: str) -> bool:
    return any(conversation_id.startswith(prefix) for prefix in CHANNEL_OF_PREFIX)


def output_channel_of(conversation_id: str) -> str:
    """The one channel messages of this conversation may go out on: never "latest", which
    is wherever the last message came from."""
    for prefix, channel in CHANNEL_OF_PREFIX.items():
        if conversation_id.startswith(prefix):
            return channel
    return NO_PUSH_CHANNEL


@dataclass(frozen=True)
class WebSession:
    conversation_id: str
    token: str


class WebSessions:
    """Issues and checks the session tokens of web conversations."""

    def __init__(self, secret: str):
        if len(secret) < 16:
            raise ValueError("WEB_SESSION_SECRET must be at least 16 characters")
        self._key = secret.encode("utf-8")

    def _signature(self, conversation_id: str) -> str:
        digest = hmac.new(self._key, f"web-session:{conversation_id}".encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:_SIGNATURE_CHARS]

    def issue(self) -> WebSession:
        conversation_id = WEB_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
        return WebSession(conversation_id, f"{conversation_id}.{self._signature(conversation_id)}")

    def verify(self, token: object) -> Optional[str]:
        """The conversation id a token opens, or None for anything the server did not issue."""
        if not isinstance(token, str) or not token.startswith(WEB_PREFIX) or len(token) > 200:
            return None
        conversation_id, _, signature = token.rpartition(".")
        if not conversation_id or not hmac.compare_digest(signature, self._signature(conversation_id)):
            return None
        return conversation_id
