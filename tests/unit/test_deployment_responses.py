"""The Rasa server fills every response with the deployment's values (bot/rasa_side/nlg.py)."""
import asyncio
import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_side.nlg import DeploymentResponses
from bot.settings import settings as process_settings
from tests.paths import ROOT


@pytest.fixture
def generator(monkeypatch):
    monkeypatch.setenv("ORG_NAME", "Harbour Trauma Clinic")
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("CRISIS_LINES", json.dumps([{"region": "Testland", "service": "Test Line",
                                                    "contact": "call 0800 123"}]))
    process_settings.cache_clear()
    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    yield DeploymentResponses(domain=domain), domain
    process_settings.cache_clear()


def say(generator, response, kind=None, language=None):
    """The response after a message the crisis triage raised with this kind and language."""
    nlg, domain = generator
    events = []
    if kind or language:
        signals = {"tier": "crisis", "kind": kind, "language": language}
        events.append(UserUttered("…", {"name": "crisis"}, parse_data={"crisis_signals": signals}))
        # A later "yes" carries no signals: the variant still follows the crisis message.
        events.append(UserUttered("yes", {"name": "affirm"}, parse_data={"crisis_signals": {"tier": "none"}}))
    tracker = DialogueStateTracker.from_events("someone", events, slots=domain.slots)
    return asyncio.run(nlg.generate(response, tracker, "rest"))["text"]


def test_crisis_lines_and_emergency_number_come_from_configuration(generator):
    text = say(generator, "utter_crisis_resources")
    assert "Emergency: call 999." in text and "- Testland: Test Line, call 0800 123" in text
    assert "{" not in text


def test_a_medical_emergency_gets_the_emergency_advice_variant(generator):
    assert say(generator, "utter_crisis_empathy", kind="medical").startswith(
        "This sounds like a medical emergency. Call 999 now")
    assert say(generator, "utter_crisis_empathy", kind="suicide").startswith("I'm really sorry")
    assert say(generator, "utter_crisis_empathy").startswith("I'm really sorry")


def test_a_crisis_in_another_language_gets_a_line_in_that_language_first(generator):
    text = say(generator, "utter_crisis_check", kind="suicide", language="es")
    assert text.startswith("Parece que estás pasando") and "Test Line" in text
    assert not say(generator, "utter_crisis_check", kind="suicide").startswith("Parece")


def test_answers_name_the_organisation_and_the_retention_period(generator):
    text = say(generator, "utter_faq/privacy")
    assert "Harbour Trauma Clinic" in text and "30 days" in text


def test_default_crisis_lines_cover_us_uk_australia_and_everywhere_else(monkeypatch):
    monkeypatch.delenv("CRISIS_LINES", raising=False)
    process_settings.cache_clear()
    lines = DeploymentResponses(domain=Domain.load(str(ROOT / "domain.yml"))).values["crisis_lines"]
    for contact in ("988", "116 123", "13 11 14", "findahelpline.com"):
        assert contact in lines
    process_settings.cache_clear()


@pytest.mark.parametrize("unreadable, says_english_only", [("not_english", True), ("no_words", False), (None, False)])
def test_only_a_message_in_another_language_hears_that_the_bot_reads_english_only(generator, unreadable,
                                                                                  says_english_only):
    nlg, domain = generator
    parse = {"unreadable": unreadable} if unreadable else {}
    tracker = DialogueStateTracker.from_events(
        "someone", [UserUttered("…", {"name": "nlu_fallback"}, parse_data=parse)], slots=domain.slots)
    reply = asyncio.run(nlg.generate("utter_clarify", tracker, "rest"))
    assert ("only read English" in reply["text"]) is says_english_only
    assert [b["title"] for b in reply["buttons"]][0] == "What is PTSD?"


def test_the_clinic_contact_answer_gives_the_configured_ways_in(generator, monkeypatch):
    monkeypatch.setenv("CLINIC_PHONE", "+44 20 7946 0000")
    monkeypatch.setenv("BOOKING_URL", "https://harbour.example/book")
    process_settings.cache_clear()
    nlg, domain = generator
    configured = DeploymentResponses(domain=domain)
    text = say((configured, domain), "utter_faq/contact_clinic")
    assert "- Book: https://harbour.example/book\n- Phone: +44 20 7946 0000" in text
    assert "Email" not in text and "{" not in text


def test_a_clinic_without_contact_details_offers_staff_instead(generator):
    text = say(generator, "utter_faq/contact_clinic")
    assert "Harbour Trauma Clinic" in text and "talk to a person" in text
    assert "- Phone" not in text and "{" not in text
