"""Which conversation a Telegram message goes into (bot/rasa_side/channels/telegram.py)."""
import asyncio
import dataclasses

from bot.rasa_side.channels.telegram import TelegramConfig, TelegramInput
from bot.settings import settings
from bot.store import telegram_links
from bot.store.sessions import session_factory


class Output:
    def __init__(self):
        self.sent = []

    async def typing(self, chat_id):
        pass

    async def send(self, chat_id, text, keyboard=None):
        self.sent.append(text)


def channel(database_url):
    telegram = TelegramInput(TelegramConfig("", "polling", "", "", ""))
    telegram.settings = dataclasses.replace(settings(), database_url=database_url)
    return telegram


def route(telegram, text="i want to end my life"):
    heard = []

    async def on_new_message(message):
        heard.append(message)

    asyncio.run(telegram._to_rasa(text, "42", Output(), on_new_message))
    return heard


def test_a_chat_joined_to_a_web_conversation_speaks_in_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    with session_factory(url).begin() as session:
        code = telegram_links.issue_code(session, "web:abc")
    with session_factory(url).begin() as session:
        telegram_links.redeem(session, code, "42")
    [message] = route(channel(url))
    assert message.sender_id == "web:abc" and message.output_channel.chat_id == "42"


def test_a_handoff_store_that_is_down_does_not_silence_a_crisis():
    # Nothing listens on port 1: the link cannot be looked up, the message still reaches Rasa.
    [message] = route(channel("postgresql://nobody:nothing@127.0.0.1:1/none"))
    assert message.sender_id == "telegram:42" and message.text == "i want to end my life"
