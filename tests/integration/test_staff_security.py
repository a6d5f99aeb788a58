"""The staff console refuses what it must: no login, no CSRF token, wrong passwords, acting as someone else."""
import subprocess
import sys
import uuid

import pytest
import requests

from tests.integration.conftest import PASSWORD
from tests.integration.staff_client import StaffClient
from tests.paths import ROOT


@pytest.mark.parametrize("path", ["/staff", "/staff/review", "/staff/audit", "/staff/tickets/1"])
def test_console_pages_send_a_stranger_to_the_login_page(stack, path):
    response = requests.get(f"{stack.web_url}{path}", allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"


@pytest.mark.parametrize("method, path", [
    ("GET", "/staff/api/handoffs"), ("GET", "/staff/api/handoffs/1"), ("GET", "/staff/api/session"),
    ("GET", "/staff/api/audit"), ("GET", "/staff/api/staff"), ("POST", "/staff/api/handoffs/1/claim"),
    ("POST", "/staff/api/handoffs/1/messages"), ("POST", "/staff/api/handoffs/1/resolve"),
])
def test_api_refuses_a_stranger(stack, method, path):
    response = requests.request(method, f"{stack.web_url}{path}", json={}, timeout=10)
    assert response.status_code == 401


def test_a_forged_session_cookie_is_refused(stack):
    response = requests.get(f"{stack.web_url}/staff/api/handoffs", headers={"Cookie": "staff_session=forged"},
                            timeout=10)
    assert response.status_code == 401


def test_session_cookie_is_httponly_secure_and_samesite(stack):
    response = requests.post(f"{stack.web_url}/staff/api/login",
                             json={"email": "sam@clinic.test", "password": PASSWORD}, timeout=30)
    cookie = response.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_state_change_without_the_csrf_token_is_refused(stack, sam):
    stack.say(f"csrf-{uuid.uuid4().hex[:8]}", "/request_human")
    ticket = sam.get("/staff/api/handoffs", status="open").json()["items"][0]
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim", csrf=False).status_code == 403
    other = StaffClient(stack.web_url)
    other.login("alex@clinic.test", PASSWORD)
    other.csrf = sam.csrf  # another session's token does not fit this session
    assert other.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 403
    form = requests.post(f"{stack.web_url}/staff/api/handoffs/{ticket['id']}/claim", data={"x": "1"},
                         headers={"Cookie": f"staff_session={sam.cookie}", "X-CSRF-Token": sam.csrf}, timeout=10)
    assert form.status_code == 415, "a cross-site form post (not JSON) must not change anything"
    assert sam.get(f"/staff/api/handoffs/{ticket['id']}").json()["ticket"]["status"] == "open"


def test_repeated_wrong_passwords_lock_the_account(stack):
    client = StaffClient(stack.web_url)
    statuses = [client.login("lockme@clinic.test", "wrong password!").status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = client.login("lockme@clinic.test", PASSWORD)
    assert locked.status_code == 423 and "locked" in locked.json()["error"]


def test_one_staff_member_cannot_act_as_another(stack, sam, alex):
    user = f"owner-{uuid.uuid4().hex[:8]}"
    stack.say(user, "/request_human")
    ticket = next(t for t in sam.get("/staff/api/handoffs", status="open", limit=200).json()["items"]
                  if t["conversation_id"] == user)
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
    assert alex.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 403
    assert alex.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "hi"}).status_code == 403
    assert alex.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 403
    # A staff id in the body is ignored: the actor is always the logged-in person.
    alex_as_sam = alex.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "hi", "staff_id": 1})
    assert alex_as_sam.status_code == 403
    assert [e for e in stack.tracker(user)["events"] if (e.get("metadata") or {}).get("staff_reply")] == []


def test_only_admins_create_accounts(stack, sam, admin):
    body = {"email": f"new-{uuid.uuid4().hex[:6]}@clinic.test", "display_name": "New", "password": PASSWORD}
    assert sam.post("/staff/api/staff", body).status_code == 403
    assert admin.post("/staff/api/staff", body).status_code == 201


def test_command_line_refuses_a_short_password(stack):
    result = subprocess.run([sys.executable, "-m", "bot", "staff", "add-user", "short@clinic.test"],
                            input="short\n", text=True, capture_output=True, cwd=ROOT,
                            env={"HANDOFF_DATABASE_URL": stack.handoff_database_url, "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0 and "at least 12 characters" in result.stderr
