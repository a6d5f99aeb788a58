"""Sends messages the model cannot read to the clarifying reply instead of a guess.

The model only knows English, and it answers anything with high confidence: an empty
message, a row of emoji or a question in Spanish would otherwise get a random FAQ
answer. This component, placed after the FallbackClassifier and before the safety
matcher, sets such messages to `nlu_fallback` and says why in the parse (`unreadable`:
`not_english` or `no_words`); the clarifying reply says the bot reads English only when
the message was not English (bot/rasa_side/nlg.py), never to someone writing English. The safety matcher still runs after it, so crisis phrases it knows in
other languages are still caught.
"""
from __future__ import annotations

import importlib
import re
from typing import Any, Dict, FrozenSet, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

# Languages whose stop words spaCy ships; enough to tell "not English" apart.
OTHER_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl", "pl", "tr", "sv", "da", "ro", "id")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
LATIN_LETTER = re.compile(r"[a-zA-Z]")
# Set on the parse of a message the guard sent to the clarifying reply, and why.
UNREADABLE, NOT_ENGLISH, NO_WORDS = "unreadable", "not_english", "no_words"


def _stop_words(language: str) -> FrozenSet[str]:
    return frozenset(importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS)


class EnglishCheck:
    def __init__(self) -> None:
        self.english = _stop_words("en")
        self.others = {language: _stop_words(language) - self.english for language in OTHER_LANGUAGES}

    def unreadable(self, text: str) -> Optional[str]:
        """Why the model cannot read this text: `no_words` (empty, only emoji or digits),
        `not_english` (another script, or clearly another language), or None."""
        words = [w.lower() for w in WORD.findall(text or "")]
        if not words:
            return NO_WORDS
        if not LATIN_LETTER.search(text):
            return NOT_ENGLISH  # another script (Cyrillic, Arabic, Chinese...)
        english = sum(w in self.english for w in words)
        foreign = max(sum(w in stop for w in words) for stop in self.others.values())
        return NOT_ENGLISH if foreign >= 2 and foreign > english else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageGuard(GraphComponent, IntentClassifier):
    def __init__(self) -> None:
        self.check = EnglishCheck()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            why = self.check.unreadable(message.get(TEXT) or "")
            if why:
                message.set(UNREADABLE, why, add_to_output=True)
                fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME]
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback] + ranking, add_to_output=True)
        return messages
