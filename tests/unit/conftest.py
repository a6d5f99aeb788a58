import pytest

from bot.safety.detector import CrisisDetector
from tests.paths import CRISIS_PATTERNS, SPACY_MODEL


@pytest.fixture(scope="session")
def detector() -> CrisisDetector:
    return CrisisDetector.from_files(SPACY_MODEL, CRISIS_PATTERNS)
