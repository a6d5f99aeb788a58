"""The phrase syntax clinicians write crisis patterns in."""
import pytest

from bot.safety.patterns import phrase_to_pattern


def identity(word):
    return word


def test_alternatives_match_on_lemmas_of_every_form():
    pattern = phrase_to_pattern("want|wanna die", lambda w: {"wanted": "want"}.get(w, w))
    assert pattern[0] == {"LEMMA": {"IN": ["wanna", "want"]}}
    assert phrase_to_pattern("wanted", lambda w: "want")[0] == {"LEMMA": {"IN": ["want", "wanted"]}}


def test_exact_text_optional_words_and_gaps():
    assert phrase_to_pattern("=kms", identity) == [{"LOWER": {"IN": ["kms"]}}]
    assert phrase_to_pattern("kill my? life", identity)[1] == {"LEMMA": {"IN": ["my"]}, "OP": "?"}
    assert phrase_to_pattern("i _{0,3} die", identity)[1] == {"OP": "{0,3}"}


def test_a_pattern_cannot_start_with_a_gap():
    with pytest.raises(ValueError):
        phrase_to_pattern("_{0,2} die", identity)
