"""`make run`'s stack (scripts/run_stack.sh) as a clinic runs it: a server that dies is started again, and the rest keep serving."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.paths import MODEL, ROOT
from tests.stack import free_port

TOKEN = "test-token-not-secret"


def _up(url: str, **params) -> bool:
    try:
        return requests.get(url, params=params, timeout=2).ok
    except requests.RequestException:
        return False


def _eventually(check, what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f} s; the stack said:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make integration`, which trains it")
    work = tmp_path_factory.mktemp("supervised")
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = dict(os.environ, **{k: str(v) for k, v in ports.items()},
               RASA_API_TOKEN=TOKEN, WEB_SESSION_SECRET="test-web-session-secret-not-secret",
               TRACKER_SQLITE_PATH=str(work / "tracker.db"), HANDOFF_DATABASE_URL=f"sqlite:///{work / 'handoff.db'}",
               STACK_RUN_DIR=str(work / "run"), ORG_NAME="Harbour Trauma Clinic", EMERGENCY_NUMBER="999")
    env.pop("TRACKER_DATABASE_URL", None)
    log = work / "stack.log"
    stack = subprocess.Popen(["scripts/run_stack.sh"], cwd=ROOT, env=env, stdout=log.open("w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
    urls = {"rasa": f"http://127.0.0.1:{ports['RASA_PORT']}", "actions": f"http://127.0.0.1:{ports['ACTION_PORT']}",
            "web": f"http://127.0.0.1:{ports['WEB_PORT']}"}
    try:
        _eventually(lambda: _up(f"{urls['rasa']}/status", token=TOKEN), "the Rasa server up", 180, log)
        _eventually(lambda: _up(f"{urls['actions']}/health") and _up(f"{urls['web']}/health"), "all three up", 60, log)
        yield urls, work / "run", log, stack
    finally:
        try:
            os.killpg(stack.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # already stopped by the test
        stack.wait(60)


def _pid(run_dir: Path, name: str) -> int:
    return int((run_dir / f"{name}.pid").read_text())


def _say(urls, sender, text):
    return [r.get("text", "") for r in requests.post(f"{urls['rasa']}/webhooks/rest/webhook",
                                                    json={"sender": sender, "message": text}, timeout=60).json()]


@pytest.mark.parametrize("name, health", [("actions", "/health"), ("web", "/health"), ("rasa", "/")])
def test_a_killed_server_is_started_again_and_the_others_keep_serving(supervised, name, health):
    urls, run_dir, log, _ = supervised
    before = _pid(run_dir, name)
    os.kill(before, signal.SIGKILL)
    if name != "rasa":
        # Meanwhile the Rasa server still answers, the crisis lines included.
        assert any("999" in t for t in _say(urls, f"supervised-{name}", "i want to kill myself"))
    _eventually(lambda: _pid(run_dir, name) != before and _up(urls[name] + health), f"{name} back", 180, log)
    assert "[supervisor] " + name + " stopped" in log.read_text()
    # And the whole loop works again: a request for a person opens a handoff.
    assert any("asked the team" in t for t in _say(urls, f"after-{name}-{time.time()}", "/request_human"))


def test_rasa_killed_mid_handoff_comes_back_with_the_transcript_the_pause_and_the_ticket(supervised):
    from bot.store.tickets import active_ticket
    from bot.store.sessions import session_factory
    urls, run_dir, log, _ = supervised
    sender = f"mid-handoff-{time.time()}"
    opened = _say(urls, sender, "/request_human")
    assert any("asked the team" in t for t in opened), opened
    _say(urls, sender, "are you there? it's hard today")
    before = _pid(run_dir, "rasa")
    os.kill(before, signal.SIGKILL)
    _eventually(lambda: _pid(run_dir, "rasa") != before and _up(f"{urls['rasa']}/status", token=TOKEN),
                "rasa back", 180, log)
    tracker = requests.get(f"{urls['rasa']}/conversations/{sender}/tracker", params={"token": TOKEN},
                           timeout=30).json()
    assert tracker["paused"] is True
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == \
        ["/request_human", "are you there? it's hard today"]
    # The pause still holds: the bot stays quiet for staff (it said so once already), the
    # message is kept for them, and the ticket is still open.
    assert _say(urls, sender, "hello?") == []
    events = requests.get(f"{urls['rasa']}/conversations/{sender}/tracker", params={"token": TOKEN},
                          timeout=30).json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "hello?"
    with session_factory(f"sqlite:///{run_dir.parent / 'handoff.db'}")() as session:
        assert active_ticket(session, sender) is not None


def test_stopping_the_stack_stops_every_server(supervised):
    urls, run_dir, log, stack = supervised
    pids = [_pid(run_dir, name) for name in ("actions", "rasa", "web")]
    os.kill(stack.pid, signal.SIGTERM)  # the script only, as a service manager stops it
    stack.wait(60)
    time.sleep(1)
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()

