"""The sourcing guard: a Rasa NLU component that answers requests to obtain, make,
test or self-dose MDMA with the drug_sourcing reply, whatever the model predicted.

The bot never helps anyone get MDMA outside legitimate care. The intent and topic
classifier learns that from examples, but they sometimes file "where can I
get pure MDMA?" under mdma_access, which explains trials instead of refusing. The
phrases in data/safety/sourcing_patterns.yml (bot/safety/sourcing.py) decide instead.

It runs after the intent and topic classifier and the FallbackClassifier (config.yml), so an
unsure or ambiguous model still gets the refusal, not the clarifying reply. The crisis
triage runs after it: a crisis (a medical emergency after taking something, say) always
wins over a sourcing request.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety.sourcing import SourcingDetector

logger = logging.getLogger(__name__)

SELECTOR_PROPERTY = "response_selector"
CONFIDENCE_KEY = "confidence"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SourcingGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            "topic": "drug_sourcing",
            "spacy_model": "var/spacy/en_lemmas_vectors",
            "patterns": "data/safety/sourcing_patterns.yml",
        }

    def __init__(self, config: Dict[Text, Any], detector: SourcingDetector) -> None:
        self.retrieval_intent = config["retrieval_intent"]
        self.response_key = f"{config['retrieval_intent']}/{config['topic']}"
        self.detector = detector

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SourcingGuard":
        return cls(config, SourcingDetector.from_files(config["spacy_model"], config["patterns"]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            assessment = self.detector.assess(text)
            if assessment.is_sourcing:
                logger.debug("Sourcing guard: %s", assessment.category)
                self._answer_with_refusal(message)
        return messages

    def _answer_with_refusal(self, message: Message) -> None:
        selections = dict(message.get(SELECTOR_PROPERTY) or {})
        selection = dict(selections.get(self.retrieval_intent) or {})
        others = [r for r in selection.get("ranking", []) if r.get("intent_response_key") != self.response_key]
        selection["response"] = {
            "intent_response_key": self.response_key,
            "utter_action": f"utter_{self.response_key}",
            CONFIDENCE_KEY: 1.0,
            # The domain holds the reply; the selector's text would be another topic's.
            "responses": [],
        }
        selection["ranking"] = [{"intent_response_key": self.response_key, CONFIDENCE_KEY: 1.0}] + others
        selections[self.retrieval_intent] = selection
        message.set(SELECTOR_PROPERTY, selections, add_to_output=True)

        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        faq = {INTENT_NAME_KEY: self.retrieval_intent, CONFIDENCE_KEY: 1.0}
        rest = [r for r in ranking
                if r.get(INTENT_NAME_KEY) not in (self.retrieval_intent, DEFAULT_NLU_FALLBACK_INTENT_NAME)]
        message.set(INTENT, faq, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [faq] + rest, add_to_output=True)
