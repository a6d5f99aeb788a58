"""Content rules a clinician relies on: every topic answered, sourced, short and linked."""
import json
import re

import pytest
import yaml

from tests.paths import ROOT

FAQ_TOPICS = [
    "ptsd_definition", "ptsd_symptoms", "ptsd_causes", "ptsd_diagnosis", "ptsd_prevalence",
    "ptsd_treatments", "ptsd_treatment_limits", "complex_ptsd", "support_loved_one", "coping_skills",
    "mdma_definition", "mdma_mechanism", "mdma_session", "mdma_evidence", "mdma_side_effects",
    "mdma_eligibility", "mdma_legal_status", "mdma_access", "mdma_vs_recreational", "mdma_addiction",
    "drug_sourcing", "preparation_sessions", "integration_definition", "integration_sessions",
    "integration_practices", "combined_therapies", "long_term_outcomes", "ketamine_therapy",
    "somatic_therapy", "about_service", "privacy", "contact_clinic",
]
INTENTS = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "capabilities",
           "request_human", "crisis", "out_of_scope"]
MAX_WORDS = 120
MIN_EXAMPLES = 20


def load_yaml_files(folder: str, key: str) -> list:
    return [yaml.safe_load(path.read_text())[key] for path in sorted((ROOT / folder).glob("*.yml"))]


def faq_responses() -> dict:
    merged = {}
    for responses in load_yaml_files("data/responses", "responses"):
        merged.update(responses)
    return merged


def nlu_examples() -> dict:
    examples = {}
    for blocks in load_yaml_files("data/nlu", "nlu"):
        for block in blocks:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
            examples.setdefault(block["intent"], []).extend(lines)
    return examples


@pytest.mark.parametrize("topic", FAQ_TOPICS)
def test_every_topic_has_a_short_sourced_answer_with_related_topics(topic):
    for variant in faq_responses()[f"utter_faq/{topic}"]:
        text = variant["text"]
        assert len(re.findall(r"\S+", text)) <= MAX_WORDS, "too long to read on a phone"
        assert re.search(r"^Source: .+", text, re.MULTILINE), "every answer names its source"
        buttons = variant["buttons"]
        assert 2 <= len(buttons) <= 3
        for button in buttons:
            key = button["payload"].removeprefix("/faq/")
            assert button["payload"] == "/request_human" or key in FAQ_TOPICS, button


@pytest.mark.parametrize("topic", FAQ_TOPICS)
def test_every_source_is_a_link_a_reader_can_follow(topic):
    for variant in faq_responses()[f"utter_faq/{topic}"]:
        [source] = re.findall(r"^Source: (.+)$", variant["text"], re.MULTILINE)
        if source == "{org_name}":
            continue  # the service describing itself
        cited = re.findall(r"\(([^()]*)\)", source)
        assert cited, f"{topic}: the source gives no address"
        for address in cited:
            # A bare "psychiatry.org/..." or "doi:10..." is not clickable on Telegram or in the widget.
            assert re.fullmatch(r"https://[^\s]+", address), f"{topic}: {address!r} is not a full https:// link"


def test_no_text_asks_people_in_danger_to_type_a_phrase():
    # Typing a phrase is slower than a number, and the phrase may not be recognised; give the number.
    for folder in ("data/responses", "."):
        for path in (ROOT / folder).glob("*.yml"):
            assert "I need help now" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("intent", [f"faq/{t}" for t in FAQ_TOPICS] + INTENTS)
def test_every_topic_has_enough_training_examples(intent):
    assert len(nlu_examples().get(intent, [])) >= MIN_EXAMPLES


def test_no_example_is_in_two_topics():
    owner = {}
    for intent, examples in nlu_examples().items():
        for example in examples:
            key = re.sub(r"\W+", " ", example.lower()).strip()
            assert owner.setdefault(key, intent) == intent, f"{example!r} in {owner[key]} and {intent}"


def test_doses_appear_only_as_trial_facts():
    for name, variants in faq_responses().items():
        for variant in variants:
            if re.search(r"\d+\s?mg", variant["text"]):
                assert name == "utter_faq/mdma_session" and "not advice for personal use" in variant["text"]


def test_status_of_mdma_therapy_is_stated_honestly():
    responses = faq_responses()
    for topic in ("mdma_definition", "mdma_evidence", "mdma_legal_status", "mdma_access"):
        assert "not FDA-approved" in responses[f"utter_faq/{topic}"][0]["text"].replace("**", ""), topic


# Answers after which someone may well want a person (personal risk, medicines, a loved one, diagnosis).
SENSITIVE_TOPICS = ["drug_sourcing", "mdma_side_effects", "mdma_eligibility", "mdma_access", "coping_skills",
                    "support_loved_one", "ptsd_diagnosis", "ptsd_treatments"]


@pytest.mark.parametrize("topic", SENSITIVE_TOPICS)
def test_sensitive_answers_offer_a_person(topic):
    [variant] = faq_responses()[f"utter_faq/{topic}"]
    assert "/request_human" in [button["payload"] for button in variant["buttons"]]


def test_every_response_uses_only_placeholders_the_rasa_server_fills():
    from bot.rasa_side.nlg import deployment_values
    from bot.settings import load_settings
    filled = set(deployment_values(load_settings())) | {"language_line"}
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    for key, variants in {**faq_responses(), **domain}.items():
        for variant in variants:
            assert set(re.findall(r"\{(\w+)\}", variant["text"])) <= filled, key


def test_privacy_answer_names_the_deletion_controls_that_exist():
    [variant] = faq_responses()["utter_faq/privacy"]
    text = variant["text"]
    widget = json.loads((ROOT / "bot/web/static/widget/texts.json").read_text())
    telegram = (ROOT / "bot/rasa_side/channels/telegram.py").read_text()
    assert '"Delete my conversation"' in text and widget["delete_conversation"] == "Delete my conversation"
    assert "/delete" in text and 'command == "/delete"' in telegram
    assert "{retention_days}" in text


def test_the_sourcing_refusal_keeps_people_safe_without_telling_them_to_stop_a_medicine():
    [variant] = faq_responses()["utter_faq/drug_sourcing"]
    text = variant["text"]
    assert "{emergency_number}" in text and "findahelpline.com" in text  # overheating and despair both
    assert "don't stop prescribed medicines" in text
    assert "antidepressants" not in text  # "don't mix with antidepressants" read as "stop them"
