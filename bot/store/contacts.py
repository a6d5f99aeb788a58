"""A web visitor's choice of how to hear of a staff reply (bot/store/models.VisitorContact).

Written by the web app when the visitor chooses in the widget, and when a staff reply could
not be shown to them live; the email notices (bot/email_notices.py) read and clear it.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import VisitorContact, as_utc, utcnow

# "telegram" is set by bot/store/telegram_links.py when the visitor's Telegram chat joins.
CHOICES = ("device", "email", "telegram")
# What the widget may choose itself.
WIDGET_CHOICES = ("device", "email")
# Plain enough to refuse typing slips, loose enough for every real address.
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"'.]{2,63}$")
# At most one email per conversation in this time, however many replies come.
ONE_NOTICE_PER = timedelta(minutes=30)


def valid_email(address: str) -> bool:
    return len(address) <= 254 and bool(EMAIL.match(address))


def choose(session: Session, conversation_id: str, choice: str, email: Optional[str] = None) -> VisitorContact:
    if choice not in CHOICES or (choice == "email" and not valid_email(email or "")):
        raise ValueError("choice must be 'device', 'telegram', or 'email' with a valid address")
    contact = session.get(VisitorContact, conversation_id) or VisitorContact(conversation_id=conversation_id)
    contact.choice, contact.email, contact.chosen_at = choice, email if choice == "email" else None, utcnow()
    session.add(contact)
    return contact


def choice_of(session: Session, conversation_id: str) -> Optional[VisitorContact]:
    return session.get(VisitorContact, conversation_id)


def reply_waits(session: Session, conversation_id: str) -> bool:
    """A staff reply could not be shown live: announce it if the visitor left an address."""
    contact = session.get(VisitorContact, conversation_id)
    if contact is None or contact.choice != "email":
        return False
    contact.notice_pending = True
    return True


def due_notices(session: Session, now: Optional[datetime] = None) -> List[VisitorContact]:
    """Pending notices whose conversation has not been emailed within ONE_NOTICE_PER."""
    now = now or utcnow()
    pending = session.execute(select(VisitorContact).where(
        VisitorContact.notice_pending.is_(True), VisitorContact.choice == "email")).scalars()
    return [c for c in pending if c.last_notice_at is None or as_utc(c.last_notice_at) <= now - ONE_NOTICE_PER]


def notice_sent(session: Session, conversation_id: str) -> None:
    contact = session.get(VisitorContact, conversation_id)
    if contact is not None:
        contact.notice_pending, contact.last_notice_at = False, utcnow()

