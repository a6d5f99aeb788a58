"""Decides whether a message is crisis language, with spaCy's Matcher over lemmas.

A message is a crisis when a crisis pattern matches and that match is neither
negated ("I'm not suicidal") nor inside a safe frame: a factual question ("can you
overdose on MDMA?"), an idiom ("this traffic is killing me"), or someone else's past
("my brother died in Iraq"). Missing a crisis is the worst bug this product can have,
so the patterns lean towards catching too much; the evaluation in `make eval` keeps
false alarms in check.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from bot.safety.patterns import phrase_to_pattern
from bot.safety.spacy_pipeline import load_pipeline

# Words that end the reach of a negation: "I'm not okay, I want to die" is still a crisis.
CLAUSE_BREAKS = {",", ".", "!", "?", ";", ":", "but", "and", "so", "because", "-", "..."}
# Safe frames whose reach is their whole clause rather than the words they overlap, and
# the kinds of crisis they cover (data/safety/crisis_patterns.yml, `clause_wide_frames`).
ALL_KINDS = "all"
# The breaks across which a story about the past goes on.
STORY_JOINS = {",", "and"}
CARRIED_INTO_NOW = {"still", "again", "anymore"}


@dataclass(frozen=True)
class CrisisAssessment:
    is_crisis: bool
    category: Optional[str] = None  # suicide, self_harm, danger, medical, harm_to_others
    matched: Optional[str] = None  # the phrase pattern that fired (for tests and review)
    safe_frame: Optional[str] = None  # why crisis-like words were judged not a crisis
    # A risk word ("die", "pills", "knife") used plainly: not negated, not in a safe frame.
    # Too weak to call a crisis alone; enough to back the trained model's "crisis" guess.
    risk_word: Optional[str] = None


def normalize(text: str) -> str:
    """Lower-case and straighten quotes so "Don’t" and "don't" tokenize alike."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.lower().split())


class PhraseDetector:
    """Clinician-written phrases (bot/safety/patterns.py) in spaCy Matchers, with the
    negation check they share; the crisis and the sourcing detectors build on it."""

    def __init__(self, nlp: Language, patterns: Dict) -> None:
        self.nlp = nlp
        self.negations = _word_list(patterns, "negations")
        self.not_negating_after_no = _word_list(patterns, "not_negating_after_no")
        self.not_negating_before = _word_list(patterns, "not_negating_before")
        self.negation_window = int(patterns.get("negation_window", 3))
        self._labels: Dict[int, Tuple[str, str]] = {}
        # Phrases that spell out their own negation ("not want to be here anymore").
        self._negation_in_phrase: Dict[str, bool] = {}

    @classmethod
    def from_files(cls, spacy_model: str | Path, pattern_file: str | Path):
        nlp = load_pipeline(spacy_model)
        with open(pattern_file, encoding="utf-8") as handle:
            return cls(nlp, yaml.safe_load(handle))

    def _add_all(self, matcher: Matcher, groups: Dict[str, List[str]]) -> None:
        for category, phrases in groups.items():
            for phrase in phrases:
                key = f"{category}::{phrase}"
                matcher.add(key, [phrase_to_pattern(phrase, self._lemma)])
                words = {w.lstrip("=") for item in phrase.split() for w in item.rstrip("?").split("|")}
                self._negation_in_phrase[phrase] = bool(words & self.negations)
                self._labels[self.nlp.vocab.strings[key]] = (category, phrase)

    def _lemma(self, word: str) -> str:
        doc = self.nlp(word)
        return doc[0].lemma_ if len(doc) == 1 else word

    def _is_negation(self, token) -> bool:
        following = token.nbor().text if token.i + 1 < len(token.doc) else ""
        if token.text == "no" and following in self.not_negating_after_no:
            return False
        if following in self.not_negating_before:  # "can't stop thinking about it"
            return False
        return token.lemma_ in self.negations or token.text in self.negations

    def _has_negation(self, span: Span) -> bool:
        return any(self._is_negation(t) for t in span)

    def _is_negated(self, doc: Doc, start: int, window: Optional[int] = None) -> bool:
        window = self.negation_window if window is None else window
        for i in range(start - 1, max(start - 1 - window, -1), -1):
            token = doc[i]
            if token.text in CLAUSE_BREAKS:
                return False
            if self._is_negation(token):
                return True
        return False


