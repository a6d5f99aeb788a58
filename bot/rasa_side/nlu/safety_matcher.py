"""The safety matcher: a Rasa NLU component that sets the intent to `crisis`.

It runs last in the pipeline (config.yml), after DIET and the FallbackClassifier,
so that crisis language gets the crisis protocol whatever the model predicted.

Two tiers: a crisis phrase (data/safety/crisis_patterns.yml) decides alone; the
model's own `crisis` guess stands only when a risk word is used plainly in the message
(not negated, not in a factual question, an idiom or someone else's past), so that
"can you overdose on MDMA?" or "I nearly died laughing" get an answer, not an alarm.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety.detector import CrisisAssessment, CrisisDetector

logger = logging.getLogger(__name__)

CRISIS_INTENT = "crisis"
CONFIDENCE_KEY = "confidence"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyMatcher(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "spacy_model": "var/spacy/en_lemmas_vectors",
            "patterns": "data/safety/crisis_patterns.yml",
        }

    def __init__(self, detector: CrisisDetector) -> None:
        self.detector = detector

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyMatcher":
        return cls(CrisisDetector.from_files(config["spacy_model"], config["patterns"]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            decide_intent(message, self.detector.assess(text))
        return messages


def decide_intent(message: Message, assessment: CrisisAssessment) -> None:
    """Apply the matcher's verdict to the model's prediction on `message`."""
    ranking: List[Dict[Text, Any]] = list(message.get(INTENT_RANKING_KEY) or [])
    if assessment.is_crisis:
        crisis = {INTENT_NAME_KEY: CRISIS_INTENT, CONFIDENCE_KEY: 1.0}
        others = [r for r in ranking if r.get(INTENT_NAME_KEY) != CRISIS_INTENT]
        message.set(INTENT, crisis, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [crisis] + others, add_to_output=True)
        logger.debug("Safety matcher: crisis (%s)", assessment.category)
        return

    model_guess = _top_model_intent(message, ranking)
    if model_guess != CRISIS_INTENT:
        return
    if assessment.risk_word is not None:
        # The model heard a crisis, and a risk word stands plainly in the message: the
        # patterns may not know this phrasing, so trust the model.
        crisis = next(r for r in ranking if r.get(INTENT_NAME_KEY) == CRISIS_INTENT)
        message.set(INTENT, dict(crisis), add_to_output=True)
        return
    replacement = next(
        (r for r in ranking if r.get(INTENT_NAME_KEY) not in (CRISIS_INTENT, DEFAULT_NLU_FALLBACK_INTENT_NAME)),
        None,
    )
    if replacement is not None:
        message.set(INTENT, dict(replacement), add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [r for r in ranking if r.get(INTENT_NAME_KEY) != CRISIS_INTENT],
            add_to_output=True,
        )
        logger.debug("Safety matcher: model's crisis guess overruled (%s)", assessment.safe_frame or "no risk word")


def _top_model_intent(message: Message, ranking: List[Dict[Text, Any]]) -> Optional[Text]:
    """The model's best intent, looking through the FallbackClassifier's nlu_fallback."""
    for entry in ranking:
        if entry.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME:
            return entry.get(INTENT_NAME_KEY)
    intent = message.get(INTENT) or {}
    return intent.get(INTENT_NAME_KEY)
