"""The clinic-network setup as shipped: endpoints.postgres.yml (PostgreSQL tracker store, Redis lock store).

Runs when STACK_TEST_POSTGRES_URL names a PostgreSQL database this test may empty (.ci/run
creates one); Redis is started here, on a free port, with nothing saved to disk.
"""
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import requests
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from tests.integration.conftest import CLINIC_ENV, PASSWORD
from tests.integration.staff_client import StaffClient, add_staff_account
from tests.integration.test_handoff_loop import ticket_of, wait_for_ticket
from tests.paths import MODEL, ROOT
from tests.stack import RASA_SERVER, free_port, running_stack
from tests.web_visitor import WebVisitor

POSTGRES_URL = os.environ.get("STACK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="STACK_TEST_POSTGRES_URL is not set (.ci/run sets it)")


def _empty(url):
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is needed (.ci/run installs it)"
    _empty(POSTGRES_URL)
    redis_port = free_port()
    redis = subprocess.Popen([redis_server, "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = make_url(POSTGRES_URL)
    env = {**CLINIC_ENV, "HANDOFF_DATABASE_URL": POSTGRES_URL, "TRACKER_DATABASE_URL": POSTGRES_URL,
           "TRACKER_DB_HOST": url.host, "TRACKER_DB_PORT": str(url.port or 5432), "TRACKER_DB_NAME": url.database,
           "TRACKER_DB_USER": url.username, "TRACKER_DB_PASSWORD": url.password or "",
           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port),
           "SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis_port}/1"}
    try:
        with running_stack(MODEL, tmp_path_factory.mktemp("pg"), env, with_web_app=True,
                           endpoints="endpoints.postgres.yml") as stack:
            add_staff_account(stack, "pg-staff@clinic.test", PASSWORD, "Pat")
            yield stack
    finally:
        redis.terminate()
        redis.wait(10)


@pytest.fixture(scope="module")
def second_replica(pg_stack, tmp_path_factory):
    """Another Rasa server on the same PostgreSQL and Redis, as a second replica behind a proxy."""
    port = free_port()
    log = tmp_path_factory.mktemp("replica") / "rasa.log"
    replica = subprocess.Popen(
        [*RASA_SERVER, "run", "--enable-api", "--auth-token", pg_stack.token, "--port", str(port),
         "--endpoints", "endpoints.postgres.yml", "--credentials", "credentials.yml", "--model", str(MODEL)],
        cwd=ROOT, env=dict(pg_stack.env, RASA_URL=f"http://127.0.0.1:{port}"),
        stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert replica.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/status", timeout=2,
                                params={"token": pg_stack.token}).json().get("model_file"):
                    break
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        yield f"http://127.0.0.1:{port}"
    finally:
        replica.terminate()
        replica.wait(60)


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
