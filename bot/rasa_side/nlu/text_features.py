"""The features the project's own classifiers read: TF-IDF over character n-grams and over
lemma n-grams, and the message's mean word vector.

Character 2-5-grams make the classifiers robust to the typos people make on phones;
lemma pairs tell neighbouring topics apart ("side effect" vs "effect size"); the word
vectors (bot/rasa_side/nlu/word_vectors.py) make "husband", "wife" and "partner" look
alike where the examples never say so. Measured on the FAQ topics (README, "How the
bot understands"): TF-IDF weighting and the vectors each bought about a point of F1
over raw counts, and a linear model over them trains in seconds where DIET took minutes.

Saved as plain JSON and numpy arrays (no pickles), so loading a model runs no code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.tokens import Doc


@dataclass(frozen=True)
class TextView:
    """What the features are computed from: the text as the classifier should read it, its lemmas and its vector."""

    text: str
    lemmas: str
    vector: np.ndarray


def view_of(doc: Doc, text: str | None = None) -> TextView:
    lemmas = " ".join(token.lemma_ for token in doc if not token.is_space)
    vector = doc.vector if doc.has_vector else np.zeros(doc.vocab.vectors_length, dtype=np.float32)
    return TextView(text if text is not None else doc.text.lower(), lemmas, np.asarray(vector, dtype=np.float32))


def _vectorizer(analyzer: str, ngrams: Tuple[int, int], min_df: int, vocabulary=None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, ngram_range=tuple(ngrams), sublinear_tf=True, min_df=min_df,
                           vocabulary=vocabulary, lowercase=True, dtype=np.float32)


class TextFeatures:
    def __init__(self, char_ngrams: Sequence[int] = (2, 5), word_ngrams: Sequence[int] = (1, 2),
                 vector_weight: float = 1.0, char_min_df: int = 1) -> None:
        self.char_ngrams = tuple(char_ngrams)
        self.word_ngrams = tuple(word_ngrams)
        self.vector_weight = float(vector_weight)
        self.char_min_df = int(char_min_df)
        self.chars = _vectorizer("char_wb", self.char_ngrams, self.char_min_df)
        self.words = _vectorizer("word", self.word_ngrams, 1)

    @classmethod
    def from_config(cls, config: dict) -> "TextFeatures":
        """New, unfitted features as a component's config sets them (config.yml)."""
        return cls(config["char_ngrams"], config["word_ngrams"], config["vector_weight"], config.get("char_min_df", 1))

    def fit_transform(self, views: List[TextView]) -> scipy.sparse.csr_matrix:
        chars = self.chars.fit_transform([v.text for v in views])
        words = self.words.fit_transform([v.lemmas for v in views])
        return self._stack(chars, words, views)

    def transform(self, views: List[TextView]) -> scipy.sparse.csr_matrix:
        chars = self.chars.transform([v.text for v in views])
        words = self.words.transform([v.lemmas for v in views])
        return self._stack(chars, words, views)

    def _stack(self, chars, words, views: List[TextView]) -> scipy.sparse.csr_matrix:
        vectors = np.vstack([v.vector for v in views]).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-6) * self.vector_weight
        return scipy.sparse.hstack([chars, words, scipy.sparse.csr_matrix(vectors)], format="csr")

    # --- persistence ----------------------------------------------------------------------

    def save(self, directory: Path, name: str) -> None:
        settings = {"char_ngrams": self.char_ngrams, "word_ngrams": self.word_ngrams,
                    "vector_weight": self.vector_weight, "char_min_df": self.char_min_df,
                    "char_vocabulary": _ordered(self.chars), "word_vocabulary": _ordered(self.words)}
        (directory / f"{name}.features.json").write_text(json.dumps(settings), encoding="utf-8")
        np.savez(directory / f"{name}.idf.npz", chars=self.chars.idf_, words=self.words.idf_)

    @classmethod
    def load(cls, directory: Path, name: str) -> "TextFeatures":
        settings = json.loads((directory / f"{name}.features.json").read_text(encoding="utf-8"))
        features = cls(settings["char_ngrams"], settings["word_ngrams"], settings["vector_weight"],
                       settings["char_min_df"])
        idf = np.load(directory / f"{name}.idf.npz", allow_pickle=False)
        features.chars = _vectorizer("char_wb", features.char_ngrams, 1, settings["char_vocabulary"])
        features.words = _vectorizer("word", features.word_ngrams, 1, settings["word_vocabulary"])
        features.chars.idf_ = idf["chars"]
        features.words.idf_ = idf["words"]
        return features


def _ordered(vectorizer: TfidfVectorizer) -> List[str]:
    """The vocabulary as a list in column order, so the saved idf and weights line up with it."""
    vocabulary = vectorizer.vocabulary_
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[column] = term
    return terms
