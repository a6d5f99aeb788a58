"""Paths the tests share, relative to the project root."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACY_MODEL = ROOT / "var" / "spacy" / "en_lemmas_vectors"
CRISIS_PATTERNS = ROOT / "data" / "safety" / "crisis_patterns.yml"
CRISIS_MESSAGES = ROOT / "tests" / "safety" / "crisis_messages.txt"
HARD_NEGATIVES = ROOT / "tests" / "safety" / "hard_negatives.txt"
SOURCING_PATTERNS = ROOT / "data" / "safety" / "sourcing_patterns.yml"
SOURCING = ROOT / "tests" / "sourcing"
# The integration tests run on the full model (`make train`, about a minute).
MODEL = ROOT / "models" / "current.tar.gz"


def read_messages(path: Path) -> list:
    """One message a line; blank lines and # comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
