"""The FAQ topic blender: a second opinion on which FAQ answer to give.

Rasa's ResponseSelector is a neural network trained from scratch on about a hundred
examples per topic; neighbouring topics ("what causes PTSD" / "does PTSD cause
nightmares") trip it up. A logistic regression over the same features (word and
character counts plus the spaCy word vectors) errs on different messages, so averaging
the two topic distributions picks the right answer more often than either alone: on a
held-out fifth of the FAQ examples, 0.898-0.912 (ResponseSelector, two runs) and
0.919 (regression) became 0.930 (README, "How the bot understands").

It runs right after the ResponseSelector (config.yml) and rewrites its choice in the
message's `response_selector` entry, which is what the retrieval action `utter_faq`
reads. The regression's weights are stored as plain numpy arrays, not pickles.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

SELECTOR_PROPERTY = "response_selector"
WEIGHTS_FILE = "weights.npz"
RESPONSES_FILE = "responses.json"


def sentence_features(message: Message, dense_weight: float) -> scipy.sparse.csr_matrix:
    """One row: the message's sparse sentence features, then its dense ones (the mean
    word vector) scaled to length `dense_weight` so they count about as much as a few
    words do."""
    parts = []
    _, sparse = message.get_sparse_features(TEXT)
    if sparse is not None:
        parts.append(scipy.sparse.csr_matrix(sparse.features))
    _, dense = message.get_dense_features(TEXT)
    if dense is not None:
        vector = np.asarray(dense.features, dtype=np.float64).reshape(1, -1)
        norm = np.linalg.norm(vector)
        parts.append(scipy.sparse.csr_matrix(vector * (dense_weight / norm if norm else 0.0)))
    return scipy.sparse.hstack(parts).tocsr()


def softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max())
    return exp / exp.sum()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FaqTopicBlender(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            # Share of the regression in the blend; 0.5 was best on the held-out fifth.
            "regression_weight": 0.5,
            "dense_weight": 6.0,
            # Inverse regularisation strength of the logistic regression.
            "C": 5.0,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        topics: Optional[List[Text]] = None,
        coefficients: Optional[np.ndarray] = None,
        intercepts: Optional[np.ndarray] = None,
        responses: Optional[Dict[Text, Any]] = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.topics = topics or []
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqTopicBlender":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples
                    if m.get(INTENT) == self.config["retrieval_intent"] and m.get(INTENT_RESPONSE_KEY)]
        if len({m.get(INTENT_RESPONSE_KEY) for m in examples}) < 2:
            logger.debug("Fewer than two FAQ topics; the blender stays idle.")
            return self.resource
        features = scipy.sparse.vstack(
            [sentence_features(m, self.config["dense_weight"]) for m in examples]).tocsr()
        labels = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        regression = LogisticRegression(C=self.config["C"], max_iter=3000).fit(features, labels)
        self.topics = list(regression.classes_)
        self.coefficients = regression.coef_
        self.intercepts = regression.intercept_
        self.responses = training_data.responses
        self.persist()
        return self.resource

    def persist(self) -> None:
        with self.model_storage.write_to(self.resource) as directory:
            np.savez(directory / WEIGHTS_FILE, coefficients=self.coefficients,
                     intercepts=self.intercepts, topics=np.array(self.topics))
            (directory / RESPONSES_FILE).write_text(json.dumps(self.responses), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FaqTopicBlender":
        try:
            with model_storage.read_from(resource) as directory:
                weights = np.load(directory / WEIGHTS_FILE, allow_pickle=False)
                responses = json.loads((directory / RESPONSES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, topics=[str(t) for t in weights["topics"]],
                   coefficients=weights["coefficients"],
                   intercepts=weights["intercepts"], responses=responses)

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.topics:
            return messages
        for message in messages:
            selection = (message.get(SELECTOR_PROPERTY) or {}).get(self.config["retrieval_intent"])
            if selection and message.get(TEXT):
                self._blend(message, selection)
        return messages

    def _blend(self, message: Message, selection: Dict[Text, Any]) -> None:
        features = sentence_features(message, self.config["dense_weight"])
        if features.shape[1] != self.coefficients.shape[1]:
            return
        regression = softmax(np.asarray(features @ self.coefficients.T).ravel() + self.intercepts)
        selector = np.zeros(len(self.topics))
        for entry in selection.get("ranking", []):
            if entry.get(INTENT_RESPONSE_KEY) in self.topics:
                selector[self.topics.index(entry[INTENT_RESPONSE_KEY])] = entry["confidence"]
        weight = self.config["regression_weight"]
        blended = weight * regression + (1 - weight) * selector
        order = np.argsort(-blended)
        best = self.topics[order[0]]
        utter_action = f"utter_{best}"
        selection["response"].update({
            "intent_response_key": best,
            "utter_action": utter_action,
            "confidence": float(blended[order[0]]),
            "responses": self.responses.get(utter_action, selection["response"].get("responses")),
        })
        selection["ranking"] = [
            {"intent_response_key": self.topics[i], "confidence": float(blended[i])}
            for i in order[:len(selection.get("ranking", [])) or 10]
        ]
