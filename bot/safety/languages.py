"""Crisis language in languages the assistant cannot read (data/safety/crisis_languages.yml).

The answers stay in English, but "quiero suicidarme", "ich will mich umbringen" or
"我想死" must still bring the crisis resources, with one line in the writer's language.
Each language lists `crisis` phrases (clear statements of risk now: the full protocol)
and `check` phrases (risk words and indirect phrases: the direct check-in).

Phrases are matched on the text folded to lower case without accents, at the start of
a word (so a stem "suicid" catches "suicidarme"); Chinese and Japanese have no spaces,
so there any occurrence counts. A match made only of English words is not counted: the
English signals judge English ("suicide rates" is a research question, not Spanish).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Pattern

import yaml

from bot.safety.normalize import fold_accents

CRISIS, CHECK = "crisis", "check"
NO_SPACES = {"zh", "ja"}
WORD_CHAR = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class LanguageMatch:
    language: str  # ISO 639-1 code
    name: str
    tier: str  # "crisis" or "check"
    phrase: str
    reply: str  # the line shown in that language beside the international resources


@dataclass(frozen=True)
class _Language:
    code: str
    name: str
    reply: str
    patterns: Dict[str, Pattern]  # tier -> one alternation of its phrases


def _pattern(phrases: List[str], spaced: bool) -> Optional[Pattern]:
    folded = sorted({fold_accents(str(p)).strip() for p in phrases if str(p).strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternation = "|".join(re.escape(p) for p in folded)
    return re.compile(rf"(?<!\w)(?:{alternation})" if spaced else f"(?:{alternation})", re.UNICODE)


class OtherLanguageLexicon:
    def __init__(self, document: Dict, is_english_word: Callable[[str], bool]) -> None:
        self.is_english_word = is_english_word
        self.languages: List[_Language] = []
        for code, entry in (document.get("languages") or {}).items():
            spaced = code not in NO_SPACES
            patterns = {tier: _pattern(entry.get(tier) or [], spaced) for tier in (CRISIS, CHECK)}
            self.languages.append(_Language(code, entry.get("name", code), entry.get("reply", ""),
                                            {t: p for t, p in patterns.items() if p is not None}))

    @classmethod
    def from_file(cls, path: Path | str, is_english_word: Callable[[str], bool]) -> "OtherLanguageLexicon":
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle) or {}, is_english_word)

    def match(self, text: str) -> Optional[LanguageMatch]:
        """The strongest match: a crisis phrase in any language before a check phrase."""
        folded = fold_accents(text or "")
        for tier in (CRISIS, CHECK):
            for language in self.languages:
                pattern = language.patterns.get(tier)
                if pattern is None:
                    continue
                for found in pattern.finditer(folded):
                    if language.code in NO_SPACES or not self._only_english(folded, found):
                        return LanguageMatch(language.code, language.name, tier, found.group(0), language.reply)
        return None

    def _only_english(self, folded: str, found: re.Match) -> bool:
        """Whether the words the match touches are all English words ("suicidal" for the stem "suicid")."""
        end = found.end()
        while end < len(folded) and WORD_CHAR.match(folded[end]):
            end += 1
        words = re.findall(r"\w+", folded[found.start():end])
        return bool(words) and all(self.is_english_word(word) for word in words)
