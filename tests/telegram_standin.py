"""A local stand-in of the Telegram Bot API, so python-telegram-bot talks real HTTP in tests.

Serves getMe, getUpdates, setWebhook, deleteWebhook, sendMessage, sendChatAction and
answerCallbackQuery under /bot<token>/<method>, records every call, hands out queued
updates to getUpdates (long polling), and can answer a method with flood control (429).
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from aiohttp import web

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Clinic info", "username": "clinic_info_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    method: str
    params: Dict[str, Any]


@dataclass
class TelegramStandIn:
    token: str = "123456:TEST-TOKEN"
    calls: List[Call] = field(default_factory=list)
    _updates: List[Dict] = field(default_factory=list)
    _floods: Dict[tuple, List[int]] = field(default_factory=dict)  # (method, chat or None) -> [times, seconds]
    _blocked_by: set = field(default_factory=set)  # chats whose user blocked the bot
    _failures: Dict[str, List] = field(default_factory=dict)  # method -> [times, status, description]
    _next_update_id: int = 1
    _next_message_id: int = 1000
    url: str = ""

    # --- what tests use ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def push(self, update: Dict) -> Dict:
        """Queue an update for getUpdates; returns it with its update_id."""
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id += 1
        self._updates.append(update)
        return update

    def flood_next(self, method: str, times: int = 1, chat_id: Optional[int] = None, retry_after: int = 1) -> None:
        """Answer the next `times` calls (for one chat, or any) with 429 and retry_after."""
        self._floods[(method, chat_id)] = [times, retry_after]

    def fail_next(self, method: str, times: int, status: int, description: str) -> None:
        """Answer the next `times` calls of `method` with this error, as Telegram does
        (409 Conflict when another process polls the token, 401 for a revoked token)."""
        self._failures[method] = [times, status, description]

    def block_bot(self, chat_id: int) -> None:
        """The user of this chat blocks the bot: Telegram answers 403 to every message for it."""
        self._blocked_by.add(int(chat_id))

    def sent(self, method: str = "sendMessage", chat_id: Optional[int] = None) -> List[Dict[str, Any]]:
        return [c.params for c in list(self.calls) if c.method == method
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]

    def wait_for(self, check, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")

    # --- the server ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        for key in ((method, params.get("chat_id")), (method, None)):
            flood = self._floods.get(key)
            if flood and flood[0] > 0:
                flood[0] -= 1
                return web.json_response({"ok": False, "error_code": 429, "parameters": {"retry_after": flood[1]},
                                          "description": f"Too Many Requests: retry after {flood[1]}"}, status=429)
        failure = self._failures.get(method)
        if failure and failure[0] > 0:
            failure[0] -= 1
            return web.json_response({"ok": False, "error_code": failure[1], "description": failure[2]},
                                     status=failure[1])
        if method == "sendMessage" and int(params.get("chat_id", 0)) in self._blocked_by:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}, status=403)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.json_response({"ok": True, "result": await handler(params)})

    async def _api_getMe(self, params):
        return BOT_USER

    async def _api_getUpdates(self, params):
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if self._updates or time.monotonic() >= deadline:
                return list(self._updates)
            await asyncio.sleep(0.05)

    async def _api_setWebhook(self, params):
        return True

    async def _api_deleteWebhook(self, params):
        return True

    async def _api_sendChatAction(self, params):
        return True

    async def _api_answerCallbackQuery(self, params):
        return True

    async def _api_sendMessage(self, params):
        self._next_message_id += 1
        chat_id = int(params["chat_id"])
        return {"message_id": self._next_message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, "text": params.get("text", "")}

    def start(self) -> "TelegramStandIn":
        ready = threading.Event()

        def serve():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            runner = web.AppRunner(app)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
            ready.set()
            loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(10)
        return self


async def _params(request: web.Request) -> Dict[str, Any]:
    """python-telegram-bot sends form fields whose non-string values are JSON."""
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(await request.post())
    params = {}
    for key, value in raw.items():
        try:
            params[key] = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            params[key] = value
    return params


def private_text(chat_id: int, text: str, message_id: int = 1) -> Dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}
    return {"message": {"message_id": message_id, "date": int(time.time()), "from": user,
                        "chat": {"id": chat_id, "type": "private", "first_name": "Alex"}, "text": text}}
