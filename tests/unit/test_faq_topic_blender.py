"""The FAQ topic blender: training, storing, and how it changes the selector's choice."""
import numpy as np
import pytest
import scipy.sparse
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_side.nlu.faq_topic_blender import FaqTopicBlender

# Three made-up words as sparse features, and a two-number "word vector".
VOCABULARY = ["cause", "symptom", "cost"]
TOPICS = {"cause": "faq/ptsd_causes", "symptom": "faq/ptsd_symptoms", "cost": "faq/mdma_access"}
RESPONSES = {f"utter_{t}": [{"text": f"answer about {t}"}] for t in TOPICS.values()}


def featurized(words, **data):
    message = Message(data={"text": " ".join(words), **data})
    counts = scipy.sparse.coo_matrix([[words.count(w) for w in VOCABULARY]])
    message.add_features(Features(counts, "sentence", "text", "CountVectorsFeaturizer"))
    message.add_features(Features(np.array([[1.0, float(len(words))]]), "sentence", "text", "SpacyFeaturizer"))
    return message


def selector_chose(message, *ranking):
    message.set("response_selector", {"faq": {
        "response": {"intent_response_key": ranking[0][0], "utter_action": f"utter_{ranking[0][0]}",
                     "confidence": ranking[0][1], "responses": RESPONSES[f"utter_{ranking[0][0]}"]},
        "ranking": [{"intent_response_key": key, "confidence": c} for key, c in ranking],
    }})
    return message


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture
def trained(storage):
    examples = [featurized([word] * n + extra, intent="faq", intent_response_key=topic)
                for word, topic in TOPICS.items() for n in (1, 2, 3) for extra in ([], ["the"])]
    examples.append(featurized(["hello"], intent="greet"))
    blender = FaqTopicBlender.create(FaqTopicBlender.get_default_config(), storage, Resource("blender"), None)
    blender.train(TrainingData(training_examples=examples, responses=RESPONSES))
    return blender


def test_regression_outvotes_an_unsure_selector(trained):
    message = selector_chose(featurized(["symptom", "symptom"]),
                             ("faq/ptsd_causes", 0.40), ("faq/ptsd_symptoms", 0.35), ("faq/mdma_access", 0.25))
    trained.process([message])
    response = message.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/ptsd_symptoms"
    assert response["utter_action"] == "utter_faq/ptsd_symptoms"
    assert response["responses"] == RESPONSES["utter_faq/ptsd_symptoms"]
    ranking = message.get("response_selector")["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/ptsd_symptoms"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)


def test_a_confident_selector_keeps_its_choice_when_the_regression_agrees(trained):
    message = selector_chose(featurized(["cost"]), ("faq/mdma_access", 0.9), ("faq/ptsd_causes", 0.1))
    trained.process([message])
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/mdma_access"


def test_stored_blender_decides_like_the_trained_one(trained, storage):
    loaded = FaqTopicBlender.load(FaqTopicBlender.get_default_config(), storage, Resource("blender"), None)
    for words in (["cause"], ["symptom", "the"], ["cost", "cost"]):
        a = selector_chose(featurized(words), ("faq/ptsd_causes", 0.5), ("faq/ptsd_symptoms", 0.5))
        b = selector_chose(featurized(words), ("faq/ptsd_causes", 0.5), ("faq/ptsd_symptoms", 0.5))
        trained.process([a])
        loaded.process([b])
        assert a.get("response_selector") == b.get("response_selector")


def test_messages_without_a_selection_are_left_alone(trained):
    message = featurized(["hello"], intent={"name": "greet", "confidence": 0.9})
    trained.process([message])
    assert message.get("response_selector") is None
