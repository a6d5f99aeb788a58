"""Public routes of the web app: health, the demo page and a user's own erasure request."""
from __future__ import annotations

from aiohttp import web

from bot.erasure import erase_conversation
from bot.web.keys import SETTINGS

routes = web.RouteTableDef()


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.post("/api/conversations/erase")
async def erase_my_conversation(request: web.Request) -> web.Response:
    """The widget's "delete my conversation" (after the user confirmed it).

    The widget's conversation id is a random id only that browser knows; holding it is
    what allows deleting it. Nothing is returned about the conversation itself.
    """
    try:
        body = await request.json()
    except ValueError:
        body = None
    conversation_id = body.get("conversation_id") if isinstance(body, dict) else None
    if not isinstance(conversation_id, str) or not 8 <= len(conversation_id) <= 255:
        return web.json_response({"error": "Send the conversation_id to delete"}, status=400)
    settings = request.app[SETTINGS]
    erase_conversation(settings.database_url, settings.tracker_database_url, conversation_id)
    return web.json_response({"erased": True})
