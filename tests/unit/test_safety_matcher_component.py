"""How the safety matcher's verdict changes the model's prediction."""
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_side.nlu.safety_matcher import decide_intent
from bot.safety.detector import CrisisAssessment


def message_predicted_as(*ranking):
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={"text": "some text"})
    message.set("intent", dict(entries[0]))
    message.set("intent_ranking", entries)
    return message


def test_crisis_match_overrides_any_model_prediction():
    message = message_predicted_as(("faq", 0.97), ("crisis", 0.02))
    decide_intent(message, CrisisAssessment(True, "suicide", "kill myself"))
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["crisis", "faq"]


def test_crisis_match_overrides_the_fallback_intent():
    message = message_predicted_as(("nlu_fallback", 0.45), ("faq", 0.3))
    decide_intent(message, CrisisAssessment(True, "medical", "took too many"))
    assert message.get("intent")["name"] == "crisis"


def test_model_crisis_guess_is_overruled_in_a_factual_question():
    message = message_predicted_as(("crisis", 0.8), ("faq", 0.15), ("greet", 0.05))
    decide_intent(message, CrisisAssessment(False, safe_frame="factual_question"))
    assert message.get("intent")["name"] == "faq"
    assert "crisis" not in [r["name"] for r in message.get("intent_ranking")]


def test_model_crisis_guess_stands_when_a_risk_word_is_used_plainly():
    message = message_predicted_as(("nlu_fallback", 0.45), ("crisis", 0.4), ("faq", 0.3))
    decide_intent(message, CrisisAssessment(False, risk_word="pills"))
    assert message.get("intent")["name"] == "crisis"


def test_model_crisis_guess_without_any_risk_word_is_overruled():
    message = message_predicted_as(("crisis", 0.9), ("faq", 0.1))
    decide_intent(message, CrisisAssessment(False))
    assert message.get("intent")["name"] == "faq"


def test_no_crisis_anywhere_leaves_the_prediction_alone():
    message = message_predicted_as(("faq", 0.9), ("greet", 0.1))
    decide_intent(message, CrisisAssessment(False))
    assert message.get("intent") == {"name": "faq", "confidence": 0.9}
