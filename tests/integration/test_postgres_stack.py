"""The clinic-network setup as shipped: endpoints.postgres.yml (PostgreSQL tracker store, Redis lock store).

Runs when STACK_TEST_POSTGRES_URL names a PostgreSQL database this test may empty (.ci/run
creates one); Redis is started here, on a free port, with nothing saved to disk.
"""
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

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


@contextlib.contextmanager
def replica(pg_stack, workdir):
    """Another Rasa server on the same PostgreSQL and Redis, as a replica behind a proxy:
    yields its URL and process."""
    port = free_port()
    log = workdir / "rasa.log"
    process = subprocess.Popen(
        [*RASA_SERVER, "run", "--enable-api", "--auth-token", pg_stack.token, "--port", str(port),
         "--endpoints", "endpoints.postgres.yml", "--credentials", "credentials.yml", "--model", str(MODEL)],
        cwd=ROOT, env=dict(pg_stack.env, RASA_URL=f"http://127.0.0.1:{port}"),
        stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/status", timeout=2,
                                params={"token": pg_stack.token}).json().get("model_file"):
                    break
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(60)


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


# --- several replicas behind nginx, as deploy/nginx/upstreams.replicas.conf ships them ----

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
daemon off;
events {{ }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    include {dir}/upstreams.conf;
    server {{
        listen 127.0.0.1:{port};
        # Rasa's REST channel stands in for the public channels here; the settings are
        # deploy/nginx.conf's for Telegram's webhook.
        location / {{
            proxy_pass http://ptsd_bot_rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 90s;
            proxy_next_upstream error;
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_before(replicas, web_url, workdir):
    """nginx (Debian's) in front of the replicas, with the shipped upstream settings."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(nginx), "nginx is needed (.ci/run installs it)"
    shipped = (ROOT / "deploy" / "nginx" / "upstreams.replicas.conf").read_text()
    first, second = [url.split("//")[1] for url in replicas]
    upstreams = shipped.replace("127.0.0.1:5005", first).replace("127.0.0.1:5006", second) \
        .replace("127.0.0.1:8000", web_url.split("//")[1])
    assert first in upstreams and second in upstreams
    (workdir / "upstreams.conf").write_text(upstreams)
    port = free_port()
    (workdir / "nginx.conf").write_text(NGINX_CONF.format(dir=workdir, port=port))
    process = subprocess.Popen([nginx, "-c", str(workdir / "nginx.conf"), "-p", str(workdir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                requests.get(f"{url}/status", timeout=2)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture(scope="module")
def balanced(pg_stack, second_replica, tmp_path_factory):
    with nginx_before([pg_stack.rasa_url, second_replica], pg_stack.web_url, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def say_through(url, sender, text, attempts=1):
    """One message as a channel sends it; a 502/503/504 or a refused connection is retried,
    as a client does with an error it can retry. Returns the bot's replies."""
    for attempt in range(attempts):
        try:
            response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                     timeout=120)
            if response.status_code not in (502, 503, 504):
                assert response.status_code == 200, response.text
                return response.json()
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"no answer after {attempts} attempts")


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
