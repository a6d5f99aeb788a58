"""Conversations over the REST channel with the real Rasa server and action server."""
import itertools

import requests
from sqlalchemy import select

from bot.store.sessions import session_factory
from bot.store.models import HandoffTicket, Priority
from tests.stack import texts

_ids = itertools.count()


def new_user() -> str:
    return f"integration-user-{next(_ids)}"


def tickets_for(stack, conversation_id):
    with session_factory(stack.handoff_database_url)() as session:
        query = select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)
        return session.execute(query).scalars().all()


def test_new_conversation_opens_with_the_disclaimer_from_configuration(stack):
    replies = stack.say(new_user(), "/greet")
    disclaimer = replies[0]["text"]
    assert "automated information service from Harbour Trauma Clinic" in disclaimer
    assert "not a clinician" in disclaimer and "emergency" in disclaimer and "999" in disclaimer
    assert "talk to a person" in disclaimer and "weekdays 9am to 5pm" in disclaimer
    assert replies[1]["text"].startswith("Hello.")


def test_topic_button_gets_the_answer_with_its_source_and_related_topics(stack):
    user = new_user()
    stack.say(user, "/greet")
    [answer] = stack.say(user, "/faq/mdma_legal_status")
    assert "not FDA-approved" in answer["text"] or "not **FDA-approved**" in answer["text"] or "FDA" in answer["text"]
    assert "Source:" in answer["text"]
    assert 2 <= len(answer["buttons"]) <= 3


def test_every_topic_button_is_understood_as_its_topic_whatever_its_text_looks_like(stack):
    # Rasa leaves "/faq/<topic>" to the pipeline (it is not an intent of the domain); the
    # intent must be the FAQ at full confidence, never a guess from the payload's letters.
    for payload in ["/faq/mdma_mechanism", "/faq/mdma_session", "/faq/ptsd_symptoms", "/faq/mdma_legal_status"]:
        parsed = stack.parse(payload)
        assert (parsed["intent"]["name"], parsed["intent"]["confidence"]) == ("faq", 1.0), payload
        assert parsed["response_selector"]["faq"]["response"]["intent_response_key"] == payload[1:]
    user = new_user()
    stack.say(user, "what is mdma?")
    [answer] = stack.say(user, "/faq/mdma_mechanism")
    assert "serotonin" in answer["text"] and "Source:" in answer["text"]


def test_crisis_as_first_message_gets_empathy_first_and_no_welcome(stack):
    user = new_user()
    replies = texts(stack.say(user, "I can't do this anymore, I want to end my life"))
    assert replies[0].startswith("I'm really sorry you're going through this")
    assert "call 999" in replies[1] and "Samaritans, call 116 123" in replies[1] and "findahelpline.com" in replies[1]
    assert "Harbour Trauma Clinic" in replies[2] and "weekdays 9am to 5pm" in replies[2]
    assert len(replies) == 3
    [ticket] = tickets_for(stack, user)
    assert (ticket.priority, ticket.reason, ticket.channel) == (Priority.urgent, "crisis", "rest")


def test_crisis_later_in_a_conversation_gets_the_same_protocol(stack):
    user = new_user()
    stack.say(user, "/faq/mdma_session")
    replies = texts(stack.say(user, "my ex is outside my door with a knife"))
    assert replies[0].startswith("I'm so sorry. Your safety comes first") and "call 999" in replies[0]
    assert "Samaritans, call 116 123" in replies[1]
    assert tickets_for(stack, user)[0].priority == Priority.urgent


def test_a_medical_emergency_after_taking_something_gets_emergency_advice_first(stack):
    user = new_user()
    replies = texts(stack.say(user, "took 2 pills at a festival and now my heart is pounding, chest hurts and im so hot"))
    assert replies[0].startswith("This sounds like a medical emergency. Call 999 now")
    assert "Samaritans" in replies[1]
    assert tickets_for(stack, user)[0].priority == Priority.urgent


def test_leetspeak_and_other_languages_still_get_the_crisis_lines(stack):
    assert stack.parse("i w4nt to k1ll mys3lf")["intent"]["name"] == "crisis"
    user = new_user()
    replies = texts(stack.say(user, "ich will mich umbringen"))
    # A line in German (data/safety/crisis_languages.yml) comes right before the configured lines.
    german = next(i for i, t in enumerate(replies) if t.startswith("Es klingt, als würdest du"))
    assert "https://findahelpline.com" in replies[german] and "Samaritans" in replies[german + 1]


