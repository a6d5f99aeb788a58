"""The web app on :8000: staff console pages, their JSON API, and the public erase call.

Started by `python -m bot web` (and by `make run`). aiohttp is already in Rasa 3.6's
environment, so the web app adds no framework of its own.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.db import session_factory
from bot.handoffs import HandoffError
from bot.rasa_client import RasaClient
from bot.web import public, staff_api
from bot.web.openapi import openapi_document
from bot.web.keys import HANDOFF_SESSIONS, LOGIN_THROTTLE, RASA, SETTINGS
from bot.web.security import security_headers_middleware, staff_session_middleware
from bot.web.throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"
STAFF_PAGES = {
    "/staff": "queue.html",
    "/staff/login": "login.html",
    "/staff/review": "review.html",
    "/staff/audit": "audit.html",
    "/staff/tickets/{ticket_id}": "ticket.html",
}


@web.middleware
async def handoff_errors_middleware(request: web.Request, handler):
    """A refused staff command (not yours, wrong state, unknown) becomes a JSON error with its status."""
    try:
        return await handler(request)
    except HandoffError as error:
        return web.json_response({"error": str(error)}, status=error.status)


def _page(filename: str):
    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "staff" / filename)
    return serve


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def _close_rasa_client(app: web.Application) -> None:
    await app[RASA].close()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[security_headers_middleware, handoff_errors_middleware, staff_session_middleware],
        client_max_size=64 * 1024,
    )
    app[SETTINGS] = settings
    app[HANDOFF_SESSIONS] = session_factory(settings.database_url)
    app[RASA] = RasaClient(settings.rasa_url, settings.rasa_api_token)
    app[LOGIN_THROTTLE] = LoginThrottle()
    app.on_cleanup.append(_close_rasa_client)
    app.router.add_get("/staff/api/openapi.json", openapi)
    app.router.add_routes(staff_api.routes)
    for path, filename in STAFF_PAGES.items():
        app.router.add_get(path, _page(filename))
    app.router.add_static("/staff/static/", STATIC / "staff")
    app.router.add_routes(public.routes)
    return app
