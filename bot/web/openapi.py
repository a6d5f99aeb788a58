"""The OpenAPI 3 description of /staff/api, served at /staff/api/openapi.json.

Kept next to the handlers in bot/web/staff_api.py; tests check that every route the
app serves under /staff/api is described here.
"""
from __future__ import annotations

from typing import Any, Dict

from bot.store.tickets import OUTCOMES


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Dict[str, Any], description: str = "OK") -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Error"), "Not logged in"),
    "403": _json(_ref("Error"), "Missing CSRF token, or the handoff belongs to someone else"),
    "404": _json(_ref("Error"), "No such handoff"),
    "409": _json(_ref("Error"), "Not possible in the handoff's current state"),
}
TICKET_ID = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
CSRF = [{"session": [], "csrf": []}]


def _command(summary: str, body: Dict[str, Any] | None, response: Dict[str, Any], status: str = "200"):
    operation: Dict[str, Any] = {"summary": summary, "parameters": [TICKET_ID], "security": CSRF,
                                 "responses": {status: _json(response), **ERRORS}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return {"post": operation}


def openapi_document() -> Dict[str, Any]:
    text_body = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Staff console API", "version": "1.0",
                 "description": "Handoffs from the psychoeducation assistant to clinic staff. Log in first; "
                                "send the session's csrf_token in the X-CSRF-Token header on every POST."},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "staff_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
                "Staff": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "email": {"type": "string"},
                    "display_name": {"type": "string"}, "role": {"enum": ["staff", "admin"]}}},
                "Ticket": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "conversation_id": {"type": "string"},
                    "channel": {"type": "string"}, "priority": {"enum": ["urgent", "normal"]},
                    "status": {"enum": ["open", "claimed", "resolved"]}, "reason": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "claimed_at": {"type": "string", "format": "date-time", "nullable": True},
                    "resolved_at": {"type": "string", "format": "date-time", "nullable": True},
                    "outcome": {"type": "string", "nullable": True},
                    "satisfaction": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 5,
                                     "description": "the person's answer after resolve, 1 to 5"},
                    "assigned_staff": {"allOf": [_ref("Staff")], "nullable": True}}},
                "Turn": {"type": "object", "properties": {
                    "speaker": {"enum": ["user", "bot", "staff", "system"]},
                    "at": {"type": "string", "format": "date-time"}, "text": {"type": "string"},
                    "intent": {"type": "string", "nullable": True},
                    "confidence": {"type": "number", "nullable": True},
                    "payload": {"type": "string", "nullable": True,
                                "description": "a user turn sent with a button: its payload (text is the title)"},
                    "topic": {"type": "string", "nullable": True, "description": "FAQ topic the bot answered with"},
                    "topic_confidence": {"type": "number", "nullable": True},
                    "alternatives": {"type": "array", "description": "topics within 0.15 of the chosen one",
                                     "items": {"type": "object", "properties": {
                                         "topic": {"type": "string"}, "confidence": {"type": "number"}}}},
                    "crisis_tier": {"type": "string", "nullable": True, "enum": ["crisis", "check", None]},
                    "staff_name": {"type": "string"}, "buttons": {"type": "array", "items": {"type": "string"}}}},
                "QueueSnapshot": {"type": "object", "properties": {
                    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "items": {"type": "array", "items": {"allOf": [_ref("Ticket"), {"type": "object", "properties": {
                        "last_user_at": {"type": "string", "format": "date-time", "nullable": True},
                        "last_user_preview": {"type": "string", "nullable": True},
                        "last_staff_reply_at": {"type": "string", "format": "date-time", "nullable": True},
                        "awaiting_reply": {"type": "boolean"},
                        "last_reply_delivery": {"type": "object", "nullable": True, "properties": {
                            "status": {"type": "string", "enum": ["delivered", "refused"]},
                            "reason": {"type": "string", "nullable": True}}}}}]}}}},
                "Note": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "text": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"}, "staff": _ref("Staff")}},
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/staff/api/login": {"post": {
                "summary": "Log in; sets the session cookie and returns the CSRF token", "security": [],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["email", "password"],
                    "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "staff": _ref("Staff"), "csrf_token": {"type": "string"}}}),
                    "401": _json(_ref("Error"), "Wrong email or password"),
                    "423": _json(_ref("Error"), "Account locked after repeated wrong passwords"),
                    "429": _json(_ref("Error"), "Too many failed logins from this address")}}},
            "/staff/api/logout": {"post": {"summary": "Log out", "security": CSRF,
                                           "responses": {"200": _json({"type": "object"})}}},
            "/staff/api/session": {"get": {"summary": "Who is logged in, and the CSRF token",
                                           "responses": {"200": _json({"type": "object"}), "401": ERRORS["401"]}}},
            "/staff/api/handoffs": {"get": {
                "summary": "The queue (urgent first, then oldest) and counts per status; filters for review",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"enum": ["open", "claimed", "resolved"]}},
                    {"name": "priority", "in": "query", "schema": {"enum": ["urgent", "normal"]}},
                    {"name": "outcome", "in": "query", "schema": {"enum": list(OUTCOMES)}},
                    {"name": "staff_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "items": {"type": "array", "items": _ref("Ticket")}}}), "401": ERRORS["401"]}}},
            "/staff/api/queue": {"get": {
                "summary": "The active handoffs with the person's last message and whether it waits for a reply "
                           "(what the `queue` event carries; for a page whose event stream dropped)",
                "responses": {"200": _json(_ref("QueueSnapshot")), "401": ERRORS["401"]}}},
            "/staff/api/events": {"get": {
                "summary": "Server-sent events: `queue` (the queue snapshot, on connect and on every change), "
                           "`ticket` (with ?ticket=ID: that handoff changed; fetch it again), `delivery` (with "
                           "?ticket=ID: what became of a staff reply, {reply_id, status, reason}), `logout`",
                "parameters": [{"name": "ticket", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "An event stream",
                                      "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                              "401": ERRORS["401"]}}},
            "/staff/api/handoffs/{ticket_id}": {"get": {
                "summary": "A handoff with its whole transcript (from Rasa's tracker store) and notes",
                "parameters": [TICKET_ID, {
                    "name": "seen", "in": "query", "schema": {"type": "string", "enum": ["1"]},
                    "description": "1 when the page is on screen: the visitor's widget then marks their "
                                   "messages up to the newest one shown as seen by staff"}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "ticket": _ref("Ticket"), "paused": {"type": "boolean", "nullable": True},
                    "transcript": {"type": "array", "items": _ref("Turn")},
                    "transcript_error": {"type": "string", "nullable": True},
                    "notes": {"type": "array", "items": _ref("Note")}}}), "401": ERRORS["401"],
                    "404": ERRORS["404"]}}},
            "/staff/api/handoffs/{ticket_id}/claim": _command("Claim a handoff", None, {"type": "object"}),
            "/staff/api/handoffs/{ticket_id}/release": _command(
                "Put a claimed handoff back in the queue (its holder, or an admin)", None, {"type": "object"}),
            "/staff/api/handoffs/{ticket_id}/assign": _command(
                "Hand a claimed handoff to another member of staff (its holder, or an admin)",
                {"type": "object", "required": ["staff_id"], "properties": {"staff_id": {"type": "integer"}}},
                {"type": "object"}),
            "/staff/api/canned-replies": {"get": {
                "summary": "Prepared replies clinicians wrote (data/staff/canned_replies.yml); {staff_name} is left to fill",
                "responses": {"200": _json({"type": "object"})}}},
            "/staff/api/reports": {"get": {
                "summary": "Aggregates for the clinic's lead over the days from..to (clinic time, default the last 30): "
                           "handoffs per day by priority, share out of hours, minutes to first staff reply and to "
                           "resolution (median, p90), satisfaction, top FAQ topics, messages not understood. No one's words.",
                "parameters": [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                               {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json({"type": "object"}), "400": _json({"type": "object"})}}},
            "/staff/api/handoffs/{ticket_id}/messages": _command(
                "Reply to the user on their own channel (needs your claim)", text_body, {"type": "object"}, "201"),
            "/staff/api/handoffs/{ticket_id}/notes": _command(
                "Add an internal note (never shown to the user)", text_body, {"type": "object"}, "201"),
            "/staff/api/handoffs/{ticket_id}/resolve": _command(
                "Resolve (needs your claim); the bot resumes and tells the user",
                {"type": "object", "properties": {"outcome": {"enum": list(OUTCOMES)}}}, {"type": "object"}),
            "/staff/api/staff": {
                "get": {"summary": "Staff accounts (for review filters)", "responses": {"200": _json({"type": "object"})}},
                "post": {"summary": "Create an account (admins)", "security": CSRF,
                         "responses": {"201": _json({"type": "object"}), "403": ERRORS["403"]}}},
            "/staff/api/audit": {"get": {"summary": "The audit log, newest first (admins)",
                                         "responses": {"200": _json({"type": "object"}), "403": ERRORS["403"]}}},
            "/staff/api/openapi.json": {"get": {"summary": "This document", "security": [],
                                                "responses": {"200": _json({"type": "object"})}}},
        },
    }
