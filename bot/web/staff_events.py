"""The staff console's live events: `GET /staff/api/events`, a server-sent event stream.

Every console page keeps one open (bot/web/static/staff/console.js). It works in a
background tab, where browsers slow down the page's own timers, so staff hear of a new
or urgent handoff while they work in another tab. The stream sends:
- `queue`: the active handoffs (open and claimed) with when the person last wrote, the
  start of it, and whether it waits for a staff reply; sent on connect and when any of it
  changes (a new ticket, a claim, a resolve, a new message);
- `ticket` (with `?ticket=ID`): that ticket moved (a message, a delivery, a note, its
  state); the page then fetches it again;
- `delivery` (with `?ticket=ID`, before its `ticket` event): what became of a staff reply
  as the channel recorded it, `{reply_id, status, reason}`; the queue items carry the
  latest one of each ticket too (`last_reply_delivery`);
- `logout` when the login session has ended, and then the stream closes.
Changes are found by reading the handoff store and Rasa's tracker table every couple of
seconds on the server, so they reach every web app process whichever Rasa replica
handled the message. `GET /staff/api/queue` answers the same snapshot for a page whose
stream dropped (it polls until the stream is back).
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import audit, tickets
from bot.store.deliveries import recorded_for
from bot.store.models import HandoffNote, as_utc
from bot.store.staff_accounts import session_for_token
from bot.store.tracker_events import activity_of
from bot.web.db_work import reading
from bot.web.keys import SETTINGS
from bot.web.security import SESSION_COOKIE
from bot.web.staff_api import ticket_json

routes = web.RouteTableDef()

CHECK_EVERY_SECONDS = 2.0
# A comment line now and then keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0
# How often the stream checks that the login session is still valid.
SESSION_CHECK_SECONDS = 30.0
RECONNECT_MS = 3000


def _stamp(at: Optional[float]) -> Optional[str]:
    return datetime.fromtimestamp(at, timezone.utc).isoformat() if at else None


def queue_snapshot(db: Session, tracker_database_url: str) -> Dict[str, Any]:
    """The active handoffs as the queue shows them, and how many there are of each status."""
    active = tickets.active_tickets(db)
    replied = audit.last_replies(db, [t.id for t in active])
    moved = activity_of(tracker_database_url, [t.conversation_id for t in active])
    delivered = recorded_for(db, [t.conversation_id for t in active])
    items = []
    for ticket in active:
        activity = moved.get(ticket.conversation_id)
        last_user_at = activity.last_user_at if activity else None
        last_reply = replied.get(ticket.id)
        # A person's message after the last staff reply (or with no reply yet) waits for one.
        awaiting = bool(last_user_at) and (last_reply is None or last_user_at > last_reply.timestamp())
        items.append({**ticket_json(ticket),
                      "last_user_at": _stamp(last_user_at),
                      "last_user_preview": activity.last_user_preview if activity else None,
                      "last_staff_reply_at": last_reply.isoformat() if last_reply else None,
                      "awaiting_reply": awaiting,
                      # What became of the latest staff reply: delivered, or why not (yet).
                      "last_reply_delivery": (delivered[ticket.conversation_id][-1][1].as_json()
                                              if ticket.conversation_id in delivered else None),
                      "last_event_id": activity.last_event_id if activity else 0})
    return {"counts": tickets.count_by_status(db), "items": items}


def ticket_signature(db: Session, tracker_database_url: str, ticket_id: int) -> Tuple[Tuple, Dict[str, Dict]]:
    """What changes when anything on the ticket's page would (its state, its notes, the
    conversation's latest event and the deliveries of staff replies), and those deliveries
    by reply id."""
    try:
        ticket = tickets.get_ticket(db, ticket_id)
    except tickets.TicketNotFound:
        return ("gone",), {}
    notes = db.execute(select(func.count()).where(HandoffNote.ticket_id == ticket_id)).scalar_one()
    deliveries = {reply_id: delivery.as_json() for reply_id, delivery
                  in recorded_for(db, [ticket.conversation_id]).get(ticket.conversation_id, [])}
    activity = activity_of(tracker_database_url, [ticket.conversation_id]).get(ticket.conversation_id)
    return (ticket.status.value, ticket.priority.value, ticket.assigned_staff_id, str(as_utc(ticket.updated_at)),
            notes, json.dumps(deliveries, sort_keys=True), activity.last_event_id if activity else 0), deliveries


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _optional_ticket(request: web.Request) -> Optional[int]:
    value = request.query.get("ticket")
    try:
        return int(value) if value else None
    except ValueError:
        return None


@routes.get("/staff/api/queue")
async def queue(request: web.Request) -> web.Response:
    tracker_url = request.app[SETTINGS].tracker_database_url
    return web.json_response(await reading(request, lambda db: queue_snapshot(db, tracker_url)))


@routes.get("/staff/api/events")
async def events(request: web.Request) -> web.StreamResponse:
    tracker_url = request.app[SETTINGS].tracker_database_url
    token, ticket_id = request.cookies.get(SESSION_COOKIE), _optional_ticket(request)
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        # nginx must pass each event on at once (deploy/nginx.conf turns buffering off too).
        "X-Accel-Buffering": "no",
    })
    await response.prepare(request)
    await response.write(f"retry: {RECONNECT_MS}\n\n".encode())
    loop = asyncio.get_running_loop()
    last_queue: Optional[str] = None
    last_ticket: Optional[Tuple] = None
    last_deliveries: Dict[str, Dict] = {}
    last_write = last_session_check = loop.time()
    try:
        while True:
            snapshot = await reading(request, lambda db: queue_snapshot(db, tracker_url))
            encoded = json.dumps(snapshot, sort_keys=True)
            if encoded != last_queue:
                await response.write(_event("queue", snapshot))
                last_queue, last_write = encoded, loop.time()
            if ticket_id is not None:
                signature, deliveries = await reading(request, lambda db: ticket_signature(db, tracker_url, ticket_id))
                if signature != last_ticket:
                    if last_ticket is not None:
                        for reply_id, delivery in deliveries.items():
                            if last_deliveries.get(reply_id) != delivery:
                                await response.write(_event("delivery", {"reply_id": reply_id, **delivery}))
                        await response.write(_event("ticket", {"id": ticket_id}))
                        last_write = loop.time()
                    last_ticket, last_deliveries = signature, deliveries
            if loop.time() - last_write >= KEEPALIVE_SECONDS:
                await response.write(b": keepalive\n\n")
                last_write = loop.time()
            if loop.time() - last_session_check >= SESSION_CHECK_SECONDS:
                last_session_check = loop.time()
                if await reading(request, lambda db: session_for_token(db, token)) is None:
                    await response.write(_event("logout", {}))
                    break
            await asyncio.sleep(CHECK_EVERY_SECONDS)
    except ConnectionResetError:
        pass  # the page was closed or reloaded
    return response