class CrisisDetector(PhraseDetector):
    def __init__(self, nlp: Language, patterns: Dict) -> None:
        super().__init__(nlp, patterns)
        self.present_markers = _word_list(patterns, "present_markers")
        self.question_openers = _word_list(patterns, "question_openers")
        self.crisis = Matcher(nlp.vocab)
        self.safe = Matcher(nlp.vocab)
        self.risk = Matcher(nlp.vocab)
        self._add_all(self.crisis, patterns["crisis"])
        asked = patterns.get("asked_and_still_counts", {})
        self._add_all(self.crisis, asked)
        self.count_in_questions = {phrase for phrases in asked.values() for phrase in phrases}
        self._add_all(self.safe, patterns["safe_frames"])
        self._add_all(self.risk, {"risk_word": patterns.get("risk_words", [])})
        self.risk_negation_window = int(patterns.get("risk_negation_window", self.negation_window))
        self.clause_wide = dict(patterns.get("clause_wide_frames", {"distant_past": ALL_KINDS}))

    def assess(self, text: str) -> CrisisAssessment:
        return self.assess_doc(self.nlp(normalize(text)))

    def assess_doc(self, doc: Doc) -> CrisisAssessment:
        """The same, for text this detector's pipeline has already read (lower-cased, quotes straightened)."""
        safe_spans = [(self._labels[m][0], doc[s:e]) for m, s, e in self.safe(doc)]
        clause_of = _clause_numbers(doc)
        questions = self._question_clauses(doc, clause_of)
        past_only = self._clauses_only_about_the_past(doc, safe_spans, clause_of, questions)
        judged_safe: Optional[str] = None
        for match_id, start, end in self.crisis(doc):
            category, phrase = self._labels[match_id]
            span = doc[start:end]
            past_frame = self._covering_past_frame(past_only.get(clause_of[start], ()), category)
            if past_frame:
                judged_safe = judged_safe or past_frame
                continue
            if clause_of[start] in questions and phrase not in self.count_in_questions:
                judged_safe = judged_safe or "question"
                continue
            reason = self._why_safe(doc, span, category, safe_spans, self._negation_in_phrase[phrase])
            if reason is None:
                return CrisisAssessment(True, category, phrase)
            judged_safe = judged_safe or reason
        if judged_safe is None and safe_spans:
            judged_safe = safe_spans[0][0]
        risk_word = self._plain_risk_word(doc, safe_spans, clause_of, past_only)
        return CrisisAssessment(False, safe_frame=judged_safe, risk_word=risk_word)

    def _clauses_only_about_the_past(
        self, doc: Doc, safe_spans: List[Tuple[str, Span]], clause_of: List[int], questions: Set[int]
    ) -> Dict[int, List[str]]:
        """The clause-wide frames of each clause that has no word speaking of now."""
        # Exact words: "wanted" is not "want".
        present = {clause_of[t.i] for t in doc if t.text in self.present_markers}
        frames: Dict[int, List[str]] = {}
        for frame, safe in safe_spans:
            clause = clause_of[safe.start]
            if frame in self.clause_wide and clause not in present:
                frames.setdefault(clause, []).append(frame)
        # The story goes on in the clauses joined to it by a comma or "and" ("back in 2015 I
        # was in a dark place and planned to end it"), until a clause speaks of now or
        # another break ("but", "so", a full stop) or a question starts something new.
        # A word that carries the past into now ("as a teen I cut myself and I still do")
        # takes the frame off the whole story.
        joins = {clause_of[t.i]: t.text for t in doc if t.text in CLAUSE_BREAKS}
        carried = {clause_of[t.i] for t in doc if t.text in CARRIED_INTO_NOW}
        for clause in sorted(frames):
            story, following = [clause], clause + 1
            while joins.get(following) in STORY_JOINS and following not in frames and following not in questions:
                story.append(following)
                following += 1
            if carried & set(story):
                for part in story:
                    frames.pop(part, None)
                continue
            for part in story[1:]:
                if part in present:
                    break
                frames[part] = frames[clause]
        return frames

    def _covering_past_frame(self, frames, category: str) -> Optional[str]:
        for frame in frames:
            kinds = self.clause_wide[frame]
            if kinds == ALL_KINDS or category in kinds:
                return frame
        return None

    def _question_clauses(self, doc: Doc, clause_of: List[int]) -> Set[int]:
        """Clauses asked as a question ("what happens if someone overdoses in a session?"):
        they open with a question word and end with a question mark. A phrase there is a
        question about it, which the crisis classifier judges (a question can still be a
        crisis: "is it normal to want to die every day?")."""
        questions = set()
        for i, token in enumerate(doc):
            if token.text != "?" or i == 0:
                continue
            clause = clause_of[i - 1]
            words = [t for t in doc[:i] if clause_of[t.i] == clause and t.text not in CLAUSE_BREAKS]
            if words and (words[0].lemma_ in self.question_openers or words[0].text in self.question_openers):
                questions.add(clause)
        return questions

    def _plain_risk_word(
        self, doc: Doc, safe_spans: List[Tuple[str, Span]], clause_of: List[int], past_only: Dict[int, List[str]]
    ) -> Optional[str]:
        for _, start, end in self.risk(doc):
            if self._is_negated(doc, start, self.risk_negation_window):
                continue
            if any(self.clause_wide[frame] == ALL_KINDS for frame in past_only.get(clause_of[start], ())):
                continue  # a clause only about the past; a frame for some kinds leaves risk words standing
            if any(_overlap(doc[start:end], safe) for _, safe in safe_spans):
                continue
            return doc[start:end].text
        return None

    def _why_safe(
        self, doc: Doc, span: Span, category: str, safe_spans: List[Tuple[str, Span]], negation_in_phrase: bool
    ) -> Optional[str]:
        if not negation_in_phrase and (self._is_negated(doc, span.start) or self._has_negation(span)):
            return "negated"
        for frame, safe in safe_spans:
            if _overlap(span, safe) and not _frame_only_at_the_end(frame, category, span, safe):
                return frame
        return None


