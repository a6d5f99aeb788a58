"""Caps how much of a message the NLU reads, first in the pipeline (config.yml).

NLU runs on the Rasa server's event loop: a 1 MB message took 44 s to parse and held up
every other conversation, a crisis message included. The person's full text is still
stored (the tracker's user event keeps what the channel received, and staff read that);
only the part the classifiers and the crisis signals read is capped. Telegram's own
limit is 4,096 characters, so an ordinary message is never cut.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def capped(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the last space before the limit where there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class TextCap(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_characters": 4096}

    def __init__(self, limit: int) -> None:
        self.limit = limit

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextCap":
        return cls(int(config["max_characters"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are short; only what people send at run time is capped."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text and len(text) > self.limit:
                message.set(TEXT, capped(text, self.limit))
                message.set("text_capped_from", len(text), add_to_output=True)
        return messages
