"""The Telegram connector in webhook mode: registration on start, the secret header, replies."""
import pytest
import requests

from tests.integration.conftest import CLINIC_ENV
from tests.paths import MODEL
from tests.stack import running_stack
from tests.telegram_standin import TelegramStandIn, private_text

SECRET = "webhook-secret-for-tests"


@pytest.fixture(scope="module")
def webhook(tmp_path_factory):
    standin = TelegramStandIn().start()
    env = {**CLINIC_ENV, "TELEGRAM_BOT_TOKEN": standin.token, "TELEGRAM_MODE": "webhook",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_WEBHOOK_URL": "https://bot.clinic.example/webhooks/telegram/webhook",
           "TELEGRAM_API_BASE_URL": standin.base_url}
    with running_stack(MODEL, tmp_path_factory.mktemp("telegram-webhook"), env) as stack:
        standin.wait_for(lambda: standin.sent("setWebhook"))
        yield standin, stack


def test_webhook_is_registered_on_start_with_the_secret(webhook):
    standin, _ = webhook
    [registration] = standin.sent("setWebhook")
    assert registration["url"] == "https://bot.clinic.example/webhooks/telegram/webhook"
    assert registration["secret_token"] == SECRET
    assert "getUpdates" not in [c.method for c in standin.calls]


def test_an_update_without_the_secret_is_refused(webhook):
    standin, stack = webhook
    url = f"{stack.rasa_url}/webhooks/telegram/webhook"
    update = {"update_id": 1, **private_text(3001, "what is ptsd")}
    assert requests.post(url, json=update, timeout=30).status_code == 403
    wrong = requests.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}, timeout=30)
    assert wrong.status_code == 403
    assert standin.sent("sendMessage", 3001) == []


def test_an_update_with_the_secret_is_answered_through_the_bot_api(webhook):
    standin, stack = webhook
    update = {"update_id": 2, **private_text(3002, "/faq/ptsd_treatments")}
    response = requests.post(f"{stack.rasa_url}/webhooks/telegram/webhook", json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=60)
    assert response.status_code == 200
    sent = standin.wait_for(lambda: (lambda s: s if len(s) >= 2 else None)(standin.sent("sendMessage", 3002)))
    assert "Source:" in sent[-1]["text"] and sent[-1]["parse_mode"] == "HTML"
