"""A user's erasure request and the retention purge delete the tracker, tickets and notes."""
import subprocess
import sys
import time
import uuid

import requests
from sqlalchemy import select

from bot.store.sessions import session_factory
from bot.store.models import AuditEntry, HandoffNote, HandoffTicket
from tests.integration.test_handoff_loop import wait_for_ticket
from tests.paths import ROOT
from tests.stack import free_port
from tests.web_visitor import WebVisitor


def _ticket_ids(stack, user):
    with session_factory(stack.handoff_database_url)() as session:
        return list(session.execute(select(HandoffTicket.id).where(HandoffTicket.conversation_id == user)).scalars())


def _visitor_with_a_ticket(stack, sam):
    visitor = WebVisitor(stack.rasa_url)
    visitor.send("/faq/ptsd_symptoms")
    visitor.send("/request_human")
    ticket_id = wait_for_ticket(sam, visitor.conversation_id)["id"]
    assert _ticket_ids(stack, visitor.conversation_id) == [ticket_id]
    sam.post(f"/staff/api/handoffs/{ticket_id}/claim")
    sam.post(f"/staff/api/handoffs/{ticket_id}/notes", {"text": "private note"})
    return visitor, ticket_id


def _erase(url, body):
    return requests.post(f"{url}/api/conversations/erase", json=body, timeout=30)


def test_user_can_erase_their_conversation_and_the_audit_log_keeps_only_that_it_happened(stack, sam):
    visitor, ticket_id = _visitor_with_a_ticket(stack, sam)
    user = visitor.conversation_id
    visitor.close()

    response = _erase(stack.web_url, {"session_token": visitor.session_token})
    assert response.status_code == 200 and response.json() == {"erased": True}

    assert [e for e in stack.tracker(user)["events"] if e["event"] in ("user", "bot")] == []
    assert _ticket_ids(stack, user) == []
    with session_factory(stack.handoff_database_url)() as session:
        assert session.execute(select(HandoffNote).where(HandoffNote.ticket_id == ticket_id)).first() is None
        assert session.execute(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)).first() is None
        erasures = session.execute(select(AuditEntry).where(AuditEntry.action == "erasure")).scalars().all()
        assert erasures and all(user not in (e.detail or "") for e in erasures)


def test_erasure_without_the_session_token_is_refused_and_deletes_nothing(stack, sam):
    visitor, _ = _visitor_with_a_ticket(stack, sam)
    visitor.close()
    user = visitor.conversation_id
    for body in ({}, {"conversation_id": user}, {"session_token": user},
                 {"session_token": user + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, {"session_token": "telegram:1002"}):
        assert _erase(stack.web_url, body).status_code == 403, body
    assert _ticket_ids(stack, user) and [e for e in stack.tracker(user)["events"] if e["event"] == "user"]


def test_erasure_requests_are_throttled_per_address(stack):
    # A web app of its own, so the shared one's throttle stays clear for the other tests.
    port = free_port()
    env = dict(stack.env, WEB_PORT=str(port))
    web = subprocess.Popen([sys.executable, "-m", "bot", "web", "--host", "127.0.0.1"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        statuses = [_erase(url, {"session_token": f"web:guess{n}.x"}).status_code for n in range(12)]
        assert statuses[:10] == [403] * 10 and statuses[10:] == [429, 429]
    finally:
        web.terminate()
        web.wait(10)


def test_purge_deletes_conversations_past_the_retention_period(stack):
    user = f"purge-{uuid.uuid4().hex}"
    stack.say(user, "/request_human")
    env = stack.env
    kept = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "1"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert "Deleted 0 conversation" in kept.stdout and _ticket_ids(stack, user)
    # --older-than 0 treats every conversation as past retention.
    purged = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "0"], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert "Deleted" in purged.stdout and _ticket_ids(stack, user) == []
    assert [e for e in stack.tracker(user)["events"] if e["event"] == "user"] == []
