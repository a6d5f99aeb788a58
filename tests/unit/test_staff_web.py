"""Pieces of the staff web app that need no server: API description, transcripts, accounts."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.settings import load_settings
from bot.store.sessions import session_factory
from bot.store.models import StaffUser, utcnow
from bot.store.staff_accounts import AccountLocked, LoginRefused, add_user, log_in, session_for_token
from bot.web.transcript import transcript_from_tracker
from bot.web.app import create_app
from bot.web.openapi import openapi_document


def test_every_api_route_the_app_serves_is_described_in_openapi(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    app = create_app(load_settings())
    described = openapi_document()["paths"]
    served = {(r.method.lower(), r.resource.canonical) for r in app.router.routes()
              if r.resource is not None and r.resource.canonical.startswith("/staff/api") and r.method != "HEAD"}
    assert served, "no API routes found"
    for method, path in served:
        assert method in described.get(path, {}), f"{method.upper()} {path} is not in openapi.json"


def test_transcript_marks_staff_turns_and_gives_bot_turns_their_intent():
    tracker = {"events": [
        {"event": "user", "timestamp": 1.0, "text": "i want a person",
         "parse_data": {"intent": {"name": "request_human", "confidence": 0.97}}},
        {"event": "bot", "timestamp": 2.0, "text": "I've asked the team", "data": {"buttons": [{"title": "OK"}]}},
        {"event": "pause", "timestamp": 2.5},
        {"event": "bot", "timestamp": 3.0, "text": None,
         "data": {"custom": {"data": {"staff_reply": True, "staff_name": "Sam", "text": "hello"}}},
         "metadata": {"staff_reply": True, "staff_name": "Sam"}},
        {"event": "action", "timestamp": 3.5, "name": "action_listen"},
    ]}
    turns = transcript_from_tracker(tracker)
    assert [t["speaker"] for t in turns] == ["user", "bot", "system", "staff"]
    assert (turns[1]["intent"], turns[1]["confidence"], turns[1]["buttons"]) == ("request_human", 0.97, ["OK"])
    assert (turns[3]["staff_name"], turns[3]["text"]) == ("Sam", "hello")
    assert turns[0]["at"].startswith("1970-01-01")



def test_transcript_shows_the_button_chosen_and_the_topic_with_its_close_alternatives():
    selector = {"all_retrieval_intents": ["faq"], "faq": {
        "response": {"intent_response_key": "faq/mdma_session", "confidence": 0.29},
        "ranking": [{"intent_response_key": "faq/mdma_session", "confidence": 0.29},
                    {"intent_response_key": "faq/mdma_risks", "confidence": 0.25},
                    {"intent_response_key": "faq/ptsd_what", "confidence": 0.05}]}}
    tracker = {"events": [
        {"event": "bot", "timestamp": 1.0, "text": "Hello", "data": {"buttons": [
            {"title": "What a session is like", "payload": "/faq/mdma_session"}]}},
        {"event": "user", "timestamp": 2.0, "text": "/faq/mdma_session",
         "parse_data": {"intent": {"name": "faq", "confidence": 1.0}, "response_selector": selector}},
        {"event": "bot", "timestamp": 3.0, "text": "In the trials..."},
        {"event": "user", "timestamp": 4.0, "text": "/faq/not_offered",
         "parse_data": {"intent": {"name": "faq", "confidence": 1.0},
                        "crisis_signals": {"tier": "check"}}},
    ]}
    turns = transcript_from_tracker(tracker)
    assert (turns[1]["text"], turns[1]["payload"]) == ("What a session is like", "/faq/mdma_session")
    assert (turns[2]["topic"], turns[2]["topic_confidence"]) == ("faq/mdma_session", 0.29)
    assert turns[2]["alternatives"] == [{"topic": "faq/mdma_risks", "confidence": 0.25}]
    # A payload no button offered is shown as typed; the safety net's tier travels with the turn.
    assert (turns[3]["text"], turns[3]["payload"], turns[3]["crisis_tier"]) == ("/faq/not_offered", None, "check")

@pytest.fixture
def db(tmp_path):
    with session_factory(f"sqlite:///{tmp_path / 'accounts.db'}").begin() as session:
        yield session


def test_passwords_are_stored_as_argon2_hashes(db):
    add_user(db, "Sam@Clinic.test", "Sam", "a long enough password")
    user = db.execute(select(StaffUser)).scalar_one()
    assert user.email == "sam@clinic.test"
    assert user.password_hash.startswith("$argon2") and "a long enough password" not in user.password_hash


def test_login_gives_a_session_whose_token_is_not_stored(db):
    add_user(db, "sam@clinic.test", "Sam", "a long enough password")
    result = log_in(db, "sam@clinic.test", "a long enough password")
    db.flush()
    found = session_for_token(db, result.token)
    assert found is not None and found.token_hash != result.token
    assert session_for_token(db, "made-up") is None


def test_five_wrong_passwords_lock_even_the_right_one_out(db):
    add_user(db, "sam@clinic.test", "Sam", "a long enough password")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            log_in(db, "sam@clinic.test", "wrong")
    with pytest.raises(AccountLocked):
        log_in(db, "sam@clinic.test", "a long enough password")
    user = db.execute(select(StaffUser)).scalar_one()
    user.locked_until = utcnow() - timedelta(seconds=1)  # the lock has run out
    assert log_in(db, "sam@clinic.test", "a long enough password").staff.id == user.id


def test_expired_sessions_are_refused(db):
    add_user(db, "sam@clinic.test", "Sam", "a long enough password")
    result = log_in(db, "sam@clinic.test", "a long enough password")
    db.flush()
    session = session_for_token(db, result.token)
    session.expires_at = utcnow() - timedelta(minutes=1)
    assert session_for_token(db, result.token) is None


def test_throttles_count_the_client_behind_a_trusted_proxy_and_ignore_anyone_elses_header():
    from aiohttp.test_utils import make_mocked_request
    from bot.web.throttle import client_address

    def asked(remote, real_ip=None):
        headers = {"X-Real-IP": real_ip} if real_ip else {}
        request = make_mocked_request("POST", "/api/conversations/erase", headers=headers)
        request._transport_peername = (remote, 1234)
        return client_address(request.clone(remote=remote), ("127.0.0.1", "172.20.0.0/16"))

    assert asked("127.0.0.1", "203.0.113.7") == "203.0.113.7"       # nginx on this machine
    assert asked("172.20.0.5", "203.0.113.8") == "203.0.113.8"      # nginx in the compose network
    assert asked("198.51.100.9", "203.0.113.7") == "198.51.100.9"   # a client naming itself: ignored
    assert asked("127.0.0.1", "not an address") == "127.0.0.1"
    assert asked("127.0.0.1") == "127.0.0.1"
