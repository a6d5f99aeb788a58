"""Who approved which exact wording, and which texts changed since.

data/review/signoff.yml holds one entry per text key: the sha256 of the wording that was
approved, the reviewer and the date. A text whose current hash differs was changed after
its sign-off and needs review again; a key with no entry was never signed off.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

from bot.content_review.texts import Text, all_texts
from bot.settings import PROJECT_ROOT

SIGNOFF_FILE = PROJECT_ROOT / "data" / "review" / "signoff.yml"

HEADER = """\
# Clinician sign-off of the assistant's texts: written by `python -m bot content sign`.
# Each key is a text (see `python -m bot content report`); sha256 is the exact wording
# approved. Edit a text and its hash no longer matches: `make validate` lists it until a
# clinician signs the new wording.
"""


@dataclass(frozen=True)
class Review:
    sha256: str
    reviewer: str
    date: str


@dataclass(frozen=True)
class Status:
    signed: List[Text]
    changed: List[Text]
    unsigned: List[Text]

    @property
    def complete(self) -> bool:
        return not self.changed and not self.unsigned


def load(path: Optional[Path] = None) -> Dict[str, Review]:
    path = path or SIGNOFF_FILE
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: Review(str(entry["sha256"]), str(entry["reviewer"]), str(entry["date"]))
            for key, entry in (document.get("signoffs") or {}).items()}


def save(reviews: Dict[str, Review], path: Optional[Path] = None) -> None:
    path = path or SIGNOFF_FILE
    document = {"signoffs": {key: {"sha256": r.sha256, "reviewer": r.reviewer, "date": r.date}
                             for key, r in sorted(reviews.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def status(texts: Optional[Iterable[Text]] = None, reviews: Optional[Dict[str, Review]] = None) -> Status:
    texts = list(all_texts() if texts is None else texts)
    reviews = load() if reviews is None else reviews
    signed, changed, unsigned = [], [], []
    for text in texts:
        review = reviews.get(text.key)
        if review is None:
            unsigned.append(text)
        elif review.sha256 != text.sha256:
            changed.append(text)
        else:
            signed.append(text)
    return Status(signed, changed, unsigned)


def sign(keys: Iterable[str], reviewer: str, today: Optional[dt.date] = None,
         path: Optional[Path] = None) -> List[Text]:
    """Records `reviewer`'s approval of the current wording of each text in `keys`."""
    if not reviewer.strip():
        raise ValueError("Say who reviewed the texts (--reviewer \"Name, role\")")
    by_key = {text.key: text for text in all_texts()}
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise ValueError("No such text: " + ", ".join(unknown))
    reviews = load(path)
    date = (today or dt.date.today()).isoformat()
    chosen = [by_key[key] for key in keys]
    for text in chosen:
        reviews[text.key] = Review(text.sha256, reviewer.strip(), date)
    save(reviews, path)
    return chosen


def all_signed_off(path: Optional[Path] = None) -> bool:
    """True only when every text the assistant can say is signed off in its current wording."""
    return status(reviews=load(path)).complete
