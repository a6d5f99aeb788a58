"""The clinic-network setup as shipped, for the scale-out tests and `make bench`:
PostgreSQL (tracker and handoff store, endpoints.postgres.yml), Redis (lock store and
socket.io rooms, started here on a free port with nothing saved to disk), more Rasa
replicas, and nginx in front of them with deploy/nginx/upstreams.replicas.conf."""
import contextlib
import os
import shutil
import socket
import subprocess
import time

import requests
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import make_url

from tests.integration.conftest import CLINIC_ENV
from tests.paths import MODEL, ROOT
from tests.stack import RASA_SERVER, free_port, running_stack


def _empty(url):
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()


class RedisServer:
    """Debian's redis-server on a free port, nothing saved to disk; stopped and started
    again by the fault tests."""

    def __init__(self):
        self.executable = shutil.which("redis-server")
        assert self.executable, "redis-server is needed (.ci/run installs it)"
        self.port = free_port()
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen([self.executable, "--port", str(self.port), "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextlib.contextmanager
def postgres_stack(postgres_url, workdir, model=MODEL, redis=None):
    """The stack on an emptied PostgreSQL database and a Redis (a fresh one unless given),
    with the web app."""
    _empty(postgres_url)
    redis = redis or RedisServer()
    redis.start()
    url = make_url(postgres_url)
    env = {**CLINIC_ENV, "HANDOFF_DATABASE_URL": postgres_url, "TRACKER_DATABASE_URL": postgres_url,
           "TRACKER_DB_HOST": url.host, "TRACKER_DB_PORT": str(url.port or 5432), "TRACKER_DB_NAME": url.database,
           "TRACKER_DB_USER": url.username, "TRACKER_DB_PASSWORD": url.password or "",
           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port),
           "SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis.port}/1"}
    try:
        with running_stack(model, workdir, env, with_web_app=True, endpoints="endpoints.postgres.yml") as stack:
            yield stack
    finally:
        redis.stop()


@contextlib.contextmanager
def replica(pg_stack, workdir, model=MODEL):
    """Another Rasa server on the same PostgreSQL and Redis, as a replica behind a proxy:
    yields its URL and process."""
    port = free_port()
    log = workdir / "rasa.log"
    process = subprocess.Popen(
        [*RASA_SERVER, "run", "--enable-api", "--auth-token", pg_stack.token, "--port", str(port),
         "--endpoints", "endpoints.postgres.yml", "--credentials", "credentials.yml", "--model", str(model)],
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
