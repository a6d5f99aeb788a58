"""The NLU reads at most the first 4,096 characters of a message (bot/rasa_side/nlu/text_cap.py)."""
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_side.nlu.text_cap import TextCap, capped


def test_ordinary_messages_are_read_whole_and_huge_ones_are_cut_at_a_word():
    assert capped("what is ptsd", 4096) == "what is ptsd"
    text = "help me " * 1000
    assert len(capped(text, 4096)) <= 4096 and capped(text, 4096).endswith("me")


def test_a_huge_message_is_capped_for_the_nlu_and_says_how_long_it_was():
    [message] = TextCap(4096).process([Message(data={"text": "x " * 600_000})])
    assert len(message.get("text")) <= 4096
    assert message.get("text_capped_from") == 1_200_000
