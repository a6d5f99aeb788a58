"""The website widget's channel: Rasa's socket.io protocol, with conversations only their owner reaches.

The protocol is Rasa's own (`session_request` → `session_confirm`, `user_uttered`,
`bot_uttered`), so third-party Rasa widgets keep working. What differs:
- the session id the server confirms is a signed session token (bot/conversation_ids.py);
  a `session_request` with anything the server did not issue (an old id, someone else's
  conversation id, a Telegram chat id) gets a fresh conversation, never that one;
- each socket is bound to the conversation it was confirmed for, and its messages go
  there whatever `session_id` they claim;
- bot messages go to the socket.io room of the conversation id, which only sockets
  holding its token join; a staff reply is recorded as delivered when a socket of the
  conversation is connected here to take it, and otherwise as not delivered yet (the
  widget fetches what it missed when it reconnects, bot/web/public.py);
- one conversation, and one address, may send only so fast (sender_limits.py): a
  message a little over the rate is held until its turn, one far over it is answered
  `{"throttled": true}` and the widget asks the person to send it again;
- with several Rasa replicas (SOCKETIO_REDIS_URL), the rooms are shared through Redis
  (python-socketio's AsyncRedisManager), so a message emitted by one replica reaches a
  visitor whose socket is held by another.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.client_addresses import client_address, is_trusted
from bot.conversation_ids import WebSessions
from bot.rasa_side.channels.lock_retry import handled
from bot.rasa_side.channels.sender_limits import PER_ADDRESS, PER_SENDER, SenderLimits
from bot.rasa_side.channels.staff_replies import report_delivery, staff_reply_in
from bot.settings import format_crisis_lines, settings
from bot.store.deliveries import Delivery

logger = logging.getLogger(__name__)
CONVERSATION_KEY = "conversation_id"


class WebSocketOutput(SocketIOOutput):
    def __init__(self, sio: AsyncServer, bot_message_evt: Text, namespace: Optional[Text]) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace

    def _connected(self, conversation_id: Text) -> bool:
        try:
            return any(True for _ in self.sio.manager.get_participants(self.namespace or "/", conversation_id))
        except KeyError:  # nobody has connected to this namespace yet
            return False

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        reply = staff_reply_in(json_message)
        if reply is None:
            await super().send_custom_json(recipient_id, json_message, **kwargs)
            return
        connected = self._connected(recipient_id)
        await super().send_custom_json(recipient_id, json_message, **kwargs)
        await report_delivery(reply, recipient_id, Delivery(
            connected, None if connected else "The visitor's chat is not open here now; it shows the reply when it reconnects"))


class WebSocketInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        # Rasa's name for the channel: `output_channel=socketio` reaches it.
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = WebSessions(settings().web_session_secret)
        self.limits = SenderLimits()

    def _address(self, sio: AsyncServer, sid: Text) -> Optional[str]:
        """The visitor's network address, behind our proxy too (bot/client_addresses.py);
        None when it is one of our own proxies (or this machine) with no client named:
        counting everyone behind a proxy as one address would let one of them starve the rest."""
        # The socket's WSGI-style request, as python-engineio builds it from Sanic's.
        handshake = sio.get_environ(sid, namespace=self.namespace) or {}
        request = handshake.get("sanic.request")
        trusted = settings().trusted_proxies
        address = client_address(getattr(request, "ip", None) or handshake.get("REMOTE_ADDR"),
                                 handshake.get("HTTP_X_REAL_IP"), trusted)
        return None if is_trusted(address, trusted) else address

    @staticmethod
    def _crisis_lines() -> Dict[str, str]:
        """Sent with a message that was not read: it may have been a crisis."""
        config = settings()
        return {"emergency_number": config.emergency_number, "crisis_lines": format_crisis_lines(config.crisis_lines)}

    def get_output_channel(self) -> Optional[WebSocketOutput]:
        """Where staff replies and resumes go (`output_channel=socketio`)."""
        return WebSocketOutput(self.sio, self.bot_message_evt, self.namespace) if self.sio else None

    async def _confirm(self, sio: AsyncServer, sid: Text, claimed: object) -> str:
        """Binds the socket to the conversation its token opens, or to a new one."""
        conversation_id = self.sessions.verify(claimed)
        token = claimed
        if conversation_id is None:
            session = self.sessions.issue()
            conversation_id, token = session.conversation_id, session.token
        await sio.save_session(sid, {CONVERSATION_KEY: conversation_id}, namespace=self.namespace)
        sio.enter_room(sid, conversation_id, namespace=self.namespace)
        await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
        return conversation_id

    async def _conversation_of(self, sio: AsyncServer, sid: Text, claimed: object) -> str:
        session = await sio.get_session(sid, namespace=self.namespace)
        bound = session.get(CONVERSATION_KEY) if session else None
        # A socket that sends before asking for a session is confirmed first (a fresh
        # conversation unless it holds a valid token), so its message is not lost.
        return bound or await self._confirm(sio, sid, claimed)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        redis_url = settings().socketio_redis_url
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[],
                          client_manager=AsyncRedisManager(redis_url) if redis_url else None)
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio  # get_output_channel() sends staff replies through it

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            claimed = data.get("session_id") if isinstance(data, dict) else None
            await self._confirm(sio, sid, claimed)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                data = {"message": data if isinstance(data, str) else ""}
            conversation_id = await self._conversation_of(sio, sid, data.get("session_id"))
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            address = self._address(sio, sid)
            hold = self.limits.admit([(conversation_id, PER_SENDER)] + ([(address, PER_ADDRESS)] if address else []))
            if hold is None:
                # Told, not dropped in silence: the widget asks the person to send it again.
                await sio.emit(self.bot_message_evt, {"throttled": True, **self._crisis_lines()}, room=sid,
                               namespace=self.namespace)
                return
            if hold:
                await asyncio.sleep(hold)
            text = data.get("message", "")
            message = UserMessage(
                text if isinstance(text, str) else "",
                WebSocketOutput(sio, self.bot_message_evt, self.namespace),
                conversation_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
            )
            if not await handled(on_new_message, message):
                # Not read, and the widget says so: the person can send it again.
                await sio.emit(self.bot_message_evt, {"not_handled": True, **self._crisis_lines()}, room=sid,
                               namespace=self.namespace)

        return socketio_webhook