def _word_list(patterns: Dict, key: str) -> Set[str]:
    """A list of plain words from the patterns file. YAML reads an unquoted no, yes, on or
    off as a boolean: "no" silently missing from the negations once let "no thoughts of
    hurting myself" count as self-harm, so anything but a word is refused."""
    words = patterns.get(key, [])
    odd = [word for word in words if not isinstance(word, str)]
    if odd:
        raise ValueError(f"{key}: {odd!r} are not words; quote them in the YAML (\"no\", \"yes\")")
    return set(words)


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


# Frames that explain only what they cover: in "wishing i was dead lol" the idiom "i'm
# dead lol" does not explain "wishing", nor does "he killed" explain "i wish he'd killed me".
TAIL_ONLY_FRAMES = {"idiom", "past_event_of_others"}


def _frame_only_at_the_end(frame: str, category: str, phrase: Span, safe: Span) -> bool:
    """Whether a safe frame begins inside a phrase of suicide, so that it explains only its tail."""
    return frame in TAIL_ONLY_FRAMES and category == "suicide" and phrase.start < safe.start


def _clause_numbers(doc: Doc) -> List[int]:
    """Which clause each token is in; a clause break starts the next one."""
    numbers, current = [], 0
    for token in doc:
        if token.text in CLAUSE_BREAKS:
            current += 1
        numbers.append(current)
    return numbers
