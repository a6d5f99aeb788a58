"""A logistic regression over TextFeatures, saved as numpy arrays (no pickles).

The intent classifier, the FAQ topic selector and the crisis classifier are each one
of these: fitted in seconds, small in memory, and their probabilities are what the
FallbackClassifier and the crisis tiers read.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from bot.rasa_side.nlu.text_features import TextFeatures, TextView


class LinearModel:
    def __init__(self, features: TextFeatures, labels: Sequence[str], coefficients: np.ndarray,
                 intercepts: np.ndarray) -> None:
        self.features = features
        self.labels = [str(label) for label in labels]
        self.coefficients = coefficients
        self.intercepts = intercepts

    @classmethod
    def fit(cls, features: TextFeatures, views: List[TextView], labels: Sequence[str], C: float,
            balanced: bool = True, weights: Sequence[float] | None = None) -> "LinearModel":
        matrix = features.fit_transform(views)
        regression = LogisticRegression(C=C, max_iter=5000, class_weight="balanced" if balanced else None)
        regression.fit(matrix, list(labels), sample_weight=None if weights is None else np.asarray(weights))
        coefficients, intercepts = regression.coef_, regression.intercept_
        if len(regression.classes_) == 2:
            # scikit-learn keeps one row for two classes; two rows keep the softmax below uniform.
            coefficients = np.vstack([-coefficients[0] / 2, coefficients[0] / 2])
            intercepts = np.array([-intercepts[0] / 2, intercepts[0] / 2])
        return cls(features, regression.classes_, coefficients.astype(np.float32), intercepts.astype(np.float32))

    def probabilities(self, views: List[TextView]) -> np.ndarray:
        """One row per view, one column per label, each row summing to 1."""
        matrix: scipy.sparse.csr_matrix = self.features.transform(views)
        scores = np.asarray(matrix @ self.coefficients.T) + self.intercepts
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def ranking(self, view: TextView) -> List[Tuple[str, float]]:
        row = self.probabilities([view])[0]
        return [(self.labels[i], float(row[i])) for i in np.argsort(-row)]

    def save(self, directory: Path, name: str) -> None:
        self.features.save(directory, name)
        np.savez(directory / f"{name}.weights.npz", labels=np.array(self.labels), coefficients=self.coefficients,
                 intercepts=self.intercepts)

    @classmethod
    def load(cls, directory: Path, name: str) -> "LinearModel":
        weights = np.load(directory / f"{name}.weights.npz", allow_pickle=False)
        return cls(TextFeatures.load(directory, name), list(weights["labels"]), weights["coefficients"],
                   weights["intercepts"])
