"""What guards the staff console: login sessions, CSRF tokens, throttling and safe response headers.

Every path under /staff needs a logged-in session except the login page, its static
assets, the login call and the API description. Every state-changing call needs the
session's CSRF token in the X-CSRF-Token header and a JSON body, which a cross-site form
cannot send.
"""
from __future__ import annotations

from aiohttp import web

from bot.store.staff_accounts import csrf_matches, session_for_token
from bot.web.db_work import reading

SESSION_COOKIE = "staff_session"
CSRF_HEADER = "X-CSRF-Token"
PUBLIC_STAFF_PATHS = {"/staff/login", "/staff/api/login", "/staff/api/openapi.json"}
PUBLIC_STAFF_PREFIXES = ("/staff/static/",)
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def content_security_policy(extra_connect_sources: str = "") -> str:
    """Only this origin's scripts and styles; `extra_connect_sources` lets a page reach Rasa."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{extra_connect_sources}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def _is_public(path: str) -> bool:
    return path in PUBLIC_STAFF_PATHS or path.startswith(PUBLIC_STAFF_PREFIXES) or not path.startswith("/staff")


def _refuse(request: web.Request, status: int, message: str) -> web.StreamResponse:
    if request.path.startswith("/staff/api/") or request.method != "GET":
        return web.json_response({"error": message}, status=status)
    raise web.HTTPFound("/staff/login")


@web.middleware
async def staff_session_middleware(request: web.Request, handler):
    if _is_public(request.path):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE)
    # The session and its staff member are loaded in the worker's session (session_for_token
    # reads `staff`), so the handlers can use them afterwards.
    staff_session = await reading(request, lambda db: session_for_token(db, token))
    if staff_session is None:
        return _refuse(request, 401, "Please log in")
    request["staff_session"] = staff_session
    request["staff"] = staff_session.staff
    if request.method in STATE_CHANGING:
        if request.content_type != "application/json":
            return _refuse(request, 415, "Send JSON")
        if not csrf_matches(staff_session, request.headers.get(CSRF_HEADER)):
            return _refuse(request, 403, "Missing or wrong CSRF token; reload the page")
    return await handler(request)


@web.middleware
async def security_headers_middleware(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/staff"):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
    return response
