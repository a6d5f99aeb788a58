"""A website visitor as a third-party Rasa widget would be: python-socketio speaking Rasa's protocol."""
from __future__ import annotations

import queue
import threading
from typing import Dict, List, Optional

import socketio


def conversation_of(session_token: str) -> str:
    """The conversation id inside a web session token (`web:<random>.<signature>`)."""
    return session_token.rpartition(".")[0]


class WebVisitor:
    def __init__(self, rasa_url: str, claimed_session: Optional[str] = None, ask_for_session: bool = True):
        self.client = socketio.Client(reconnection=False)
        self.replies: "queue.Queue[Dict]" = queue.Queue()
        self.session_token: Optional[str] = None
        self._confirmed = threading.Event()

        @self.client.on("session_confirm")
        def confirmed(data):
            self.session_token = data.get("session_id") if isinstance(data, dict) else data
            self._confirmed.set()

        @self.client.on("bot_uttered")
        def uttered(data):
            self.replies.put(data)

        self.client.connect(rasa_url, transports=["websocket"], wait_timeout=10)
        if ask_for_session:
            self.client.emit("session_request", {"session_id": claimed_session})
            assert self._confirmed.wait(10), "no session_confirm"

    @property
    def conversation_id(self) -> str:
        return conversation_of(self.session_token)

    def send(self, text: str, session_id: Optional[str] = None) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": session_id or self.session_token})

    def wait_for_confirm(self, timeout: float = 10) -> bool:
        return self._confirmed.wait(timeout)

    def received(self, count: int = 1, timeout: float = 30) -> List[Dict]:
        """The next `count` bot messages (fewer when the timeout passes first)."""
        got = []
        try:
            while len(got) < count:
                got.append(self.replies.get(timeout=timeout))
        except queue.Empty:
            pass
        return got

    def close(self) -> None:
        self.client.disconnect()
