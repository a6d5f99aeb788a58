"""Rasa's REST channel for local use (tests, tools), kept out of the other channels' conversations.

It keeps the sender id it is given, as Rasa's does, but refuses one that names another
channel (`telegram:…`, `web:…`), so nobody can speak as a Telegram user or a web visitor
through it, and it records every message as coming from "rest", whatever the caller
claims. A message Rasa could not lock is tried again (lock_retry.py) and, if it never is
handled, answered 503 with Retry-After instead of Rasa's 200 with no reply. A live
deployment runs without it (credentials.production.yml).
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.conversation_ids import names_a_channel
from bot.rasa_side.channels.lock_retry import handled

# Per request (Sanic handles each in its own task): whether its message was never handled.
_NOT_HANDLED: ContextVar[Dict[str, bool]] = ContextVar("rest_message_not_handled")


class LocalRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def tried_again(message: UserMessage) -> None:
            if not await handled(on_new_message, message):
                _NOT_HANDLED.get()["failed"] = True

        webhook = super().blueprint(tried_again)

        @webhook.middleware("request")
        async def watch_the_message(request: Request) -> None:
            # Rasa's handler answers 200 with whatever was collected, whatever happened;
            # this notes, for the response below, that the message was never handled.
            _NOT_HANDLED.set({})

        @webhook.middleware("response")
        async def retryable_error(request: Request, answer: Any) -> Optional[Any]:
            if _NOT_HANDLED.get({}).get("failed"):
                return response.json({"error": "The message was not handled; send it again"}, status=503,
                                     headers={"Retry-After": "10"})
            return None

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