def test_an_unclear_risk_gets_the_direct_question_with_the_lines_and_no_ticket(stack):
    user = new_user()
    [check] = stack.say(user, "/crisis_check")
    assert "thoughts of suicide" in check["text"] and "Samaritans, call 116 123" in check["text"]
    assert [b["payload"] for b in check["buttons"]] == ["/affirm", "/deny", "/request_human"]
    assert tickets_for(stack, user) == []
    [thanks] = texts(stack.say(user, "/deny"))
    assert thanks.startswith("Thank you for telling me")
    assert tickets_for(stack, user) == []


def test_a_yes_to_the_check_in_brings_the_full_protocol(stack):
    user = new_user()
    stack.say(user, "/crisis_check")
    replies = texts(stack.say(user, "/affirm"))
    assert replies[0].startswith("I'm really sorry") and "Samaritans" in replies[1]
    assert tickets_for(stack, user)[0].priority == Priority.urgent


def test_crisis_words_are_caught_even_when_the_model_hears_a_question(stack):
    parse = stack.parse("what are the side effects, i have the pills in front of me")
    assert parse["intent"]["name"] in ("crisis", "crisis_check")


def test_factual_overdose_question_is_not_a_crisis(stack):
    assert stack.parse("can you overdose on MDMA?")["intent"]["name"] != "crisis"


def test_a_request_to_buy_mdma_gets_the_kind_refusal_whatever_the_model_guessed(stack):
    user = new_user()
    stack.say(user, "/greet")
    replies = texts(stack.say(user, "any1 selling E near manchester"))
    assert replies[0].startswith("I can't help with buying MDMA")
    parse = stack.parse("where can i get mdma therapy in australia")
    assert parse["response_selector"]["faq"]["response"]["intent_response_key"] != "faq/drug_sourcing"


def test_request_for_a_person_opens_one_ticket_and_a_second_request_hears_it_is_queued(stack):
    user = new_user()
    first = texts(stack.say(user, "/request_human"))
    second = texts(stack.say(user, "/request_human"))
    assert any("asked the team at Harbour Trauma Clinic" in t for t in first)
    assert any("already in the queue" in t for t in second)
    [ticket] = tickets_for(stack, user)
    assert ticket.priority == Priority.normal and ticket.reason == "request_human"


def test_two_misses_in_a_row_bring_the_offer_of_a_person(stack):
    user = new_user()
    stack.say(user, "/greet")
    assert texts(stack.say(user, "/nlu_fallback"))[0].startswith("I'm not sure I understood")
    assert "member of staff" in texts(stack.say(user, "/nlu_fallback"))[0]
    assert any("asked the team" in t for t in texts(stack.say(user, "/affirm")))
    assert len(tickets_for(stack, user)) == 1


def test_markup_and_huge_messages_get_an_answer_and_are_kept(stack):
    user = new_user()
    markup = "<script>alert('x')</script> **what** is [ptsd](javascript:alert(1))"
    assert stack.say(user, markup), "no reply to a message with markup"
    huge = " ".join(["please help me understand ptsd"] * 700)
    assert stack.say(user, huge), "no reply to a very long message"
    user_texts = [e.get("text") for e in stack.tracker(user)["events"] if e["event"] == "user"]
    assert markup in user_texts and huge in user_texts


def test_model_parse_needs_the_api_token(stack):
    response = requests.post(f"{stack.rasa_url}/model/parse", json={"text": "hi"}, timeout=10)
    assert response.status_code in (401, 403)
    assert stack.parse("hello")["intent"]["name"] == "greet"


def test_without_a_telegram_token_the_channel_is_off_and_the_rest_runs(stack):
    status = requests.get(f"{stack.rasa_url}/webhooks/telegram/", timeout=10).json()
    assert status["status"] == "off"
    refused = requests.post(f"{stack.rasa_url}/webhooks/telegram/webhook", json={"update_id": 1}, timeout=10)
    assert refused.status_code == 404
