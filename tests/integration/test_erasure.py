"""A user's erasure request and the retention purge delete the tracker, tickets and notes."""
import os
import subprocess
import sys
import uuid

import requests
from sqlalchemy import select

from bot.store.sessions import session_factory
from bot.store.models import AuditEntry, HandoffNote, HandoffTicket
from tests.paths import ROOT


def _ticket_ids(stack, user):
    with session_factory(stack.handoff_database_url)() as session:
        return list(session.execute(select(HandoffTicket.id).where(HandoffTicket.conversation_id == user)).scalars())


def test_user_can_erase_their_conversation_and_the_audit_log_keeps_only_that_it_happened(stack, sam):
    user = f"erase-{uuid.uuid4().hex}"
    stack.say(user, "/faq/ptsd_symptoms")
    stack.say(user, "/request_human")
    [ticket_id] = _ticket_ids(stack, user)
    sam.post(f"/staff/api/handoffs/{ticket_id}/claim")
    sam.post(f"/staff/api/handoffs/{ticket_id}/notes", {"text": "private note"})

    response = requests.post(f"{stack.web_url}/api/conversations/erase", json={"conversation_id": user}, timeout=30)
    assert response.status_code == 200 and response.json() == {"erased": True}

    assert [e for e in stack.tracker(user)["events"] if e["event"] in ("user", "bot")] == []
    assert _ticket_ids(stack, user) == []
    with session_factory(stack.handoff_database_url)() as session:
        assert session.execute(select(HandoffNote).where(HandoffNote.ticket_id == ticket_id)).first() is None
        assert session.execute(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)).first() is None
        erasures = session.execute(select(AuditEntry).where(AuditEntry.action == "erasure")).scalars().all()
        assert erasures and all(user not in (e.detail or "") for e in erasures)
    # The user can start again afterwards.
    assert stack.say(user, "/greet")


def test_erase_needs_a_conversation_id(stack):
    response = requests.post(f"{stack.web_url}/api/conversations/erase", json={}, timeout=10)
    assert response.status_code == 400


def test_purge_deletes_conversations_past_the_retention_period(stack):
    user = f"purge-{uuid.uuid4().hex}"
    stack.say(user, "/request_human")
    env = dict(os.environ, HANDOFF_DATABASE_URL=stack.handoff_database_url,
               TRACKER_DATABASE_URL=stack.tracker_database_url)
    kept = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "1"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert "Deleted 0 conversation" in kept.stdout and _ticket_ids(stack, user)
    # --older-than 0 treats every conversation as past retention.
    purged = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "0"], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert "Deleted" in purged.stdout and _ticket_ids(stack, user) == []
    assert [e for e in stack.tracker(user)["events"] if e["event"] == "user"] == []
