"""Bot texts as Telegram HTML: escaped, light markdown kept, split under the 4096-character limit.

The answers in data/ use a little markdown (**bold**, [title](url), "- " lists). Telegram's
HTML parse mode needs only `<`, `>` and `&` escaped, which makes it the safest to produce:
everything is escaped first, then the few markdown forms become tags.
"""
from __future__ import annotations

import html
import re
from typing import List

TELEGRAM_LIMIT = 4096
# Room for tags added by the conversion, which the source length does not count.
CHUNK_SOURCE_LIMIT = 3500

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BULLET = re.compile(r"^\s*[-*] ", re.MULTILINE)


def to_telegram_html(markdown: str) -> str:
    text = html.escape(markdown, quote=False)
    # The URL is already escaped with the rest; only a quote could still end the attribute.
    text = _LINK.sub(lambda m: f'<a href="{m.group(2).replace(chr(34), "&quot;")}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<b>\1</b>", text)
    return _BULLET.sub("• ", text)


def split_for_telegram(markdown: str, limit: int = CHUNK_SOURCE_LIMIT) -> List[str]:
    """Pieces of at most `limit` characters, cut at paragraph, then line, then word boundaries."""
    pieces: List[str] = []
    current = ""
    for block in _blocks(markdown.strip(), limit):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = block
    if current:
        pieces.append(current)
    return pieces or [""]


def _blocks(text: str, limit: int) -> List[str]:
    blocks: List[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > limit:
            cut = max(paragraph.rfind("\n", 0, limit), paragraph.rfind(" ", 0, limit))
            cut = cut if cut > 0 else limit
            blocks.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        blocks.append(paragraph)
    return [b for b in blocks if b]
