"""Turns the phrase patterns of data/safety/crisis_patterns.yml into spaCy Matcher patterns.

The file is written for clinicians to review, so patterns are short phrases rather
than spaCy's JSON. Each space-separated item is one token:

    want|wanna   the token's lemma is the lemma of one of these words ("wants",
                 "wanted" and "wanting" all match "want")
    =kms|kys     the token's text is exactly one of these (for slang the lemmatizer
                 would change: "kms" would otherwise become "km")
    me?          the token may be missing
    _{0,3}       up to three tokens of anything
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List

GAP = re.compile(r"^_\{(\d*),(\d+)\}$")


Lemmatize = Callable[[str], str]


def token_pattern(item: str, lemmatize: Lemmatize) -> Dict[str, Any]:
    gap = GAP.match(item)
    if gap:
        low, high = gap.group(1) or "0", gap.group(2)
        return {"OP": "{%s,%s}" % (low, high)}
    optional = item.endswith("?") and len(item) > 1
    word = item[:-1] if optional else item
    if word.startswith("="):
        spec: Dict[str, Any] = {"LOWER": {"IN": [w.lstrip("=") for w in word.split("|")]}}
    else:
        words = word.split("|")
        spec = {"LEMMA": {"IN": sorted(set(words) | {lemmatize(w) for w in words})}}
    if optional:
        spec["OP"] = "?"
    return spec


def phrase_to_pattern(phrase: str, lemmatize: Lemmatize) -> List[Dict[str, Any]]:
    items = phrase.split()
    if not items or GAP.match(items[0]) or GAP.match(items[-1]):
        raise ValueError(f"A pattern must start and end with a word: {phrase!r}")
    return [token_pattern(item, lemmatize) for item in items]
