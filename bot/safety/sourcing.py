"""Decides whether a message asks for help to obtain, make, test or self-dose MDMA.

The bot never helps anyone get MDMA outside legitimate care, so this does not rest on
the trained model alone: phrases in data/safety/sourcing_patterns.yml, matched over
lemmas with spaCy's Matcher, decide. A match does not count when it is negated ("I
won't buy molly") or lies in a clause about legitimate care ("where can I get MDMA therapy?",
"what dose did the trials use?"), unless its category says frames do not apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Set

from spacy.language import Language
from spacy.matcher import Matcher

from bot.safety.detector import PhraseDetector, _clause_numbers, normalize


@dataclass(frozen=True)
class SourcingAssessment:
    is_sourcing: bool
    category: Optional[str] = None  # a group of data/safety/sourcing_patterns.yml: obtaining, testing…
    matched: Optional[str] = None  # the phrase pattern that fired (for tests and review)


class SourcingDetector(PhraseDetector):
    def __init__(self, nlp: Language, patterns: Dict) -> None:
        super().__init__(nlp, patterns)
        self.frames_do_not_apply: Set[str] = set(patterns.get("frames_do_not_apply", []))
        self.sourcing = Matcher(nlp.vocab)
        self.legitimate = Matcher(nlp.vocab)
        self._add_all(self.sourcing, patterns["sourcing"])
        self._add_all(self.legitimate, patterns.get("legitimate_frames", {}))

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
