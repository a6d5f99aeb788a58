"""The prepared replies of the ticket page, from data/staff/canned_replies.yml.

Clinicians write and review them there (bot/content_review/ lists them with every other
text). The web app reads the file once when it starts and fills in the deployment's
settings; the page fills in who is replying.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from bot.settings import PROJECT_ROOT, Settings

CANNED_REPLIES_FILE = PROJECT_ROOT / "data" / "staff" / "canned_replies.yml"


@dataclass(frozen=True)
class CannedReply:
    key: str
    title: str
    text: str


def read_canned_replies(path: Path = CANNED_REPLIES_FILE) -> List[CannedReply]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [CannedReply(str(entry["key"]), str(entry["title"]), str(entry["text"]))
            for entry in document.get("canned_replies") or []]


def for_deployment(replies: List[CannedReply], settings: Settings) -> List[Dict[str, str]]:
    """Each reply as the page gets it: settings filled in, {staff_name} left for the page."""
    filled = {"org_name": settings.org_name, "emergency_number": settings.emergency_number}
    return [{"key": r.key, "title": r.title,
             "text": r.text.replace("{org_name}", filled["org_name"])
                           .replace("{emergency_number}", filled["emergency_number"])}
            for r in replies]
