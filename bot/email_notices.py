"""Email a web visitor that a staff reply is waiting (never what it says).

The web app marks a notice pending when a staff reply could not be shown live
(bot/store/contacts.py) and sends it at once; whatever could not be sent (the mail server
down, a 30-minute gap not yet over) is sent by the web app's sweep, so no notice is lost.
Sent with Python's smtplib (STARTTLS unless SMTP_STARTTLS=false); the address is never
logged. The words are in data/notices/reply_waiting.yml.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from functools import lru_cache
from typing import Dict

import yaml

from bot.settings import PROJECT_ROOT, Settings
from bot.store import contacts
from bot.store.sessions import session_factory

logger = logging.getLogger(__name__)
NOTICE_FILE = PROJECT_ROOT / "data" / "notices" / "reply_waiting.yml"


@lru_cache(maxsize=1)
def notice_text() -> Dict[str, str]:
    return yaml.safe_load(NOTICE_FILE.read_text(encoding="utf-8"))


def compose(settings: Settings, to: str) -> EmailMessage:
    text = notice_text()
    fill = {"org_name": settings.org_name, "chat_page_url": settings.chat_page_url,
            "emergency_number": settings.emergency_number}
    message = EmailMessage()
    message["From"] = settings.mail_from or f"no-reply@{settings.smtp_host}"
    message["To"] = to
    message["Subject"] = text["subject"].format(**fill)
    message.set_content(text["body"].format(**fill))
    return message


def _send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


def send_due_notices(settings: Settings) -> int:
    """Sends every notice that is due; returns how many went. A failure leaves it pending."""
    if not settings.smtp_host:
        return 0
    sent = 0
    factory = session_factory(settings.database_url)
    with factory() as session:
        due = [(c.conversation_id, c.email) for c in contacts.due_notices(session)]
    for conversation_id, address in due:
        try:
            _send(settings, compose(settings, address))
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("A reply-waiting email could not be sent (%s); it is kept and tried again",
                           type(error).__name__)
            continue
        with factory.begin() as session:
            contacts.notice_sent(session, conversation_id)
        sent += 1
    return sent
