"""The crisis tiers: how the safety signals together decide what a message gets.

Three signals are read, and none of them can veto another:
- the crisis classifier's probability (bot/rasa_side/nlu/crisis_classifier.py), the one
  trained model that judges crises (the intent classifier leaves them to it);
- the clinicians' crisis phrases (bot/safety/detector.py: a phrase not negated and not
  in a safe frame, or a risk word used plainly);
- the crisis phrases of languages the assistant cannot read (bot/safety/languages.py).

The tiers, for a clinician:
- **crisis** (the full protocol: empathy, the emergency number, the crisis lines and an
  urgent handoff) when the evidence is clear: the classifier is confident, or a
  clinician's phrase (in English or another language) is backed by the classifier;
- **check** (a short, direct question, "are you thinking about suicide?", with the
  crisis lines in the same reply) when any one signal is raised but the evidence is not
  clear: a middle classifier score, a clinician's phrase the classifier does not back (in
  English or another language), a risk word used plainly (in English or another
  language) with some classifier support;
- **none** otherwise.
Missing a crisis is the worst failure, so every signal is enough for the check-in; the
thresholds (config.yml) were set on the project's own evaluation sets so that the full
protocol rarely fires on messages that only sound risky (README, "The crisis safety net").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from bot.safety.detector import CrisisAssessment
from bot.safety.languages import CRISIS as LANGUAGE_CRISIS, LanguageMatch

CRISIS, CHECK, NONE = "crisis", "check", "none"


@dataclass(frozen=True)
class Thresholds:
    # Set on the tuned and dev sets (tests/safety/crisis_messages.txt, heldout_*, dev2_* to dev4_*),
    # never on the sealed ones.
    classifier_crisis: float = 0.9  # the classifier alone calls a crisis
    # The classifier alone asks. 0.4 since 2026-12-02: with the crisis-grammar hard negatives
    # the classifier scores some passive ideation lower ("nobody would notice I was gone");
    # on dev2 0.4 kept recall 0.976 (0.5: 0.971) for 0.015 more check-ins on hard negatives.
    classifier_check: float = 0.4
    # Enough support for a clinician's phrase to call a crisis. 0.5 since 2026-12-06 (was 0.2):
    # on the newest dev set (dev4) the full protocol on hard negatives fell from 0.013 to 0.006
    # ("banged my head on the cabinet door, just a bump"), and 2 of its 320 crises got the
    # check-in instead of the protocol (recall unchanged: below 0.5 a phrase still asks).
    classifier_backs: float = 0.5
    risk_word_backing: float = 0.4  # a risk word used plainly asks when the classifier gives at least this
    # ... and so does a risk word of another language (the lexicon's `check` list)
    language_check_backing: float = 0.3


@dataclass(frozen=True)
class Signals:
    classifier: float
    phrase: Optional[CrisisAssessment] = None
    language: Optional[LanguageMatch] = None


@dataclass(frozen=True)
class Verdict:
    tier: str
    reasons: Tuple[str, ...] = ()

    @property
    def shows_crisis_lines(self) -> bool:
        return self.tier in (CRISIS, CHECK)


def triage(signals: Signals, limits: Thresholds = Thresholds()) -> Verdict:
    phrase_crisis = bool(signals.phrase and signals.phrase.is_crisis)
    risk_word = bool(signals.phrase and signals.phrase.risk_word)
    backed = signals.classifier >= limits.classifier_backs

    # A clinician's safe frame (a negation, a factual question, an idiom, the distant past)
    # around the risky words makes a confident classifier ask instead of calling a crisis.
    framed = bool(signals.phrase and signals.phrase.safe_frame and not phrase_crisis)

    clear: List[str] = []
    if signals.classifier >= limits.classifier_crisis and not framed:
        clear.append("classifier")
    # A phrase of another language is matched without any grammar (no negation, no past
    # tense), so like an English phrase it calls a crisis only with the classifier's backing;
    # unbacked ("years ago I thought of taking my life, now I'm well"), it asks.
    language_crisis = bool(signals.language and signals.language.tier == LANGUAGE_CRISIS)
    if language_crisis and backed:
        clear.append(f"language:{signals.language.language}")
    if phrase_crisis and backed:
        clear.append("phrase")
    if clear:
        return Verdict(CRISIS, tuple(clear))

    raised: List[str] = []
    if signals.classifier >= limits.classifier_check:
        raised.append("classifier")
    if language_crisis or (signals.language and signals.classifier >= limits.language_check_backing):
        raised.append(f"language:{signals.language.language}")
    if phrase_crisis:
        raised.append("phrase")
    if risk_word and signals.classifier >= limits.risk_word_backing:
        raised.append("risk word")
    return Verdict(CHECK, tuple(raised)) if raised else Verdict(NONE)
