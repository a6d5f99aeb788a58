"""The last NLU component: weighs the crisis signals and sets `crisis` or `crisis_check`.

It runs after every other component (config.yml), so nothing later can undo its
decision, and it only ever raises: a message another component judged a crisis is never
turned back into an ordinary one. How the tiers decide is in bot/safety/triage.py.

Everything it weighed is in the message's `crisis_signals`: the tier and its reasons,
the kind of crisis (suicide, self_harm, harm_to_others, danger, medical) and the
language of a crisis the assistant cannot read. The Rasa server reads the kind and the
language from there when it sends a crisis response (bot/rasa_side/nlg.py), and staff
and `make eval` read the rest.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from bot.rasa_side.nlu.crisis_classifier import NORMALISED_DOC, PHRASE_ASSESSMENT, SIGNALS
from bot.safety.detector import CrisisAssessment, CrisisDetector
from bot.safety.languages import OtherLanguageLexicon
from bot.safety.normalize import normalize_for_safety
from bot.safety.triage import CHECK, CRISIS, Signals, Thresholds, Verdict, triage

logger = logging.getLogger(__name__)

INTENT_FOR_TIER = {CRISIS: "crisis", CHECK: "crisis_check"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisTriage(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "spacy_model": "var/spacy/en_lemmas_vectors",
            "patterns": "data/safety/crisis_patterns.yml",
            "languages": "data/safety/crisis_languages.yml",
            **Thresholds().__dict__,
        }

    def __init__(self, config: Dict[Text, Any], detector: CrisisDetector, lexicon: OtherLanguageLexicon) -> None:
        self.detector = detector
        self.lexicon = lexicon
        self.limits = Thresholds(**{name: float(config[name]) for name in Thresholds().__dict__})

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisTriage":
        detector = CrisisDetector.from_files(config["spacy_model"], config["patterns"])
        lexicon = OtherLanguageLexicon.from_file(config["languages"], detector.nlp.vocab.has_vector)
        return cls(config, detector, lexicon)

    def signals_for(self, text: str, classifier: float, doc: Optional[Doc] = None,
                    found: Optional[CrisisAssessment] = None) -> Signals:
        """`doc`, `found`: the crisis classifier's reading of the normalised text and what the
        phrases found in it, when it shares our pipeline and patterns."""
        if found is None:
            found = self.detector.assess_doc(doc) if doc is not None and doc.vocab is self.detector.nlp.vocab \
                else self.detector.assess(normalize_for_safety(text))
        return Signals(classifier=classifier, phrase=found, language=self.lexicon.match(text))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # empty, or a button's payload: Rasa's RegexMessageHandler sets its intent
            found = dict(message.get(SIGNALS) or {})
            # Both components read data/safety/crisis_patterns.yml (config.yml): one reading serves both.
            signals = self.signals_for(text, float(found.get("classifier", 0.0)), message.get(NORMALISED_DOC),
                                       message.get(PHRASE_ASSESSMENT))
            verdict = triage(signals, self.limits)
            found.update(tier=verdict.tier, reasons=list(verdict.reasons),
                         phrase=signals.phrase.category if signals.phrase.is_crisis else None,
                         safe_frame=signals.phrase.safe_frame, risk_word=signals.phrase.risk_word)
            if signals.phrase.is_crisis and signals.phrase.category:
                found["kind"] = signals.phrase.category
            if signals.language:
                found.update(language=signals.language.language, language_tier=signals.language.tier)
            message.set(SIGNALS, found, add_to_output=True)
            if verdict.shows_crisis_lines:
                _raise(message, verdict)
        return messages


def _raise(message: Message, verdict: Verdict) -> None:
    intent = {INTENT_NAME_KEY: INTENT_FOR_TIER[verdict.tier], "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
    logger.debug("Crisis triage: %s (%s)", verdict.tier, ", ".join(verdict.reasons))
