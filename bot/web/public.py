"""Public routes of the web app: health, the demo page, the widget's files, and a visitor's own
conversation (what it missed, its erasure), opened by the session token only."""
from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.conversation_ids import WebSessions
from bot.store import contacts, staff_seen, telegram_links
from bot.store.erasure import erase_conversation
from bot.store.models import utcnow
from bot.web.db_work import in_transaction, reading
from bot.web.keys import ERASE_THROTTLE, HISTORY_THROTTLE, RASA, SETTINGS, STATUS_THROTTLE
from bot.web.rasa_client import RasaUnavailable
from bot.web.security import content_security_policy
from bot.web.throttle import client_address
from bot.web.transcript import visitor_handoff_state, visitor_messages_from_tracker

STATIC = Path(__file__).parent / "static"
DEMO_PAGE = STATIC / "demo" / "index.html"
# A host[:port] fit to stand in a Content-Security-Policy source (no spaces, semicolons or quotes).
_CSP_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
# The erase call is made by the widget from any site that embeds it: no cookies, so no credentials.
ERASE_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}

routes = web.RouteTableDef()


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def rasa_connect_sources(rasa_public_url: str) -> str:
    """The Rasa server's origin and its WebSocket twin, for the demo page's connect-src."""
    parts = urlsplit(rasa_public_url)
    if parts.scheme not in ("http", "https") or not _CSP_HOST.match(parts.netloc or ""):
        return ""
    websocket = "wss" if parts.scheme == "https" else "ws"
    return f" {parts.scheme}://{parts.netloc} {websocket}://{parts.netloc}"


def demo_page_policy(rasa_public_url: str) -> str:
    return content_security_policy(rasa_connect_sources(rasa_public_url))


@routes.get("/")
async def demo_page(request: web.Request) -> web.Response:
    """A clinic home page with the widget embedded by its one script tag, as a clinic would."""
    settings = request.app[SETTINGS]
    page = (DEMO_PAGE.read_text(encoding="utf-8")
            .replace("{{rasa_public_url}}", html.escape(settings.rasa_public_url, quote=True))
            .replace("{{org_name}}", html.escape(settings.org_name, quote=True)))
    return web.Response(text=page, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": demo_page_policy(settings.rasa_public_url)})


@routes.get("/demo/demo.css")
async def demo_stylesheet(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "demo" / "demo.css")


# The widget's texts (reviewed with every other text, bot/content_review/) are fetched by
# the widget from the page that embeds it, so they carry CORS; public, no credentials.
@routes.get("/widget/texts.json")
async def widget_texts(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "widget" / "texts.json", headers={"Access-Control-Allow-Origin": "*"})


# The widget script, its stylesheet and the vendored socket.io client, for any site to embed.
routes.static("/widget/", STATIC / "widget")


# The visitor's own calls, made by the widget from whatever site embeds it.
VISITOR_CALLS = ("erase", "history", "contact", "telegram-link", "status")


async def visitor_call_preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=ERASE_CORS)


for _call in VISITOR_CALLS:
    routes.options(f"/api/conversations/{_call}")(visitor_call_preflight)


async def _own_conversation(request: web.Request, verb: str, throttle_key=HISTORY_THROTTLE):
    """The conversation a visitor's session token opens, and the request's JSON body; or
    the refusal to answer with (too many attempts from one address, a missing or forged
    token). Throttled per address like the history calls."""
    throttle, address = request.app[throttle_key], client_address(request, request.app[SETTINGS].trusted_proxies)
    if throttle.blocked(address):
        return None, {}, web.json_response({"error": "Too many requests from here; please wait a few minutes"},
                                           status=429, headers=ERASE_CORS)
    throttle.record(address)
    try:
        body = await request.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    conversation_id = WebSessions(request.app[SETTINGS].web_session_secret).verify(body.get("session_token"))
    if conversation_id is None:
        return None, body, web.json_response({"error": f"This conversation cannot be {verb} from here"},
                                             status=403, headers=ERASE_CORS)
    return conversation_id, body, None


@routes.post("/api/conversations/history")
async def my_conversation_history(request: web.Request) -> web.Response:
    """Every bot and staff message of the widget's own conversation, so a reply sent while
    the page was reloading or the connection was down is not lost (the tracker is the one
    transcript). Only the session token opens it, as for erasure."""
    conversation_id, body, refused = await _own_conversation(request, "read")
    if refused is not None:  # a Response is falsy: it is a mapping with nothing in it
        return refused
    try:
        tracker = await request.app[RASA].tracker(conversation_id)
    except RasaUnavailable:
        return web.json_response({"error": "The conversation cannot be read just now"}, status=503,
                                 headers=ERASE_CORS)
    return web.json_response({"messages": visitor_messages_from_tracker(tracker),
                              "handoff": visitor_handoff_state(tracker)}, headers=ERASE_CORS)


