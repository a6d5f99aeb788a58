"""The clinic-network setup as shipped: endpoints.postgres.yml (PostgreSQL tracker store, Redis lock store).

Runs when STACK_TEST_POSTGRES_URL names a PostgreSQL database this test may empty (.ci/run
creates one); Redis is started here, on a free port, with nothing saved to disk.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.integration.conftest import PASSWORD
from tests.integration.staff_client import StaffClient, add_staff_account
from tests.integration.test_handoff_loop import ticket_of, wait_for_ticket
from tests.paths import ROOT
from tests.scale_out import RedisServer, nginx_before, postgres_stack, replica, say_through
from tests.stack import free_port
from tests.web_visitor import WebVisitor

POSTGRES_URL = os.environ.get("STACK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="STACK_TEST_POSTGRES_URL is not set (.ci/run sets it)")


@pytest.fixture(scope="module")
def redis():
    return RedisServer()


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory, redis):
    with postgres_stack(POSTGRES_URL, tmp_path_factory.mktemp("pg"), redis=redis) as stack:
        add_staff_account(stack, "pg-staff@clinic.test", PASSWORD, "Pat")
        yield stack


@pytest.fixture(scope="module")
def second_replica(pg_stack, tmp_path_factory):
    with replica(pg_stack, tmp_path_factory.mktemp("replica")) as (url, _):
        yield url


def test_a_staff_reply_reaches_a_visitor_connected_to_the_other_replica(pg_stack, second_replica):
    staff = StaffClient(pg_stack.web_url)
    staff.login("pg-staff@clinic.test", PASSWORD)
    visitor = WebVisitor(second_replica)  # the web app talks to the first replica only
    try:
        visitor.send("/request_human")
        ticket = wait_for_ticket(staff, visitor.conversation_id)
        assert staff.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
        for text in ("Pat here, from the other replica.", "And a second reply."):
            assert staff.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": text}).status_code == 201
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 2 and time.monotonic() < deadline:
            got += [m["text"] for m in visitor.received(timeout=2) if m.get("staff_reply")]
        assert got == ["Pat here, from the other replica.", "And a second reply."]
    finally:
        visitor.close()


def _stored_senders(url):
    engine = create_engine(url)
    with engine.connect() as db:
        senders = set(db.execute(text("SELECT DISTINCT sender_id FROM events")).scalars())
    engine.dispose()
    return senders


def test_the_shipped_postgres_endpoints_start_and_keep_conversations_in_postgresql(pg_stack):
    user = f"pg-{uuid.uuid4().hex[:12]}"
    assert any("Source:" in r.get("text", "") for r in pg_stack.say(user, "/faq/ptsd_symptoms"))
    assert user in _stored_senders(POSTGRES_URL)


def test_erasure_with_the_session_token_empties_the_postgresql_tracker_store(pg_stack):
    staff = StaffClient(pg_stack.web_url)
    staff.login("pg-staff@clinic.test", PASSWORD)
    visitor = WebVisitor(pg_stack.rasa_url)
    visitor.send("what is ptsd")
    visitor.send("/request_human")
    wait_for_ticket(staff, visitor.conversation_id)
    assert visitor.conversation_id in _stored_senders(POSTGRES_URL)
    visitor.close()

    refused = requests.post(f"{pg_stack.web_url}/api/conversations/erase",
                            json={"session_token": visitor.conversation_id}, timeout=30)
    assert refused.status_code == 403 and visitor.conversation_id in _stored_senders(POSTGRES_URL)
    erased = requests.post(f"{pg_stack.web_url}/api/conversations/erase",
                           json={"session_token": visitor.session_token}, timeout=30)
    assert erased.status_code == 200
    assert visitor.conversation_id not in _stored_senders(POSTGRES_URL)
    assert ticket_of(staff, visitor.conversation_id) is None


def test_a_tracker_url_that_disagrees_with_the_endpoints_file_stops_start_up(pg_stack):
    wrong = make_url(POSTGRES_URL).set(database="some_other_database").render_as_string(hide_password=False)
    started = subprocess.run([sys.executable, "-m", "bot", "web", "--host", "127.0.0.1"], cwd=ROOT,
                             env=dict(pg_stack.env, TRACKER_DATABASE_URL=wrong, WEB_PORT=str(free_port())),
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0 and "names another database" in started.stderr


@pytest.fixture(scope="module")
def balanced(pg_stack, second_replica, tmp_path_factory):
    with nginx_before([pg_stack.rasa_url, second_replica], pg_stack.web_url, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def user_texts(stack, sender):
    return [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def test_a_conversation_alternating_replicas_keeps_its_state_and_its_pause(pg_stack, second_replica, balanced):
    staff = StaffClient(pg_stack.web_url)
    staff.login("pg-staff@clinic.test", PASSWORD)
    user = f"alternating-{uuid.uuid4().hex[:10]}"
    # Round robin over two replicas: consecutive messages land on alternate ones.
    say_through(balanced, user, "what is ptsd")
    say_through(balanced, user, "/request_human")
    [waiting] = say_through(balanced, user, "hello, anyone there?")
    assert "will read this" in waiting["text"], "the pause held on the other replica"
    assert say_through(balanced, user, "still here") == []
    for url in (pg_stack.rasa_url, second_replica):
        tracker = requests.get(f"{url}/conversations/{user}/tracker", params={"token": pg_stack.token},
                               timeout=30).json()
        assert tracker["paused"] is True
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == \
            ["what is ptsd", "/request_human", "hello, anyone there?", "still here"]
    assert wait_for_ticket(staff, user)["status"] == "open"
    assert len([t for t in staff.get("/staff/api/handoffs", limit=200).json()["items"]
                if t["conversation_id"] == user]) == 1


def test_concurrent_messages_of_one_conversation_across_replicas_are_each_handled_once(pg_stack, balanced):
    user = f"concurrent-{uuid.uuid4().hex[:10]}"
    questions = [f"what is ptsd? (question {n})" for n in range(30)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda q: say_through(balanced, user, q), questions))
    assert all(answer for answer in answers), "a message got no reply"
    stored = user_texts(pg_stack, user)
    assert sorted(stored) == sorted(questions), "each message stored once"


def test_a_replica_killed_under_load_loses_no_message(pg_stack, tmp_path_factory):
    with replica(pg_stack, tmp_path_factory.mktemp("doomed")) as (doomed_url, doomed), \
            nginx_before([pg_stack.rasa_url, doomed_url], pg_stack.web_url, tmp_path_factory.mktemp("nginx2")) as url:
        senders = [f"killed-{n}-{uuid.uuid4().hex[:8]}" for n in range(8)]
        work = [(sender, f"what are the symptoms of ptsd? ({n})") for n in range(8) for sender in senders]
        answered = []

        def send(item):
            replies = say_through(url, *item, attempts=10)
            answered.append(item)
            return replies

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(send, item) for item in work]
            deadline = time.monotonic() + 120
            while len(answered) < 16 and time.monotonic() < deadline:
                time.sleep(0.1)
            doomed.send_signal(signal.SIGKILL)
            results = [future.result() for future in futures]
        assert all(results), "every message got its answer in the end"
        lost, doubled = [], 0
        for sender in senders:
            stored = user_texts(pg_stack, sender)
            wanted = [text for who, text in work if who == sender]
            lost += [text for text in wanted if text not in stored]
            doubled += len(stored) - len(set(stored))
        assert lost == []
        # A message the killed replica had stored but not yet answered is sent again.
        assert doubled <= 8


def test_redis_stopped_for_10_s_loses_no_message(pg_stack, redis):
    """The lock store is gone for 10 s: messages sent meanwhile wait and are tried again
    (bot/rasa_side/channels/lock_retry.py), then answered and stored once each."""
    users = [f"no-redis-{n}-{uuid.uuid4().hex[:8]}" for n in range(3)]
    redis.stop()
    try:
        with ThreadPoolExecutor(3) as pool:
            asked = [pool.submit(say_through, pg_stack.rasa_url, user, "what is ptsd") for user in users]
            time.sleep(10)
            redis.start()
            answers = [future.result() for future in asked]
    finally:
        if redis.process.poll() is not None:
            redis.start()
    assert all(any("Source:" in reply.get("text", "") for reply in answer) for answer in answers)
    for user in users:
        assert user_texts(pg_stack, user) == ["what is ptsd"]


def test_a_message_the_lock_store_never_takes_is_an_error_to_retry_not_an_empty_answer(pg_stack, redis):
    user = f"redis-gone-{uuid.uuid4().hex[:8]}"
    redis.stop()
    try:
        answer = requests.post(f"{pg_stack.rasa_url}/webhooks/rest/webhook",
                               json={"sender": user, "message": "what is ptsd"}, timeout=120)
    finally:
        redis.start()
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    # Sent again, as a client does with a 503: answered and stored once.
    assert any("Source:" in reply.get("text", "") for reply in say_through(pg_stack.rasa_url, user, "what is ptsd"))
    assert user_texts(pg_stack, user) == ["what is ptsd"]


def test_postgresql_stopped_for_10_s_loses_no_message_and_no_pause(pg_stack):
    """The tracker store waits the database out (bot/rasa_side/tracker_store.py) instead of
    Rasa's fallback, which would start a paused conversation afresh and keep its messages
    in memory only."""
    if make_url(POSTGRES_URL).host not in ("127.0.0.1", "localhost") or os.geteuid() != 0:
        pytest.skip("stops this machine's PostgreSQL service (as .ci/run runs it)")
    paused, fresh = f"pg-down-paused-{uuid.uuid4().hex[:8]}", f"pg-down-new-{uuid.uuid4().hex[:8]}"
    say_through(pg_stack.rasa_url, paused, "/request_human")
    subprocess.run(["service", "postgresql", "stop"], check=True, capture_output=True)
    try:
        with ThreadPoolExecutor(2) as pool:
            waiting = pool.submit(say_through, pg_stack.rasa_url, paused, "are you there?")
            asked = pool.submit(say_through, pg_stack.rasa_url, fresh, "what is ptsd")
            time.sleep(10)
            subprocess.run(["service", "postgresql", "start"], check=True, capture_output=True)
            waiting, asked = waiting.result(), asked.result()
    finally:
        subprocess.run(["service", "postgresql", "start"], capture_output=True)
    assert any("will read this" in reply.get("text", "") for reply in waiting), waiting
    assert any("Source:" in reply.get("text", "") for reply in asked), asked
    assert user_texts(pg_stack, paused) == ["/request_human", "are you there?"]
    assert user_texts(pg_stack, fresh) == ["what is ptsd"]
