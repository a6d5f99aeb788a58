"""Reads the crisis classifier's own training data: data/crisis/**/*.yml.

Each file is written for clinicians to review: a `language` and, under `examples`, one
block per kind of message ("- " lines, as in Rasa's NLU files):

    language: en
    examples:
      suicide: |
        - i want to die
      not_crisis: |
        - my phone is about to die

Kinds: the five kinds of crisis below, and `not_crisis` for messages that sound risky
but are not (facts, idioms, the past, other people, supporters asking how to help).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List

import yaml

CRISIS_KINDS = ("suicide", "self_harm", "harm_to_others", "danger", "medical")
NOT_CRISIS = "not_crisis"
KINDS = CRISIS_KINDS + (NOT_CRISIS,)


@dataclass(frozen=True)
class CrisisExample:
    text: str
    kind: str
    language: str

    @property
    def is_crisis(self) -> bool:
        return self.kind != NOT_CRISIS


def read_examples_file(path: Path) -> List[CrisisExample]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    language = str(document.get("language", "en"))
    examples = []
    for kind, block in (document.get("examples") or {}).items():
        if kind not in KINDS:
            raise ValueError(f"{path}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        for line in str(block).splitlines():
            text = line.strip()
            if text.startswith("- "):
                examples.append(CrisisExample(text[2:].strip(), kind, language))
            elif text:
                raise ValueError(f"{path}: every example line starts with '- ': {text[:40]!r}")
    return examples


def read_examples(folder: Path | str) -> List[CrisisExample]:
    """Every example under `folder`, in a stable order (files sorted by path)."""
    files: Iterable[Path] = sorted(Path(folder).rglob("*.yml"))
    return [example for path in files for example in read_examples_file(path)]
