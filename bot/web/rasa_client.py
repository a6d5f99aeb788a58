"""The Rasa server's HTTP API, as the web app uses it: read a transcript, speak as staff, run an action.

The tracker store is the one transcript of every conversation, so the console reads it
here and never keeps a copy. Staff messages are `bot` events posted with
`execute_side_effects=true` and the conversation's own output channel (from its id, or the
Telegram chat it continues in, bot/store/telegram_links.py; never "latest", which is
wherever the last message came from): Rasa records them and delivers them there, even
while the conversation is paused (see ../shared/DESIGN.md).
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Dict
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=20)


class RasaUnavailable(Exception):
    """The Rasa server did not answer; the console says so instead of failing silently."""


class RasaClient:
    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def _call(self, method: str, path: str, params: Dict[str, str] | None = None,
                    json: Any = None) -> Dict:
        query = {"token": self.token, **(params or {})}
        try:
            async with self._http().request(method, f"{self.base_url}{path}", params=query, json=json) as response:
                if response.status >= 400:
                    raise RasaUnavailable(f"Rasa answered {response.status} to {method} {path.split('/')[1]}")
                return await response.json()
        except aiohttp.ClientError as error:
            raise RasaUnavailable(f"Rasa server unreachable: {type(error).__name__}") from error

    @staticmethod
    def _conversation(conversation_id: str) -> str:
        return f"/conversations/{quote(conversation_id, safe='')}"

    async def tracker(self, conversation_id: str) -> Dict:
        return await self._call("GET", f"{self._conversation(conversation_id)}/tracker",
                                {"include_events": "ALL"})

    async def send_staff_message(self, conversation_id: str, output_channel: str, text: str, staff_name: str,
                                 org_name: str) -> str:
        """A staff reply, as a `custom` payload each channel renders as coming from a person.

        The payload sits under `data` because Rasa's socket.io channel spreads custom JSON
        into `emit()` arguments (../shared/DESIGN.md); the Telegram connector signs it with
        the name. The metadata marks it as a staff turn in the transcript. Returns the
        reply's id, under which the channel records whether it reached the person.
        """
        reply_id = uuid.uuid4().hex
        staff_reply = {"staff_reply": True, "staff_name": staff_name, "org_name": org_name, "text": text,
                       "reply_id": reply_id}
        event = {
            "event": "bot",
            "text": None,
            "data": {"custom": {"data": staff_reply}},
            "timestamp": time.time(),
            "metadata": {"staff_reply": True, "staff_name": staff_name},
        }
        await self._call("POST", f"{self._conversation(conversation_id)}/tracker/events",
                         {"execute_side_effects": "true", "output_channel": output_channel}, event)
        return reply_id

    async def wait_for_quiet(self, conversation_id: str) -> None:
        """Returns once Rasa has finished any message of the conversation it is handling.

        Adding an event takes the conversation's lock, as handling a message does, so this
        waits for one in flight. Erasure needs it: a message still being handled is saved
        after it, and would bring the deleted conversation back."""
        await self._call("POST", f"{self._conversation(conversation_id)}/tracker/events", None,
                         {"event": "action", "name": "action_listen", "timestamp": time.time()})

    async def execute_action(self, conversation_id: str, output_channel: str, action_name: str) -> Dict:
        """Runs an action outside a user turn (`execute` ignores the pause), then listens again.

        `execute` leaves the action as the conversation's last one; without the
        `action_listen` after it, the next message would be judged after an action no
        story knows, and the policies would fall back instead of answering.
        """
        conversation = self._conversation(conversation_id)
        result = await self._call("POST", f"{conversation}/execute",
                                  {"output_channel": output_channel},
                                  {"name": action_name})
        await self._call("POST", f"{conversation}/tracker/events", None,
                         {"event": "action", "name": "action_listen", "timestamp": time.time()})
        return result
