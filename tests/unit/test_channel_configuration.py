"""The channels each credentials file opens, loaded the way the Rasa server loads them."""
import pytest
from rasa.core.run import create_http_input_channels

from bot.settings import settings
from tests.paths import ROOT


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("WEB_SESSION_SECRET", "a unit-test secret, long enough")
    settings.cache_clear()
    yield
    settings.cache_clear()


def _channels(file_name):
    return {channel.name() for channel in create_http_input_channels(None, str(ROOT / file_name))}


def test_the_live_deployment_opens_the_widget_and_telegram_but_no_rest_channel():
    assert _channels("credentials.production.yml") == {"socketio", "telegram"}


def test_local_use_also_opens_the_rest_channel_that_refuses_other_channels_ids():
    assert _channels("credentials.yml") == {"rest", "socketio", "telegram"}
