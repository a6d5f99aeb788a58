"""One copy of the project's spaCy pipeline per process, however many detectors read it."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language


@lru_cache(maxsize=None)
def _load(path: str) -> Language:
    return spacy.load(path)


def load_pipeline(path: str | Path) -> Language:
    """The pipeline built by `make spacy` (var/spacy/en_lemmas_vectors), loaded once."""
    return _load(str(Path(path).resolve()))
