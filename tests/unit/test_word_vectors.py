"""The word vectors in the project's spaCy pipeline (built by `make spacy`)."""
import zipfile

import pytest
import spacy

from bot.rasa_side.nlu.word_vectors import TOKENIZER_FILE, WEIGHTS_FILE, WordEmbedder, fetch_wheel
from tests.paths import ROOT, SPACY_MODEL


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(SPACY_MODEL)


def similarity(nlp, a, b):
    return nlp.vocab[a].similarity(nlp.vocab[b])


@pytest.mark.parametrize("word", ["about", "husband", "nightmares", "flashback", "therapist",
                                  # only in the training examples, not in spaCy's word lists
                                  "emdr", "cptsd", "hypervigilance"])
def test_everyday_and_training_words_have_a_vector(nlp, word):
    assert nlp.vocab[word].has_vector


@pytest.mark.parametrize("word, near, far", [("husband", "wife", "nightmare"),
                                             ("cost", "price", "dream"),
                                             ("symptom", "sign", "airport")])
def test_words_with_related_meanings_are_closer(nlp, word, near, far):
    assert similarity(nlp, word, near) > similarity(nlp, word, far) + 0.2


def test_words_are_split_into_the_tokenizers_pieces():
    embedder = WordEmbedder.from_wheel(fetch_wheel(ROOT / "var" / "wheels"))
    assert embedder.pieces("husband") == ["\u2581husband"]
    assert embedder.pieces("flashback") == ["\u2581flash", "back"]
    assert embedder.vector("flashback").shape == (256,)


def test_a_wheel_with_different_weights_is_refused(tmp_path):
    original = fetch_wheel(ROOT / "var" / "wheels")
    tampered = tmp_path / original.name
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as target:
        target.writestr(TOKENIZER_FILE, source.read(TOKENIZER_FILE))
        weights = bytearray(source.read(WEIGHTS_FILE))
        weights[-1] ^= 0xFF
        target.writestr(WEIGHTS_FILE, bytes(weights))
    with pytest.raises(ValueError, match="SHA-256"):
        WordEmbedder.from_wheel(tampered)
