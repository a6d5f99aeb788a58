"""Clinician sign-off (bot/content_review/): every text is listed, a sign-off follows the exact
wording, and the assistant claims a clinical review only when every text has one."""
import asyncio
import datetime as dt
import json

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content_review import report, signoff, texts
from bot.rasa_side.nlg import DeploymentResponses
from tests.paths import ROOT


@pytest.fixture
def signoff_file(tmp_path, monkeypatch):
    path = tmp_path / "signoff.yml"
    monkeypatch.setattr(signoff, "SIGNOFF_FILE", path)
    return path


def test_every_response_variant_telegram_and_widget_text_is_listed():
    keys = {text.key for text in texts.all_texts()}
    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    for name, variants in domain.responses.items():
        for index in range(len(variants)):
            assert f"response {name} #{index}" in keys
    telegram = yaml.safe_load(texts.TELEGRAM_TEXTS.read_text(encoding="utf-8"))
    widget = json.loads(texts.WIDGET_TEXTS.read_text(encoding="utf-8"))
    assert {f"telegram {name}" for name in telegram} <= keys
    assert {f"widget {name}" for name in widget} <= keys
    assert "language es" in keys and "crisis_lines default" in keys


def test_a_signed_text_needs_review_again_once_its_wording_changes(signoff_file):
    every = texts.all_texts()
    key = "response utter_iamabot #1"
    signoff.sign([key], "Dr A. Reviewer, psychiatrist", today=dt.date(2026, 12, 2))
    recorded = yaml.safe_load(signoff_file.read_text(encoding="utf-8"))["signoffs"][key]
    assert recorded["reviewer"] == "Dr A. Reviewer, psychiatrist" and recorded["date"] == "2026-12-02"
    assert key in {t.key for t in signoff.status(every).signed}

    edited = [texts.Text(**{**t.__dict__, "body": t.body + " Edited."}) if t.key == key else t for t in every]
    assert key in {t.key for t in signoff.status(edited).changed}
    assert not signoff.status(edited).complete


def test_a_button_title_is_part_of_the_approved_wording():
    text = next(t for t in texts.all_texts() if t.buttons)
    assert texts.Text(**{**text.__dict__, "buttons": text.buttons[:-1]}).sha256 != text.sha256


def test_signing_needs_a_reviewer_and_known_texts(signoff_file):
    with pytest.raises(ValueError):
        signoff.sign(["response utter_iamabot #0"], "  ")
    with pytest.raises(ValueError):
        signoff.sign(["response utter_no_such_thing #0"], "Dr A")
    assert not signoff_file.exists()


def say_iamabot() -> str:
    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    tracker = DialogueStateTracker.from_events("someone", [], slots=domain.slots)
    nlg = DeploymentResponses(domain=domain)
    return asyncio.run(nlg.generate("utter_iamabot", tracker, "rest"))["text"]


def test_the_assistant_claims_clinical_review_only_when_every_text_is_signed_off(signoff_file):
    assert "still being reviewed" in say_iamabot()
    keys = [text.key for text in texts.all_texts()]
    signoff.sign(keys[:-1], "Dr A")
    assert "still being reviewed" in say_iamabot()
    signoff.sign(keys[-1:], "Dr B")
    assert signoff.all_signed_off()
    answer = say_iamabot()
    assert "have been reviewed by the clinic's clinicians" in answer and "still being" not in answer


def test_the_shipped_signoff_file_names_only_texts_that_exist():
    keys = {text.key for text in texts.all_texts()}
    assert set(signoff.load(signoff.SIGNOFF_FILE)) <= keys


def test_the_report_links_sources_escapes_markup_and_counts_the_review_state():
    every = texts.all_texts()
    hostile = texts.Text(key="widget test", group="Test", source_file="x", body="<script>alert(1)</script> **bold** https://doi.org/10.1/x")
    state = signoff.status(every + [hostile], {})
    document = report.render(every + [hostile], {}, state, {"org_name": "Harbour Clinic"}, commit="abc123")
    assert "<script>alert" not in document and "&lt;script&gt;" in document
    assert '<a href="https://doi.org/10.1/x">' in document and "<strong>bold</strong>" in document
    assert f"{len(every) + 1} texts" in document and f"{len(every) + 1} not signed off yet" in document
    assert "Harbour Clinic" in document and "abc123" in document
    legal = next(t for t in every if t.key == "response utter_faq/mdma_legal_status #0")
    assert all(f'<a href="{link}">' in document for link in legal.links)
