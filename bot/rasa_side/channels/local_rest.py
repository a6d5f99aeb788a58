"""Rasa's REST channel for local use (tests, tools), kept out of the other channels' conversations.

It keeps the sender id it is given, as Rasa's does, but refuses one that names another
channel (`telegram:…`, `web:…`), so nobody can speak as a Telegram user or a web visitor
through it, and it records every message as coming from "rest", whatever the caller
claims. A live deployment runs without it (credentials.production.yml).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.conversation_ids import names_a_channel


class LocalRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def refuse_other_channels(request: Request) -> Optional[Any]:
            if request.method != "POST":
                return None
            body = request.json if request.body else None
            sender = body.get("sender") if isinstance(body, dict) else None
            if not isinstance(sender, str) or not sender or names_a_channel(sender):
                return response.json(
                    {"error": "Give a sender id of your own; ids of other channels are refused"}, status=400)
            return None

        return webhook
