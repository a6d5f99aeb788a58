"""Starts the real action server and Rasa server on free ports, for tests and tools."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List

import requests

from tests.paths import ROOT

RASA = str(Path(sys.executable).parent / "rasa")
# Rasa with the crisis safety net kept alive while a handoff pauses the bot (bot/rasa_side/server.py).
RASA_SERVER = [sys.executable, "-m", "bot.rasa_side.server"]
START_TIMEOUT_SECONDS = 240


def texts(replies) -> list:
    """The texts of the REST channel's replies; a reply with no text (the widget's handoff
    state, sent as custom JSON) is not something a person reads."""
    return [reply["text"] for reply in replies if reply.get("text")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    rasa_url: str
    token: str
    handoff_database_url: str
    tracker_database_url: str
    web_url: str | None = None
    rasa_pid: int | None = None
    # Seconds from starting the Rasa server until it answered /status with its model loaded.
    rasa_start_seconds: float | None = None
    # The environment the servers run with, for tools a test starts against the same stores.
    env: Dict[str, str] = field(default_factory=dict)

    def rasa_resident_mb(self) -> float:
        """The Rasa server's resident memory (VmRSS), in MB."""
        for line in Path(f"/proc/{self.rasa_pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def say(self, sender: str, text: str) -> List[Dict]:
        """Send one message over the REST channel; returns the bot's replies."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def parse(self, text: str) -> Dict:
        response = requests.post(
            f"{self.rasa_url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> Dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        return response.json()


def _wait_until(check, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text()[-3000:]}")
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{what} did not start in {START_TIMEOUT_SECONDS}s:\n{log.read_text()[-3000:]}")


@contextmanager
def running_stack(
    model: Path, workdir: Path, extra_env: Dict[str, str] | None = None, with_action_server: bool = True,
    with_web_app: bool = False, endpoints: str = "endpoints.yml",
) -> Iterator[Stack]:
    """The Rasa server, unless told otherwise the action server, and if asked the web app, on free ports."""
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    token = "test-token-not-secret"
    handoff_url = f"sqlite:///{workdir / 'handoff.db'}"
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            "TRACKER_SQLITE_PATH": str(workdir / "tracker.db"),
            "HANDOFF_DATABASE_URL": handoff_url,
            "RASA_URL": f"http://127.0.0.1:{rasa_port}",
            "RASA_API_TOKEN": token,
            "WEB_SESSION_SECRET": "test-web-session-secret-not-secret",
            "WEB_PORT": str(web_port),
            "PYTHONPATH": str(ROOT),
            "RASA_ENDPOINTS": endpoints,
        }
    )
    env.update(extra_env or {})
    action_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    # Without an action server, ACTION_SERVER_URL points at a port nothing listens on.
    actions = subprocess.Popen(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)]
        if with_action_server else ["sleep", "infinity"],
        cwd=ROOT, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT,
    )
    rasa_started = time.monotonic()
    rasa = subprocess.Popen(
        [*RASA_SERVER, "run", "--enable-api", "--auth-token", token, "--port", str(rasa_port),
         "--endpoints", endpoints, "--credentials", "credentials.yml", "--model", str(model)],
        cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
    )
    processes = [rasa, actions]
    web_log = workdir / "web.log"
    if with_web_app:
        processes.append(subprocess.Popen([sys.executable, "-m", "bot", "web", "--host", "127.0.0.1"], cwd=ROOT,
                                          env=env, stdout=web_log.open("w"), stderr=subprocess.STDOUT))
    try:
        if with_action_server:
            _wait_until(lambda: requests.get(f"http://127.0.0.1:{action_port}/health", timeout=2).ok,
                        "action server", actions, action_log)
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        _wait_until(lambda: requests.get(f"{rasa_url}/status", params={"token": token}, timeout=2)
                    .json().get("model_file"), "Rasa server", rasa, rasa_log)
        rasa_start_seconds = time.monotonic() - rasa_started
        web_url = None
        if with_web_app:
            web_url = f"http://127.0.0.1:{web_port}"
            _wait_until(lambda: requests.get(f"{web_url}/health", timeout=2).ok, "web app", processes[2], web_log)
        tracker_url = env.get("TRACKER_DATABASE_URL") or f"sqlite:///{workdir / 'tracker.db'}"
        yield Stack(env["RASA_URL"], token, env["HANDOFF_DATABASE_URL"], tracker_url, web_url, rasa.pid,
                    rasa_start_seconds, env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
