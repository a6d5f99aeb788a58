"""The staff console's JSON API under /staff/api (described in bot/web/openapi.py).

Handlers are thin: they check input, call bot/tickets.py, talk to Rasa through
bot/web/rasa_client.py and write the audit log. The acting staff member always comes from
the login session.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.email_notices import send_due_notices
from bot.store import audit, contacts, staff_seen, telegram_links, tickets
from bot.store.deliveries import deliveries_of
from bot.store.models import HandoffNote, HandoffTicket, Priority, Role, StaffUser, TicketStatus, as_utc
from bot.store.staff_accounts import AccountLocked, LoginRefused, add_user, log_in, log_out
from bot.web.db_work import in_transaction, reading
from bot.web.keys import CANNED_REPLIES, LOGIN_THROTTLE, RASA, SETTINGS
from bot.web.rasa_client import RasaUnavailable
from bot.web.transcript import transcript_from_tracker
from bot.web.throttle import client_address
from bot.web.security import SESSION_COOKIE

MAX_REPLY_CHARS = 4000
MAX_NOTE_CHARS = 8000
routes = web.RouteTableDef()


# --- shapes of the JSON the API returns -------------------------------------------------

def staff_json(staff: Optional[StaffUser]) -> Optional[Dict[str, Any]]:
    if staff is None:
        return None
    return {"id": staff.id, "email": staff.email, "display_name": staff.display_name, "role": staff.role.value}


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return as_utc(moment).isoformat() if moment else None


def ticket_json(ticket: HandoffTicket) -> Dict[str, Any]:
    return {
        "id": ticket.id, "conversation_id": ticket.conversation_id, "channel": ticket.channel,
        "priority": ticket.priority.value, "status": ticket.status.value, "reason": ticket.reason,
        "created_at": _iso(ticket.created_at), "updated_at": _iso(ticket.updated_at),
        "claimed_at": _iso(ticket.claimed_at), "resolved_at": _iso(ticket.resolved_at),
        "outcome": ticket.outcome, "assigned_staff": staff_json(ticket.assigned_staff),
        "satisfaction": ticket.rating.rating if ticket.rating else None,
    }


def contact_json(contact) -> Optional[Dict[str, Any]]:
    """How the visitor chose to hear of replies; staff see the choice, not the address."""
    if contact is None:
        return None
    return {"choice": contact.choice, "chosen_at": _iso(contact.chosen_at),
            "last_email_at": _iso(contact.last_notice_at), "email_pending": bool(contact.notice_pending)}


def note_json(note: HandoffNote) -> Dict[str, Any]:
    return {"id": note.id, "text": note.text, "created_at": _iso(note.created_at),
            "staff": staff_json(note.staff)}


# --- helpers ---------------------------------------------------------------------------

class Refused(Exception):
    """A request the API turns down; bot/web/app.py answers it as {"error": message} with `status`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _json_body(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Refused(400, "The body is not valid JSON")
    if not isinstance(body, dict):
        raise Refused(400, "Send a JSON object")
    return body


def _text_field(body: Dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refused(400, f"Write a {name} first")
    if len(value) > limit:
        raise Refused(413, f"At most {limit} characters")
    return value.strip()


def _ticket_id(request: web.Request) -> int:
    try:
        return int(request.match_info["ticket_id"])
    except ValueError:
        raise tickets.TicketNotFound("No such handoff")


def _enum_param(request: web.Request, name: str, enum_type):
    value = request.query.get(name)
    if not value:
        return None
    try:
        return enum_type(value)
    except ValueError:
        raise Refused(400, f"Unknown {name}")


def date_param(request: web.Request, name: str) -> Optional[datetime]:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Refused(400, f"{name} must be a date like 2026-11-27")


def _int_param(request: web.Request, name: str, default: int, maximum: int) -> int:
    try:
        return max(0, min(int(request.query.get(name, default)), maximum))
    except ValueError:
        return default


def _require_admin(request: web.Request) -> None:
    if request["staff"].role != Role.admin:
        raise Refused(403, "Admins only")


# --- session ---------------------------------------------------------------------------

@routes.post("/staff/api/login")
async def login(request: web.Request) -> web.Response:
    throttle, address = request.app[LOGIN_THROTTLE], client_address(request, request.app[SETTINGS].trusted_proxies)
    if throttle.blocked(address):
        return _error(429, "Too many failed logins from here; wait a few minutes")
    if request.content_type != "application/json":
        return _error(415, "Send JSON")
    body = await _json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return _error(400, "Email and password are needed")

    def work(db: Session) -> Dict[str, Any]:
        try:
            result = log_in(db, email, password)
        except LoginRefused as refused:
            locked = isinstance(refused, AccountLocked)
            audit.record(db, "login_locked" if locked else "login_failed")
            return {"refused": str(refused), "status": 423 if locked else 401}
        audit.record(db, "login", staff_id=result.staff.id)
        return {"staff": staff_json(result.staff), "csrf_token": result.csrf_token, "token": result.token}

    outcome = await in_transaction(request, work)
    if "refused" in outcome:
        throttle.record(address)
        return _error(outcome["status"], outcome["refused"])
    response = web.json_response({"staff": outcome["staff"], "csrf_token": outcome["csrf_token"]})
    response.set_cookie(SESSION_COOKIE, outcome["token"], path="/staff", httponly=True, samesite="Strict",
                        secure=request.app[SETTINGS].cookie_secure, max_age=12 * 3600)
    return response


@routes.post("/staff/api/logout")
async def logout(request: web.Request) -> web.Response:
    token, staff_id = request.cookies[SESSION_COOKIE], request["staff"].id

    def work(db: Session) -> None:
        log_out(db, token)
        audit.record(db, "logout", staff_id=staff_id)

    await in_transaction(request, work)
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/staff")
    return response


@routes.get("/staff/api/session")
async def current_session(request: web.Request) -> web.Response:
    return web.json_response({"staff": staff_json(request["staff"]),
                              "csrf_token": request["staff_session"].csrf_token,
                              "outcomes": list(tickets.OUTCOMES)})


# --- handoffs --------------------------------------------------------------------------

@routes.get("/staff/api/handoffs")
async def list_handoffs(request: web.Request) -> web.Response:
    query = tickets.QueueFilter(
        status=_enum_param(request, "status", TicketStatus),
        priority=_enum_param(request, "priority", Priority),
        outcome=request.query.get("outcome") or None,
        staff_id=_int_param(request, "staff_id", 0, 2**31) or None,
        created_from=date_param(request, "from"),
        created_to=date_param(request, "to"),
        limit=_int_param(request, "limit", 50, 200),
        offset=_int_param(request, "offset", 0, 10**9),
    )
    body = await reading(request, lambda db: {"counts": tickets.count_by_status(db),
                                              "items": [ticket_json(t) for t in tickets.list_tickets(db, query)]})
    return web.json_response(body)


@routes.get("/staff/api/handoffs/{ticket_id}")
async def show_handoff(request: web.Request) -> web.Response:
    ticket_id, staff_id = _ticket_id(request), request["staff"].id

    def work(db: Session) -> Dict[str, Any]:
        ticket = tickets.get_ticket(db, ticket_id)
        audit.record_view(db, staff_id, ticket.id)
        return {"ticket": ticket_json(ticket), "notes": [note_json(n) for n in ticket.notes],
                "contact": contact_json(contacts.choice_of(db, ticket.conversation_id))}

    body = await in_transaction(request, work)
    conversation_id = body["ticket"]["conversation_id"]
    try:
        tracker = await request.app[RASA].tracker(conversation_id)
        transcript = transcript_from_tracker(tracker)
        delivered = await reading(request, lambda db: deliveries_of(db, [turn.get("reply_id") for turn in transcript]))
        for turn in transcript:
            if turn["speaker"] == "staff":
                found = delivered.get(turn.get("reply_id"))
                turn["delivery"] = found.as_json() if found else None
        body.update(transcript=transcript, paused=bool(tracker.get("paused")), transcript_error=None)
    except RasaUnavailable as error:
        body.update(transcript=[], paused=None, transcript_error=str(error))
        return web.json_response(body)
    last_user_message = max((e.get("timestamp") or 0 for e in tracker.get("events") or [] if e.get("event") == "user"),
                            default=0)
    if request.query.get("seen") == "1" and last_user_message:
        # The page is on a staff member's screen (console.js asks so only for a visible tab):
        # the visitor's messages up to the newest one shown are marked seen in their widget.
        seen = datetime.fromtimestamp(last_user_message, timezone.utc)
        await in_transaction(request, lambda db: staff_seen.mark_seen(db, conversation_id, seen))
    return web.json_response(body)


@routes.post("/staff/api/handoffs/{ticket_id}/claim")
async def claim_handoff(request: web.Request) -> web.Response:
    ticket_id, staff = _ticket_id(request), request["staff"]

    def work(db: Session) -> Dict[str, Any]:
        ticket = tickets.claim(db, ticket_id, staff)
        audit.record(db, "claim", staff_id=staff.id, ticket_id=ticket.id)
        db.flush()
        return ticket_json(ticket)

    return web.json_response({"ticket": await in_transaction(request, work)})


@routes.post("/staff/api/handoffs/{ticket_id}/release")
async def release_handoff(request: web.Request) -> web.Response:
    ticket_id, staff = _ticket_id(request), request["staff"]

    def work(db: Session) -> Dict[str, Any]:
        ticket = tickets.release(db, ticket_id, staff)
        audit.record(db, "release", staff_id=staff.id, ticket_id=ticket.id)
        db.flush()
        return ticket_json(tickets.get_ticket(db, ticket_id))

    return web.json_response({"ticket": await in_transaction(request, work)})


@routes.post("/staff/api/handoffs/{ticket_id}/assign")
async def assign_handoff(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if not isinstance(body.get("staff_id"), int):
        raise Refused(400, "Say whom to hand it to (staff_id)")
    ticket_id, staff, to_staff = _ticket_id(request), request["staff"], body["staff_id"]

    def work(db: Session) -> Dict[str, Any]:
        ticket = tickets.reassign(db, ticket_id, staff, to_staff)
        audit.record(db, "assign", staff_id=staff.id, ticket_id=ticket.id, detail=f"to staff #{to_staff}")
        db.flush()
        db.expire(ticket)
        return ticket_json(tickets.get_ticket(db, ticket_id))

    return web.json_response({"ticket": await in_transaction(request, work)})


@routes.get("/staff/api/canned-replies")
async def canned_replies(request: web.Request) -> web.Response:
    return web.json_response({"items": request.app[CANNED_REPLIES]})


@routes.post("/staff/api/handoffs/{ticket_id}/messages")
async def reply_to_user(request: web.Request) -> web.Response:
    text = _text_field(await _json_body(request), "text", MAX_REPLY_CHARS)
    staff, ticket_id = request["staff"], _ticket_id(request)
    conversation_id, channel = await reading(request, lambda db: telegram_links.conversation_and_channel(
        db, tickets.ticket_owned_by(db, ticket_id, staff).conversation_id))
    try:
        reply_id = await request.app[RASA].send_staff_message(
            conversation_id, channel, text, staff.display_name, request.app[SETTINGS].org_name)
    except RasaUnavailable as error:
        return _error(502, f"The reply was not sent: {error}")

    def work(db: Session) -> Dict[str, Any]:
        audit.record(db, "reply", staff_id=staff.id, ticket_id=ticket_id)
        # The channel recorded what became of it while Rasa sent it (None: no live channel).
        delivery = deliveries_of(db, [reply_id]).get(reply_id)
        # Not shown live (the visitor's page is closed): an email says a reply waits, if they asked.
        emailed = bool(delivery and not delivery.delivered and contacts.reply_waits(db, conversation_id))
        return {"delivery": delivery.as_json() if delivery else None, "email_notice": emailed}

    outcome = await in_transaction(request, work)
    if outcome["email_notice"]:
        # Sent beside the answer to staff; the web app's sweep sends what this could not.
        asyncio.get_running_loop().run_in_executor(None, send_due_notices, request.app[SETTINGS])
    return web.json_response({"sent": True, **outcome}, status=201)


@routes.post("/staff/api/handoffs/{ticket_id}/notes")
async def add_note(request: web.Request) -> web.Response:
    text = _text_field(await _json_body(request), "text", MAX_NOTE_CHARS)
    ticket_id, staff = _ticket_id(request), request["staff"]

    def work(db: Session) -> Dict[str, Any]:
        note = tickets.add_note(db, ticket_id, staff, text)
        audit.record(db, "note", staff_id=staff.id, ticket_id=note.ticket_id)
        db.flush()
        db.refresh(note)
        return note_json(note)

    return web.json_response({"note": await in_transaction(request, work)}, status=201)


@routes.post("/staff/api/handoffs/{ticket_id}/resolve")
async def resolve_handoff(request: web.Request) -> web.Response:
    """Resolve is committed first, then the bot is resumed: a crisis arriving in between
    finds no active ticket, opens a new urgent one, and the resume then leaves it paused
    (actions/handoff.py asks the store). A second click finds the ticket resolved (409)."""
    outcome = (await _json_body(request)).get("outcome", "answered")
    staff, ticket_id = request["staff"], _ticket_id(request)

    def resolve(db: Session) -> Tuple[str, str]:
        ticket = tickets.resolve(db, ticket_id, staff, outcome)
        audit.record(db, "resolve", staff_id=staff.id, ticket_id=ticket.id, detail=outcome)
        return telegram_links.conversation_and_channel(db, ticket.conversation_id)

    def undo(db: Session) -> None:
        tickets.undo_resolve(db, ticket_id)
        audit.record(db, "resolve_undone", staff_id=staff.id, ticket_id=ticket_id)

    conversation_id, channel = await in_transaction(request, resolve)
    try:
        await request.app[RASA].execute_action(conversation_id, channel, "action_handoff_resume")
    except RasaUnavailable as error:
        # The person would stay paused with nobody holding the conversation: undo.
        await in_transaction(request, undo)
        return _error(502, f"Not resolved, the bot could not be resumed: {error}")
    return web.json_response({"ticket": await reading(request, lambda db: ticket_json(tickets.get_ticket(db, ticket_id)))})


# --- people and the audit log ------------------------------------------------------------

@routes.get("/staff/api/staff")
async def list_staff(request: web.Request) -> web.Response:
    people = await reading(request, lambda db: [
        staff_json(p) for p in db.execute(select(StaffUser).order_by(StaffUser.display_name)).scalars()])
    return web.json_response({"items": people})


@routes.post("/staff/api/staff")
async def create_staff(request: web.Request) -> web.Response:
    _require_admin(request)
    body = await _json_body(request)
    admin_id = request["staff"].id

    def work(db: Session) -> Dict[str, Any]:
        user = add_user(db, str(body.get("email", "")), str(body.get("display_name", "")),
                        str(body.get("password", "")), Role(body.get("role", "staff")))
        audit.record(db, "user_created", staff_id=admin_id, detail=f"staff #{user.id}")
        return staff_json(user)

    try:
        return web.json_response({"staff": await in_transaction(request, work)}, status=201)
    except ValueError as error:
        return _error(400, str(error))


@routes.get("/staff/api/audit")
async def audit_log(request: web.Request) -> web.Response:
    _require_admin(request)
    limit, offset = _int_param(request, "limit", 200, 1000), _int_param(request, "offset", 0, 10**9)
    items = await reading(request, lambda db: [
        {"id": e.id, "at": _iso(e.at), "action": e.action, "ticket_id": e.ticket_id,
         "detail": e.detail, "staff": staff_json(e.staff)} for e in audit.recent_entries(db, limit, offset)])
    return web.json_response({"items": items})
