"""Undoes the spellings people use to type around filters, before crisis detection reads a message.

"i w4nt to k1ll mys3lf", "k i l l", "s.u.i.c.i.d.e", "k*ll", "diiiie" and a knife emoji
all mean what they say; a detector trained on ordinary spelling should read them so.
The emoji meanings live in data/safety/emoji_words.yml for clinicians to review.

Only the crisis signals (classifier, phrase matcher, other-language lexicon) read the
normalised text; the FAQ classifiers and the transcript keep the words as typed.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

EMOJI_FILE = Path(__file__).resolve().parents[2] / "data" / "safety" / "emoji_words.yml"

# Digits and symbols that stand for letters inside a word ("k1ll", "d3ad", "$uicide").
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
                      "$": "s", "!": "i", "|": "l", "*": "i"})
LEET_CHARS = frozenset("013457@$!|*")
TRAILING_PUNCTUATION = ".,!?;:)\"'"
# Three or more single letters in a row, spaced or dotted: "k i l l", "s.u.i.c.i.d.e", "d-i-e".
SPELLED_OUT = re.compile(r"\b(?:[a-z][ .\-_]){2,}[a-z]\b")
REPEATS = re.compile(r"([a-z])\1{2,}")
# Markup carries no risk and only confuses a classifier trained on chat ("<img onerror=…>").
MARKUP = re.compile(r"<[^<>]{0,300}>")
INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# Letters NFKD does not split into a base letter and a mark; "ـ" is Arabic's stretching stroke.
UNDECOMPOSABLE = str.maketrans({"ł": "l", "ß": "ss", "ı": "i", "đ": "d", "ø": "o", "ـ": None})
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u201c": '"', "\u201d": '"'})


@lru_cache(maxsize=1)
def emoji_words() -> Dict[str, str]:
    with open(EMOJI_FILE, encoding="utf-8") as handle:
        return {str(emoji): str(word) for emoji, word in (yaml.safe_load(handle) or {}).get("emoji", {}).items()}


def _unleet(token: str) -> str:
    """"k1ll" → "kill", "$uicide" → "suicide"; "4am", "40mg", "22" and a final "!" stay as typed."""
    core = token.rstrip(TRAILING_PUNCTUATION)
    if not core or core[0].isdigit() or not any(c.isalpha() for c in core) \
            or not any(c in LEET_CHARS for c in core):
        return token
    return core.translate(LEET) + token[len(core):]


def _join_letters(match: re.Match) -> str:
    return re.sub(r"[ .\-_]", "", match.group(0))


def normalize_for_safety(text: str) -> str:
    """Lower-case text with markup dropped and leetspeak, spelled-out letters, long letter runs and
    emoji undone."""
    text = unicodedata.normalize("NFKC", text or "")
    text = MARKUP.sub(" ", INVISIBLE.sub("", text)).translate(QUOTES).lower()
    for emoji, word in emoji_words().items():
        if emoji in text:
            text = text.replace(emoji, f" {word} ")
    text = " ".join(_unleet(token) for token in text.split())
    text = SPELLED_OUT.sub(_join_letters, text)
    text = REPEATS.sub(r"\1\1", text)
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    """Lower case without accents or other marks ("suicidé" → "suicide", "zabić" → "zabic"), for
    matching phrases in other languages that people often type without them."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.translate(UNDECOMPOSABLE)
