"""The crisis tiers (bot/safety/triage.py) and what feeds them: no signal can veto another."""
import pytest

from bot.safety.crisis_examples import CRISIS_KINDS, read_examples
from bot.safety.detector import CrisisAssessment
from bot.safety.languages import LanguageMatch, OtherLanguageLexicon
from bot.safety.normalize import fold_accents, normalize_for_safety
from bot.safety.spacy_pipeline import load_pipeline
from bot.safety.triage import CHECK, CRISIS, NONE, Signals, triage
from tests.paths import ROOT, SPACY_MODEL

NOTHING = CrisisAssessment(False)


def language(tier):
    return LanguageMatch("de", "German", tier, "umbringen", "…")


@pytest.mark.parametrize("signals, tier", [
    (Signals(0.97, NOTHING), CRISIS),                                   # a confident classifier alone
    (Signals(0.6, NOTHING), CHECK),                                     # a middle score asks
    (Signals(0.01, NOTHING), NONE),
    (Signals(0.01, CrisisAssessment(True, "suicide", "kill myself")), CHECK),  # a phrase the classifier doubts still asks
    (Signals(0.3, CrisisAssessment(True, "suicide", "kill myself")), CHECK),   # ... and so does one it half doubts
    (Signals(0.6, CrisisAssessment(True, "suicide", "kill myself")), CRISIS),  # ... and with its backing calls a crisis
    (Signals(0.3, NOTHING, language("crisis")), CHECK),                 # outright, in a language the bot cannot read
    (Signals(0.6, NOTHING, language("crisis")), CRISIS),                # ... and backed
    (Signals(0.0, NOTHING, language("crisis")), CHECK),                 # the same unbacked: asked, never silent
    (Signals(0.35, NOTHING, language("check")), CHECK),              # a risk word of another language, backed
    (Signals(0.0, NOTHING, language("check")), NONE),
    (Signals(0.4, CrisisAssessment(False, risk_word="pills")), CHECK),  # a risk word with some support asks
    (Signals(0.1, CrisisAssessment(False, risk_word="pills")), NONE),
])
def test_every_signal_is_enough_for_at_least_the_check_in(signals, tier):
    assert triage(signals).tier == tier


def test_a_confident_classifier_inside_a_clinicians_safe_frame_asks_instead_of_calling_a_crisis():
    negated = CrisisAssessment(False, safe_frame="negated")
    assert triage(Signals(0.97, negated)).tier == CHECK


def test_leetspeak_spacing_tricks_and_emoji_are_read_as_words():
    assert normalize_for_safety("i w4nt to k1ll mys3lf") == "i want to kill myself"
    assert normalize_for_safety("s.u.i.c.i.d.e") == "suicide"
    assert normalize_for_safety("k i l l") == "kill"
    assert normalize_for_safety("🔪 tonight") == "knife tonight"
    assert normalize_for_safety('<img src=x onerror="alert(1)"><b>hi</b>') == "hi"
    # Numbers that are numbers stay numbers: "40mg" and "4am" matter in a crisis.
    assert normalize_for_safety("took 40mg at 4am!") == "took 40mg at 4am!"
    assert fold_accents("Zabić się, suicidé") == "zabic sie, suicide"


@pytest.fixture(scope="module")
def lexicon():
    nlp = load_pipeline(SPACY_MODEL)
    return OtherLanguageLexicon.from_file(ROOT / "data" / "safety" / "crisis_languages.yml", nlp.vocab.has_vector)


@pytest.mark.parametrize("text, code", [
    ("quiero suicidarme", "es"), ("je veux me tuer", "fr"), ("ich will mich umbringen", "de"),
    ("quero morrer", "pt"), ("voglio morire", "it"), ("chcę się zabić", "pl"), ("أريد أن أموت", "ar"),
    ("хочу умереть", "ru"), ("我想死", "zh"),
])
def test_crisis_phrases_in_the_nine_languages_are_recognised(lexicon, text, code):
    match = lexicon.match(text)
    assert match is not None and match.language == code and match.reply


@pytest.mark.parametrize("text", ["suicide rates in veterans", "what is ptsd", "my phone is dying", "mortgage advice"])
def test_english_is_left_to_the_english_signals(lexicon, text):
    assert lexicon.match(text) is None


def test_the_crisis_classifier_data_covers_every_kind_and_the_nine_languages():
    examples = read_examples(ROOT / "data" / "crisis")
    kinds = {e.kind for e in examples}
    assert set(CRISIS_KINDS) <= kinds and "not_crisis" in kinds
    languages = {e.language for e in examples}
    assert {"en", "es", "fr", "de", "pt", "it", "pl", "ar", "ru", "zh"} <= languages
    assert sum(e.is_crisis for e in examples) >= 3000 and sum(not e.is_crisis for e in examples) >= 2000


def test_the_classifier_reads_what_the_clinicians_phrases_found_as_marks_beside_the_lemmas():
    from bot.rasa_side.nlu.crisis_classifier import _with_marks
    from bot.rasa_side.nlu.text_features import TextView
    import numpy as np
    plain = TextView("text", "lemma", np.zeros(3, dtype=np.float32))
    assert _with_marks(plain, NOTHING) is plain
    marked = _with_marks(plain, CrisisAssessment(True, "suicide", "kill myself"))
    assert marked.lemmas.split() == ["lemma", "safetyphrase_suicide"]
    framed = _with_marks(plain, CrisisAssessment(False, safe_frame="negated", risk_word="pills"))
    assert framed.lemmas.split() == ["lemma", "safetyframe_negated", "safetyriskword"]


def test_a_long_message_is_also_read_two_sentences_at_a_time():
    from bot.rasa_side.nlu.crisis_classifier import sentence_windows
    assert sentence_windows("what is ptsd? how is it treated?") == []  # two sentences: the whole is enough
    long = ("hi, i have a question about the sessions. how long is each one? "
            "honestly i don't think i'll make it that long. ok. anyway what does it cost?")
    assert sentence_windows(long) == [
        "hi, i have a question about the sessions. how long is each one?",
        "how long is each one? honestly i don't think i'll make it that long.",
        "honestly i don't think i'll make it that long. anyway what does it cost?",
    ]
