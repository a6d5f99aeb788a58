"""Each process imports only what it runs: the action server needs rasa-sdk, not Rasa's core."""
import subprocess
import sys

from tests.paths import ROOT


def test_the_action_server_code_imports_without_rasa_core():
    check = ("import sys, actions, actions.handoff, actions.crisis, bot.staff_alerts, bot.store.outbox; "
             "loaded = [m for m in sys.modules if m == 'rasa' or m.startswith('rasa.')]; "
             "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
