"""Messages the model cannot read get the clarifying reply."""
import pytest

from bot.rasa_side.nlu.language_guard import EnglishCheck


@pytest.fixture(scope="module")
def check():
    return EnglishCheck()


@pytest.mark.parametrize("text", ["", "   ", "😢😢😢", "???", "¿qué es el TEPT?", "was ist PTBS und wie wird es behandelt",
                                  "qu'est-ce que le TSPT", "что такое ПТСР", "创伤后应激障碍是什么"])
def test_empty_symbol_only_and_non_english_messages_are_unreadable(check, text):
    assert check.unreadable(text)


@pytest.mark.parametrize("text", ["what is ptsd", "hi", "ptsd sypmtoms??", "is mdma legal in australia",
                                  "was it ptsd or just stress", "no", "de-escalation tips pls"])
def test_english_messages_pass(check, text):
    assert not check.unreadable(text)
