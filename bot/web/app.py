"""The web app on :8000: staff console pages, their JSON API, and the public erase call.

Started by `python -m bot web` (and by `make run`). aiohttp is already in Rasa 3.6's
environment, so the web app adds no framework of its own.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from bot.settings import Settings
from bot.email_notices import send_due_notices
from bot.store import outbox
from bot.store.sessions import session_factory
from bot.store.tickets import HandoffError
from bot.web.rasa_client import RasaClient
from bot.web import public, staff_api, staff_events, staff_reports
from bot.web.openapi import openapi_document
from bot.web.canned_replies import for_deployment, read_canned_replies
from bot.web.keys import (CANNED_REPLIES, ERASE_THROTTLE, HANDOFF_SESSIONS, HISTORY_THROTTLE, LOGIN_THROTTLE, RASA,
                          SETTINGS, STATUS_THROTTLE)
from bot.web.security import security_headers_middleware, staff_session_middleware
from bot.web.throttle import AddressThrottle

logger = logging.getLogger(__name__)

STAFF_TEMPLATES = Path(__file__).parent / "templates" / "staff"
# path: (page name, title). Each page is its own body in templates/staff/ inside layout.html.
STAFF_PAGES = {
    "/staff": ("queue", "Queue"),
    "/staff/review": ("review", "Review"),
    "/staff/audit": ("audit", "Audit log"),
    "/staff/reports": ("reports", "Reports"),
    "/staff/tickets/{ticket_id}": ("ticket", "Handoff"),
}


@web.middleware
async def refusals_middleware(request: web.Request, handler):
    """A refused staff command (not yours, wrong state, unknown, bad input) becomes a JSON error with its status."""
    try:
        return await handler(request)
    except (HandoffError, staff_api.Refused) as error:
        return web.json_response({"error": str(error)}, status=error.status)


def render_staff_page(name: str, title: str) -> str:
    """Fixed text only (no user data), so plain replacement is enough; done once at start-up."""
    layout = (STAFF_TEMPLATES / "layout.html").read_text(encoding="utf-8")
    body = (STAFF_TEMPLATES / f"{name}.html").read_text(encoding="utf-8")
    return layout.replace("{{title}}", title).replace("{{page}}", name).replace("{{body}}", body)


def _page(html: str):
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html", charset="utf-8")
    return serve


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def _close_rasa_client(app: web.Application) -> None:
    await app[RASA].close()


OUTBOX_SWEEP_SECONDS = 30


async def _sweep_handoff_outbox(app: web.Application):
    """Requests for a person kept on this machine while the handoff store was down, written
    every half minute (the process that kept one retries too, but it may have died since),
    and the reply-waiting emails still due (bot/email_notices.py)."""
    settings = app[SETTINGS]

    async def sweep() -> None:
        while True:
            try:
                await outbox.deliver_and_alert(settings.database_url, settings.handoff_outbox_dir,
                                               settings.public_url)
            except Exception:  # the sweep must outlive any one failure
                logger.exception("Sweeping the handoff outbox failed")
            try:
                # Reply-waiting emails the mail server refused, or held back by the 30-minute gap.
                await asyncio.get_running_loop().run_in_executor(None, send_due_notices, settings)
            except Exception:
                logger.exception("Sending the reply-waiting emails failed")
            await asyncio.sleep(OUTBOX_SWEEP_SECONDS)

    task = asyncio.get_running_loop().create_task(sweep())
    yield
    task.cancel()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[security_headers_middleware, refusals_middleware, staff_session_middleware],
        client_max_size=64 * 1024,
    )
    app[SETTINGS] = settings
    app[HANDOFF_SESSIONS] = session_factory(settings.database_url)
    app[RASA] = RasaClient(settings.rasa_url, settings.rasa_api_token)
    app[CANNED_REPLIES] = for_deployment(read_canned_replies(), settings)
    # Failed staff logins per address, whatever the account (on top of the account lockout).
    app[LOGIN_THROTTLE] = AddressThrottle(limit=20)
    # Erasure requests per address, granted or refused: tokens cannot be guessed at speed.
    app[ERASE_THROTTLE] = AddressThrottle(limit=10)
    # The widget asks for what it missed at every (re)connect: generous, but not a scanner's pace.
    app[HISTORY_THROTTLE] = AddressThrottle(limit=120)
    # A waiting widget asks every 20 s whether staff have seen its messages: room for a few
    # visitors behind one address.
    app[STATUS_THROTTLE] = AddressThrottle(limit=600)
    app.on_cleanup.append(_close_rasa_client)
    app.cleanup_ctx.append(_sweep_handoff_outbox)
    app.router.add_get("/staff/api/openapi.json", openapi)
    app.router.add_routes(staff_api.routes)
    app.router.add_routes(staff_events.routes)
    app.router.add_routes(staff_reports.routes)
    app.router.add_get("/staff/login", _page((STAFF_TEMPLATES / "login.html").read_text(encoding="utf-8")))
    for path, (name, title) in STAFF_PAGES.items():
        app.router.add_get(path, _page(render_staff_page(name, title)))
    app.router.add_static("/staff/static/", public.STATIC / "staff")
    app.router.add_routes(public.routes)
    return app
