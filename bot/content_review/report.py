"""One HTML document with every text the assistant can say, for a clinician to review.

Grouped as the assistant uses them (FAQ answers, crisis, handoff, Telegram, widget, other
languages), each with its sources as links, its buttons, when it is used, its sign-off
state and a box for notes. Self-contained (no scripts, no external files), so it can be
mailed, printed or saved as PDF.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from itertools import groupby
from typing import Dict, List

from bot.content_review.signoff import Review, Status
from bot.content_review.texts import LINK, Text

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
BOLD = re.compile(r"\*\*(.+?)\*\*")

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #0b5394; }
article { border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; break-inside: avoid; }
.key { font: 13px ui-monospace, monospace; color: #555; }
.body { white-space: pre-wrap; margin: .5rem 0; }
.placeholder { background: #fff3bf; border-radius: 3px; padding: 0 2px; }
.state { font-size: 14px; font-weight: 600; }
.signed { color: #1b5e20; } .changed { color: #b71c1c; } .unsigned { color: #8a5a00; }
.meta { font-size: 14px; color: #444; }
textarea { width: 100%; min-height: 3rem; font: inherit; }
"""


def _render_body(body: str) -> str:
    parts: List[str] = []
    position = 0
    for match in LINK.finditer(body):
        parts.append(_inline(body[position:match.start()]))
        url = html.escape(match.group(0), quote=True)
        parts.append(f'<a href="{url}">{url}</a>')
        position = match.end()
    parts.append(_inline(body[position:]))
    return "".join(parts)


def _inline(fragment: str) -> str:
    escaped = html.escape(fragment)
    escaped = BOLD.sub(r"<strong>\1</strong>", escaped)
    return PLACEHOLDER.sub(r'<span class="placeholder">{\1}</span>', escaped)


def _state(text: Text, reviews: Dict[str, Review]) -> str:
    review = reviews.get(text.key)
    if review is None:
        return '<p class="state unsigned">Not signed off yet</p>'
    if review.sha256 != text.sha256:
        return (f'<p class="state changed">Changed since {html.escape(review.reviewer)} signed off an '
                f'earlier wording on {html.escape(review.date)}</p>')
    return f'<p class="state signed">Signed off by {html.escape(review.reviewer)} on {html.escape(review.date)}</p>'


def _article(text: Text, reviews: Dict[str, Review]) -> str:
    rows = [f'<p class="key">{html.escape(text.key)} · {html.escape(text.source_file)}</p>']
    if text.condition:
        rows.append(f'<p class="meta">Used when: {html.escape(text.condition)}</p>')
    rows.append(f'<div class="body">{_render_body(text.body)}</div>')
    if text.buttons:
        rows.append('<p class="meta">Buttons: ' + " · ".join(html.escape(b) for b in text.buttons) + "</p>")
    if text.links:
        rows.append('<p class="meta">Sources: ' + ", ".join(
            f'<a href="{html.escape(u, quote=True)}">{html.escape(u)}</a>' for u in text.links) + "</p>")
    rows.append(_state(text, reviews))
    rows.append(f'<label class="meta">Notes<textarea aria-label="Notes on {html.escape(text.key)}"></textarea></label>')
    return "<article>" + "".join(rows) + "</article>"


def render(texts: List[Text], reviews: Dict[str, Review], state: Status, placeholders: Dict[str, str],
           commit: str = "", today: dt.date | None = None) -> str:
    legend = "".join(f"<li><code>{{{html.escape(name)}}}</code>: {html.escape(value) or '(empty)'}</li>"
                     for name, value in sorted(placeholders.items()))
    sections = []
    for group, members in groupby(sorted(texts, key=lambda t: t.group), key=lambda t: t.group):
        articles = "".join(_article(text, reviews) for text in members)
        sections.append(f"<section><h2>{html.escape(group)}</h2>{articles}</section>")
    date = (today or dt.date.today()).isoformat()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Texts of the assistant for review ({date})</title><style>{STYLE}</style></head>
<body><h1>Every text the assistant can say</h1>
<p>{len(texts)} texts, made on {date}{f" from commit {html.escape(commit)}" if commit else ""}:
{len(state.signed)} signed off, {len(state.changed)} changed since sign-off, {len(state.unsigned)} not signed off yet.
Check each against the vetted facts and its sources; write notes in the boxes and print or save as PDF to send them back.</p>
<p>Words in <span class="placeholder">{{braces}}</span> are filled from this deployment's configuration:</p><ul>{legend}</ul>
{''.join(sections)}
</body></html>
"""