@routes.post("/api/conversations/contact")
async def my_contact_choice(request: web.Request) -> web.Response:
    """The visitor's choice of how to hear of a staff reply: {"session_token", "choice":
    "device"} (kept on this device) or {"choice": "email", "email"} (also an email that a
    reply waits, never its words). Only the session token opens the conversation."""
    conversation_id, body, refused = await _own_conversation(request, "changed")
    if refused is not None:  # a Response is falsy: it is a mapping with nothing in it
        return refused
    choice, email = str(body.get("choice") or ""), str(body.get("email") or "").strip()
    if choice == "email" and not request.app[SETTINGS].smtp_host:
        return web.json_response({"error": "Email is not offered here"}, status=409, headers=ERASE_CORS)
    if choice not in contacts.WIDGET_CHOICES or (choice == "email" and not contacts.valid_email(email)):
        return web.json_response({"error": "Please check the email address"}, status=400, headers=ERASE_CORS)
    await in_transaction(request, lambda db: contacts.choose(db, conversation_id, choice, email or None))
    return web.json_response({"saved": True, "choice": choice}, headers=ERASE_CORS)


@routes.post("/api/conversations/telegram-link")
async def continue_on_telegram(request: web.Request) -> web.Response:
    """A one-time t.me link that joins the visitor's own conversation to their Telegram chat,
    so a staff reply reaches them there (bot/store/telegram_links.py). A new link makes an
    older unused one stop working."""
    conversation_id, _, refused = await _own_conversation(request, "continued elsewhere")
    if refused is not None:  # a Response is falsy: it is a mapping with nothing in it
        return refused
    username = request.app[SETTINGS].telegram_bot_username
    if not username:
        return web.json_response({"error": "Telegram is not offered here"}, status=409, headers=ERASE_CORS)
    code = await in_transaction(request, lambda db: telegram_links.issue_code(db, conversation_id))
    return web.json_response({"url": f"https://t.me/{quote(username)}?start={code}",
                              "expires_in_minutes": int(telegram_links.CODE_LIFETIME.total_seconds() // 60)},
                             headers=ERASE_CORS)


@routes.post("/api/conversations/status")
async def my_conversation_status(request: web.Request) -> web.Response:
    """What the waiting widget polls: up to which message staff have had the conversation on
    screen (bot/store/staff_seen.py), with the server's clock so the widget can compare its
    own message times fairly, and whether it continues in a Telegram chat. Read from the
    handoff store only."""
    conversation_id, _, refused = await _own_conversation(request, "read", STATUS_THROTTLE)
    if refused is not None:  # a Response is falsy: it is a mapping with nothing in it
        return refused

    def status(db) -> dict:
        seen, contact = staff_seen.seen_at(db, conversation_id), contacts.choice_of(db, conversation_id)
        return {"staff_seen_at": seen.isoformat() if seen else None,
                "continues_on_telegram": bool(contact and contact.choice == "telegram")}

    return web.json_response({**await reading(request, status), "server_time": utcnow().isoformat()},
                             headers=ERASE_CORS)


@routes.post("/api/conversations/erase")
async def erase_my_conversation(request: web.Request) -> web.Response:
    """The widget's "delete my conversation" (after the user confirmed it).

    Only the conversation's session token proves ownership (bot/conversation_ids.py): the
    widget got it from the server with its session and nobody else has it. A bare
    conversation id, a forged or an old token is refused. Attempts are throttled per
    address; nothing is returned about the conversation itself.
    """
    throttle, address = request.app[ERASE_THROTTLE], client_address(request, request.app[SETTINGS].trusted_proxies)
    if throttle.blocked(address):
        return web.json_response({"error": "Too many requests from here; please wait a few minutes"},
                                 status=429, headers=ERASE_CORS)
    throttle.record(address)
    try:
        body = await request.json()
    except ValueError:
        body = None
    token = body.get("session_token") if isinstance(body, dict) else None
    settings = request.app[SETTINGS]
    conversation_id = WebSessions(settings.web_session_secret).verify(token)
    if conversation_id is None:
        return web.json_response({"error": "This conversation cannot be deleted from here"},
                                 status=403, headers=ERASE_CORS)
    try:
        await request.app[RASA].wait_for_quiet(conversation_id)
    except RasaUnavailable:
        pass  # nothing is being handled by a Rasa that cannot be reached; erase all the same
    await asyncio.get_running_loop().run_in_executor(
        None, erase_conversation, settings.database_url, settings.tracker_database_url, conversation_id)
    return web.json_response({"erased": True}, headers=ERASE_CORS)
