"""Decides whether a message asks for help to obtain, make, test or self-dose MDMA.

The bot never helps anyone get MDMA outside legitimate care, so this does not rest on
the trained model alone: phrases in data/safety/sourcing_patterns.yml, matched over
lemmas with spaCy's Matcher, decide. A match does not count when it is negated ("I
won't buy molly") or lies in a clause about legitimate care ("where can I get MDMA therapy?",
"what dose did the trials use?"), unless its category says frames do not apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safety.detector import CLAUSE_BREAKS, _clause_numbers, normalize
from bot.safety.patterns import phrase_to_pattern


@dataclass(frozen=True)
class SourcingAssessment:
    is_sourcing: bool
    category: Optional[str] = None  # obtaining, outside_care, self_dosing, on_my_own, testing, making
    matched: Optional[str] = None  # the phrase pattern that fired (for tests and review)


class SourcingDetector:
    def __init__(self, nlp: Language, patterns: Dict) -> None:
        self.nlp = nlp
        self.negations: Set[str] = set(patterns.get("negations", []))
        self.negation_window = int(patterns.get("negation_window", 3))
        self.frames_do_not_apply: Set[str] = set(patterns.get("frames_do_not_apply", []))
        self.sourcing = Matcher(nlp.vocab)
        self.legitimate = Matcher(nlp.vocab)
        self._labels: Dict[int, Tuple[str, str]] = {}
        self._add_all(self.sourcing, patterns["sourcing"])
        self._add_all(self.legitimate, patterns.get("legitimate_frames", {}))

    @classmethod
    def from_files(cls, spacy_model: str | Path, pattern_file: str | Path) -> "SourcingDetector":
        with open(pattern_file, encoding="utf-8") as handle:
            return cls(spacy.load(spacy_model), yaml.safe_load(handle))

    def _add_all(self, matcher: Matcher, groups: Dict[str, List[str]]) -> None:
        for category, phrases in groups.items():
            for phrase in phrases:
                key = f"{category}::{phrase}"
                matcher.add(key, [phrase_to_pattern(phrase, self._lemma)])
                self._labels[self.nlp.vocab.strings[key]] = (category, phrase)

    def _lemma(self, word: str) -> str:
        doc = self.nlp(word)
        return doc[0].lemma_ if len(doc) == 1 else word

    def assess(self, text: str) -> SourcingAssessment:
        doc = self.nlp(normalize(text))
        clause_of = _clause_numbers(doc)
        legitimate_clauses = {clause_of[start] for _, start, _ in self.legitimate(doc)}
        for match_id, start, end in self.sourcing(doc):
            category, phrase = self._labels[match_id]
            # "after the mdma, what can i do myself" is two thoughts, not one request.
            if clause_of[start] != clause_of[end - 1] or self._is_negated(doc, start):
                continue
            if category not in self.frames_do_not_apply and clause_of[start] in legitimate_clauses:
                continue
            return SourcingAssessment(True, category, phrase)
        return SourcingAssessment(False)

    def _is_negated(self, doc: Doc, start: int) -> bool:
        for i in range(start - 1, max(start - 1 - self.negation_window, -1), -1):
            token = doc[i]
            if token.text in CLAUSE_BREAKS:
                return False
            if token.lemma_ in self.negations or token.text in self.negations:
                return True
        return False
