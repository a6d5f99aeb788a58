"""Every text the assistant can say, read from the files that hold it.

A text is one variant of a response (domain.yml, data/responses/), one Telegram text
(bot/rasa_side/channels/telegram_texts.yml), one widget text
(bot/web/static/widget/texts.json), the line shown in a language the assistant cannot read
(data/safety/crisis_languages.yml), one prepared reply of the staff console
(data/staff/canned_replies.yml), or the default crisis lines (bot/settings.py). Its key
names where it lives, so a sign-off follows the text and its hash follows the wording.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import yaml

from bot.settings import DEFAULT_CRISIS_LINES, PROJECT_ROOT, CrisisLine, format_crisis_lines

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
RESPONSES_DIR = PROJECT_ROOT / "data" / "responses"
TELEGRAM_TEXTS = PROJECT_ROOT / "bot" / "rasa_side" / "channels" / "telegram_texts.yml"
WIDGET_TEXTS = PROJECT_ROOT / "bot" / "web" / "static" / "widget" / "texts.json"
LANGUAGES_FILE = PROJECT_ROOT / "data" / "safety" / "crisis_languages.yml"
CANNED_REPLIES_FILE = PROJECT_ROOT / "data" / "staff" / "canned_replies.yml"
EMAIL_NOTICE_FILE = PROJECT_ROOT / "data" / "notices" / "reply_waiting.yml"

LINK = re.compile(r"https://[^\s)\]>\"']+")


@dataclass(frozen=True)
class Text:
    key: str          # e.g. "response utter_faq/mdma_legal_status #1"
    group: str        # heading in the report
    source_file: str  # path relative to the project
    body: str
    buttons: Tuple[str, ...] = ()
    condition: str = ""
    links: Tuple[str, ...] = field(default=())

    @property
    def sha256(self) -> str:
        """The exact wording a reviewer approves: the text and its button titles."""
        wording = self.body + "".join(f"\n[button] {title}" for title in self.buttons)
        return hashlib.sha256(wording.encode("utf-8")).hexdigest()


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def _condition(variant: dict) -> str:
    parts = [f"{c.get('name')} = {c.get('value')}" for c in variant.get("condition") or []]
    if variant.get("channel"):
        parts.append(f"channel = {variant['channel']}")
    return ", ".join(parts)


def _responses(path: Path, group: str) -> Iterator[Text]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for name, variants in (document.get("responses") or {}).items():
        for index, variant in enumerate(variants or []):
            body = variant.get("text") or ""
            yield Text(key=f"response {name} #{index}", group=group, source_file=_relative(path),
                       body=body, buttons=tuple(b.get("title", "") for b in variant.get("buttons") or []),
                       condition=_condition(variant), links=tuple(LINK.findall(body)))


def _flat(path: Path, prefix: str, group: str, entries: Dict[str, str]) -> Iterator[Text]:
    for name, body in entries.items():
        yield Text(key=f"{prefix} {name}", group=group, source_file=_relative(path), body=str(body),
                   links=tuple(LINK.findall(str(body))))


def _language_lines() -> Iterator[Text]:
    document = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8")) or {}
    for code, entry in (document.get("languages") or {}).items():
        body = entry.get("reply") or ""
        yield Text(key=f"language {code}", group="Crisis line in other languages",
                   source_file=_relative(LANGUAGES_FILE), body=body,
                   condition=entry.get("name", code), links=tuple(LINK.findall(body)))


def _canned_replies() -> Iterator[Text]:
    document = yaml.safe_load(CANNED_REPLIES_FILE.read_text(encoding="utf-8")) or {}
    for entry in document.get("canned_replies") or []:
        body = str(entry.get("text") or "")
        yield Text(key=f"canned {entry.get('key')}", group="Staff prepared replies",
                   source_file=_relative(CANNED_REPLIES_FILE), body=body,
                   condition=f"staff choose \"{entry.get('title')}\"", links=tuple(LINK.findall(body)))


def _email_notice() -> Iterator[Text]:
    document = yaml.safe_load(EMAIL_NOTICE_FILE.read_text(encoding="utf-8")) or {}
    body = f"Subject: {document.get('subject', '')}\n\n{document.get('body', '')}"
    yield Text(key="email reply_waiting", group="Email to a web visitor",
               source_file=_relative(EMAIL_NOTICE_FILE), body=body,
               condition="a staff reply came while their chat page was closed, and they left an address",
               links=tuple(LINK.findall(body)))


def _crisis_lines() -> Iterator[Text]:
    body = format_crisis_lines([CrisisLine(e["region"], e["service"], e["contact"]) for e in DEFAULT_CRISIS_LINES])
    yield Text(key="crisis_lines default", group="Crisis lines (default, unless CRISIS_LINES is set)",
               source_file="bot/settings.py", body=body, links=tuple(LINK.findall(body)))


def _group_of_domain_response(name: str) -> str:
    if "crisis" in name:
        return "Crisis texts"
    if "handoff" in name or "staff" in name:
        return "Handoff texts"
    return "Conversation texts"


def all_texts() -> List[Text]:
    texts: List[Text] = []
    for text in _responses(DOMAIN_FILE, ""):
        name = text.key.split(" ")[1]
        texts.append(Text(**{**text.__dict__, "group": _group_of_domain_response(name)}))
    for path in sorted(RESPONSES_DIR.glob("*.yml")):
        texts.extend(_responses(path, "FAQ answers"))
    texts.extend(_flat(TELEGRAM_TEXTS, "telegram", "Telegram texts",
                       yaml.safe_load(TELEGRAM_TEXTS.read_text(encoding="utf-8")) or {}))
    texts.extend(_flat(WIDGET_TEXTS, "widget", "Website widget texts",
                       json.loads(WIDGET_TEXTS.read_text(encoding="utf-8"))))
    texts.extend(_language_lines())
    texts.extend(_canned_replies())
    texts.extend(_email_notice())
    texts.extend(_crisis_lines())
    return texts
