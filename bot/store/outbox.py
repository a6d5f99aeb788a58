"""Requests for a person that could not be written to the handoff store yet.

When the store is busy or unreachable, the request is kept on this machine's disk
(HANDOFF_OUTBOX_DIR, var/handoff_outbox/ by default: one small JSON file per
conversation, so asking twice keeps one request, the more urgent one, from the first
time) and written as soon as the store answers again: by the process that kept it, which
retries with back-off, and by the web app every half minute (after a crash, say). The
ticket then carries the time the person asked, so the queue shows how long they have
waited, and the staff group gets the alert it would have had (bot/staff_alerts.py). The file holds the conversation id, channel, priority and reason, never words.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Set

from sqlalchemy.exc import SQLAlchemyError

from bot.staff_alerts import alert_staff
from bot.store.models import Priority, utcnow
from bot.store.tickets import HandoffResult, request_handoff

logger = logging.getLogger(__name__)
RETRY_FIRST_SECONDS, RETRY_MOST_SECONDS = 1.0, 60.0
_delivering: Set[asyncio.Task] = set()


@dataclass(frozen=True)
class PendingRequest:
    conversation_id: str
    channel: str
    priority: str
    reason: str
    requested_at: str  # ISO 8601, UTC


def _file_for(directory: Path, conversation_id: str) -> Path:
    return directory / f"{hashlib.sha256(conversation_id.encode()).hexdigest()[:32]}.json"


def keep(directory: Path, conversation_id: str, channel: str, priority: Priority, reason: str) -> PendingRequest:
    """Keeps the request until it can be written; raises OSError if it cannot be kept either."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _file_for(directory, conversation_id)
    request = PendingRequest(conversation_id, channel, priority.value, reason, utcnow().isoformat())
    earlier = _read(path)
    if earlier is not None:
        urgent = Priority.urgent.value in (earlier.priority, request.priority)
        request = PendingRequest(conversation_id, channel,
                                 Priority.urgent.value if urgent else request.priority,
                                 request.reason if request.priority == Priority.urgent.value else earlier.reason,
                                 earlier.requested_at)
    temporary = path.with_suffix(".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(asdict(request), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)  # a reader sees the old request or the new one, never half
    return request


def _read(path: Path) -> Optional[PendingRequest]:
    try:
        return PendingRequest(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def pending(directory: Path) -> List[Path]:
    return sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime) if directory.exists() else []


@dataclass(frozen=True)
class Written:
    request: PendingRequest
    result: HandoffResult


def deliver_pending(database_url: str, directory: Path) -> List[Written]:
    """Writes every kept request to the store (oldest first); stops at the first failure.
    Returns what was written."""
    written: List[Written] = []
    for path in pending(directory):
        request = _read(path)
        if request is None:
            logger.error("Unreadable handoff request left in the outbox: %s", path.name)
            continue
        try:
            result = request_handoff(database_url, request.conversation_id, request.channel,
                                     Priority(request.priority), request.reason,
                                     requested_at=datetime.fromisoformat(request.requested_at))
        except SQLAlchemyError:
            logger.warning("Handoff store still unavailable; %d request(s) wait in the outbox", len(pending(directory)))
            break
        path.unlink(missing_ok=True)
        written.append(Written(request, result))
        logger.info("Kept handoff request written as ticket %s", result.ticket_id)
    return written


def alert_for(written: List[Written], console_url: str) -> None:
    """The staff group alert each newly written (or newly urgent) ticket would have had."""
    for item in written:
        if not item.result.already_queued or item.result.raised_to_urgent:
            alert_staff(item.result.ticket_id, item.result.priority.value, item.request.reason,
                        item.result.raised_to_urgent, console_url)


async def deliver_and_alert(database_url: str, directory: Path, console_url: str) -> int:
    written = await asyncio.get_running_loop().run_in_executor(None, deliver_pending, database_url, directory)
    alert_for(written, console_url)
    return len(written)


async def keep_delivering(database_url: str, directory: Path, console_url: str) -> None:
    """Retries with back-off (1 s doubling to 60 s) until the outbox is empty."""
    delay = RETRY_FIRST_SECONDS
    while pending(directory):
        await deliver_and_alert(database_url, directory, console_url)
        if not pending(directory):
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MOST_SECONDS)


def ensure_delivery(database_url: str, directory: Path, console_url: str) -> None:
    """Starts this process's retry task, unless one is already running."""
    if any(not task.done() for task in _delivering):
        return
    task = asyncio.get_running_loop().create_task(keep_delivering(database_url, directory, console_url))
    _delivering.add(task)
    task.add_done_callback(_delivering.discard)
