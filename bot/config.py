"""Deployment settings, read from environment variables (and an optional `.env`).

Everything a clinic changes per deployment lives here: organisation name, staff
hours, crisis resources, database URL. Content that clinicians review (the wording
of answers) lives in data files; this module only supplies the values those texts
are filled with.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The defaults from shared/content/FACTS.md ("Crisis resources"). A deployment overrides
# them with CRISIS_LINES (a JSON list of {"region", "service", "contact"}).
DEFAULT_CRISIS_LINES = [
    {"region": "US and Canada", "service": "988 Suicide & Crisis Lifeline", "contact": "call or text 988"},
    {"region": "UK and Ireland", "service": "Samaritans", "contact": "call 116 123 (free, 24/7)"},
    {"region": "Australia", "service": "Lifeline", "contact": "call 13 11 14"},
    {"region": "Anywhere else", "service": "Find a Helpline", "contact": "findahelpline.com"},
]


@dataclass(frozen=True)
class CrisisLine:
    region: str
    service: str
    contact: str


@dataclass(frozen=True)
class Settings:
    org_name: str
    staff_hours: str
    emergency_number: str
    crisis_lines: List[CrisisLine] = field(default_factory=list)
    database_url: str = ""


def load_dotenv(path: Path = PROJECT_ROOT / ".env") -> None:
    """Read KEY=VALUE lines from `.env` without overriding the real environment."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def _crisis_lines(raw: Optional[str]) -> List[CrisisLine]:
    entries = json.loads(raw) if raw else DEFAULT_CRISIS_LINES
    return [CrisisLine(e["region"], e["service"], e["contact"]) for e in entries]


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'handoff.db'}"


def load_settings() -> Settings:
    load_dotenv()
    env = os.environ
    return Settings(
        org_name=env.get("ORG_NAME", "the clinic"),
        staff_hours=env.get("STAFF_HOURS", "Monday to Friday, 9am to 5pm"),
        emergency_number=env.get("EMERGENCY_NUMBER", "your local emergency number (911, 999, 112 or 000)"),
        crisis_lines=_crisis_lines(env.get("CRISIS_LINES")),
        database_url=env.get("HANDOFF_DATABASE_URL") or env.get("DATABASE_URL") or default_database_url(),
    )


def format_crisis_lines(lines: List[CrisisLine]) -> str:
    """One line per region, as a short list a phone screen shows well."""
    return "\n".join(f"- {line.region}: {line.service}, {line.contact}" for line in lines)
