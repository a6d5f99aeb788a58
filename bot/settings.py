"""Deployment settings, read from environment variables (and an optional `.env`).

Everything a clinic changes per deployment lives here: organisation name, staff
hours, crisis resources, database URL. Content that clinicians review (the wording
of answers) lives in data files; this module only supplies the values those texts
are filled with.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from sqlalchemy.engine import URL, make_url

from bot.staff_hours import describe_schedule, staff_at_work

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The defaults from shared/content/FACTS.md ("Crisis resources"). A deployment overrides
# them with CRISIS_LINES (a JSON list of {"region", "service", "contact"}).
DEFAULT_CRISIS_LINES = [
    {"region": "US and Canada", "service": "988 Suicide & Crisis Lifeline", "contact": "call or text 988 (veterans press 1)"},
    {"region": "UK and Ireland", "service": "Samaritans", "contact": "call 116 123 (free, 24/7)"},
    {"region": "Australia", "service": "Lifeline", "contact": "call 13 11 14"},
    {"region": "Anywhere else", "service": "Find a Helpline", "contact": "https://findahelpline.com"},
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
    # When staff actually work, machine-readable (see bot/staff_hours.py), and its time zone.
    staff_schedule: str = "Mon-Fri 09:00-17:00"
    staff_timezone: str = "UTC"
    # The web app (widget, staff console) and how it reaches the Rasa server's HTTP API.
    web_port: int = 8000
    rasa_url: str = "http://localhost:5005"
    rasa_api_token: str = ""
    # Where browsers reach the Rasa server's socket.io channel (the widget's server address).
    rasa_public_url: str = "http://localhost:5005"
    tracker_database_url: str = ""
    # Conversations older than this many days are deleted by `python -m bot purge`.
    retention_days: int = 90
    # Set STAFF_COOKIE_SECURE=false only for plain-HTTP development off localhost.
    cookie_secure: bool = True
    public_url: str = "http://localhost:8000"
    # Signs the session tokens of web conversations (bot/conversation_ids.py).
    web_session_secret: str = ""
    # Where requests for a person wait while the handoff store cannot be written (bot/store/outbox.py).
    handoff_outbox_dir: Path = PROJECT_ROOT / "var" / "handoff_outbox"
    # With several Rasa replicas: the Redis that carries socket.io messages between them, so a
    # staff reply sent through one reaches a visitor connected to another (empty: one replica).
    socketio_redis_url: str = ""
    # The reverse proxies (addresses or networks) whose X-Real-IP names the client: the
    # web app's throttles count per client (bot/web/throttle.py).
    trusted_proxies: Tuple[str, ...] = ("127.0.0.1", "::1")
    # How to reach the clinic itself, said by the contact_clinic answer; empty ones are left out.
    clinic_phone: str = ""
    clinic_email: str = ""
    booking_url: str = ""
    clinic_address: str = ""
    # Email that a staff reply is waiting, for web visitors who leave an address
    # (bot/email_notices.py); no SMTP_HOST, no email offer in the widget.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = ""
    # The clinic's page with the chat widget, where the email sends the visitor back.
    chat_page_url: str = ""
    # The Telegram bot's @username (without the @): a web visitor waiting for staff may
    # continue the conversation in Telegram (t.me/<username>?start=<one-time code>,
    # bot/store/telegram_links.py); unset, not offered.
    telegram_bot_username: str = ""


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


def _with_environment(text: str) -> str:
    """`${VAR}` replaced from the environment, as Rasa reads its endpoints file."""
    return re.sub(r"\$\{([^}]+)\}", lambda match: os.environ.get(match.group(1), ""), text)


# The `type:` of an SQL tracker store in an endpoints file: Rasa's, or ours built on it.
SQL_TRACKER_STORES = ("SQL", "BOT.RASA_SIDE.TRACKER_STORE.PATIENTSQLTRACKERSTORE")


def tracker_url_from_endpoints(endpoints_file: Path) -> Optional[str]:
    """The SQLAlchemy URL of the SQL tracker store an endpoints file gives Rasa (None if not SQL)."""
    if not endpoints_file.is_file():
        return None
    config = yaml.safe_load(_with_environment(endpoints_file.read_text(encoding="utf-8"))) or {}
    store = config.get("tracker_store") or {}
    if str(store.get("type", "")).upper() not in SQL_TRACKER_STORES:
        return None
    dialect = store.get("dialect") or "sqlite"
    if dialect == "sqlite":
        if not store.get("db"):  # endpoints.yml names ${TRACKER_SQLITE_PATH}; scripts/env.sh defaults it
            return default_tracker_database_url()
        path = Path(str(store["db"]))
        return f"sqlite:///{path if path.is_absolute() else PROJECT_ROOT / path}"
    port = store.get("port")
    return URL.create(dialect, username=store.get("username") or None, password=store.get("password") or None,
                      host=store.get("url") or store.get("host") or None, port=int(port) if port else None,
                      database=store.get("db") or None).render_as_string(hide_password=False)


def _same_database(first: str, second: str) -> bool:
    a, b = make_url(first), make_url(second)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return (a.host or "localhost", a.port or 5432, a.database) == (b.host or "localhost", b.port or 5432, b.database)


def tracker_database_url(env: Dict[str, str]) -> str:
    """Where erasure and purge find Rasa's tracker store: the database the endpoints file
    gives Rasa. TRACKER_DATABASE_URL may name it too (with other credentials, say), but
    one that names another database stops start-up: erasure would delete nothing there
    and still tell the person their conversation was deleted."""
    endpoints_file = Path(env.get("RASA_ENDPOINTS") or "endpoints.yml")
    from_endpoints = tracker_url_from_endpoints(
        endpoints_file if endpoints_file.is_absolute() else PROJECT_ROOT / endpoints_file)
    explicit = env.get("TRACKER_DATABASE_URL")
    if explicit and from_endpoints and not _same_database(explicit, from_endpoints):
        raise ValueError(
            f"TRACKER_DATABASE_URL names another database than the tracker store in {endpoints_file} "
            f"({make_url(from_endpoints).render_as_string(hide_password=True)}); set it to that "
            "database, or leave it unset to use the endpoints file's")
    return explicit or from_endpoints or default_tracker_database_url()


def default_tracker_database_url() -> str:
    """The SQLite tracker store of endpoints.yml (TRACKER_SQLITE_PATH, relative to the project)."""
    path = Path(os.environ.get("TRACKER_SQLITE_PATH", "var/rasa_tracker.db"))
    return f"sqlite:///{path if path.is_absolute() else PROJECT_ROOT / path}"


def rasa_api_token() -> str:
    """RASA_API_TOKEN, else the one `make run` generated into var/ (never committed)."""
    token = os.environ.get("RASA_API_TOKEN", "")
    generated = PROJECT_ROOT / "var" / "rasa_api_token"
    if not token and generated.is_file():
        token = generated.read_text().strip()
    return token


def machine_secret(variable: str, file_name: str) -> str:
    """A secret from the environment, else this machine's own under var/ (made once, private,
    never committed). Every process of one machine reads the same file; a clinic running
    several machines sets the variable on all of them."""
    value = os.environ.get(variable, "")
    if value:
        return value
    path = PROJECT_ROOT / "var" / file_name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place, so a process starting at the same moment
        # reads either nothing yet or the whole secret, and only one secret wins.
        draft = path.with_name(f".{file_name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as secret_file:
            secret_file.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_settings() -> Settings:
    """Reads and checks the configuration; a value that cannot work fails here, at start-up."""
    load_dotenv()
    env = os.environ
    web_port = int(env.get("WEB_PORT", "8000"))
    rasa_url = env.get("RASA_URL") or f"http://localhost:{env.get('RASA_PORT', '5005')}"
    staff_schedule = env.get("STAFF_SCHEDULE", "Mon-Fri 09:00-17:00")
    staff_timezone = env.get("STAFF_TIMEZONE", "UTC")
    settings = Settings(
        org_name=env.get("ORG_NAME", "the clinic"),
        # Said in every handoff message. Unset, it is STAFF_SCHEDULE in words, so the hours
        # the bot tells people and the hours it uses to decide "someone is at work now" agree.
        staff_hours=env.get("STAFF_HOURS") or describe_schedule(staff_schedule, staff_timezone),
        emergency_number=env.get("EMERGENCY_NUMBER", "your local emergency number (911, 999, 112 or 000)"),
        crisis_lines=_crisis_lines(env.get("CRISIS_LINES")),
        database_url=env.get("HANDOFF_DATABASE_URL") or env.get("DATABASE_URL") or default_database_url(),
        staff_schedule=staff_schedule,
        staff_timezone=staff_timezone,
        web_port=web_port,
        rasa_url=rasa_url,
        rasa_api_token=rasa_api_token(),
        rasa_public_url=env.get("RASA_PUBLIC_URL") or rasa_url,
        tracker_database_url=tracker_database_url(env),
        retention_days=int(env.get("RETENTION_DAYS", "90")),
        cookie_secure=env.get("STAFF_COOKIE_SECURE", "true").lower() != "false",
        public_url=env.get("PUBLIC_URL") or f"http://localhost:{web_port}",
        web_session_secret=machine_secret("WEB_SESSION_SECRET", "web_session_secret"),
        socketio_redis_url=env.get("SOCKETIO_REDIS_URL", ""),
        handoff_outbox_dir=Path(env.get("HANDOFF_OUTBOX_DIR") or PROJECT_ROOT / "var" / "handoff_outbox"),
        trusted_proxies=tuple(a.strip() for a in env.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if a.strip()),
        clinic_phone=env.get("CLINIC_PHONE", ""),
        clinic_email=env.get("CLINIC_EMAIL", ""),
        booking_url=env.get("BOOKING_URL", ""),
        clinic_address=env.get("CLINIC_ADDRESS", ""),
        smtp_host=env.get("SMTP_HOST", ""),
        smtp_port=int(env.get("SMTP_PORT", "587")),
        smtp_username=env.get("SMTP_USERNAME", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_starttls=env.get("SMTP_STARTTLS", "true").lower() != "false",
        mail_from=env.get("MAIL_FROM", ""),
        chat_page_url=env.get("CHAT_PAGE_URL") or env.get("PUBLIC_URL") or f"http://localhost:{web_port}",
        telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", "").strip().lstrip("@"),
    )
    staff_at_work(settings.staff_schedule, settings.staff_timezone)  # raises on a bad schedule or zone
    return settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    """This process's settings: read once, at start-up, and shared by everything in it."""
    return load_settings()


def format_clinic_contact(config: "Settings") -> str:
    """The clinic's configured ways in, one per line; empty when none is configured (the
    contact_clinic answer then offers staff instead, data/responses/faq_clinic.yml)."""
    ways = (("Book", config.booking_url), ("Phone", config.clinic_phone),
            ("Email", config.clinic_email), ("Address", config.clinic_address))
    return "\n".join(f"- {label}: {value}" for label, value in ways if value)


def format_crisis_lines(lines: List[CrisisLine]) -> str:
    """One line per region, as a short list a phone screen shows well."""
    return "\n".join(f"- {line.region}: {line.service}, {line.contact}" for line in lines)
