"""Staff accounts and login sessions: argon2 password hashes, lockout, expiring sessions.

A session cookie carries a random token; the database keeps only its SHA-256, so a
copy of the database cannot be used to log in. Each session has its own CSRF token.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.models import Role, StaffSession, StaffUser, as_utc, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LoginRefused(Exception):
    """Wrong email or password; the message is safe to show."""


class AccountLocked(LoginRefused):
    """Too many wrong passwords in a row."""


@dataclass(frozen=True)
class LoginResult:
    token: str
    csrf_token: str
    staff: StaffUser


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session: Session, email: str, display_name: str, password: str, role: Role = Role.staff) -> StaffUser:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    email = email.strip().lower()
    if session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one_or_none():
        raise ValueError(f"An account for {email} already exists")
    user = StaffUser(email=email, display_name=display_name.strip() or email.split("@")[0],
                     password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def log_in(session: Session, email: str, password: str) -> LoginResult:
    """Checks the password; five wrong ones in a row lock the account for 15 minutes."""
    user = session.execute(
        select(StaffUser).where(StaffUser.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None or not user.active:
        _password_matches(_DUMMY_HASH, password)
        raise LoginRefused("Wrong email or password")
    now = utcnow()
    if user.locked_until and as_utc(user.locked_until) > now:
        raise AccountLocked("This account is locked after too many wrong passwords; try again later")
    if not _password_matches(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        raise LoginRefused("Wrong email or password")
    user.failed_logins = 0
    user.locked_until = None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_digest(token), csrf_token=csrf, staff_id=user.id,
                             expires_at=now + SESSION_LIFETIME))
    return LoginResult(token, csrf, user)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def session_for_token(session: Session, token: Optional[str]) -> Optional[StaffSession]:
    if not token:
        return None
    found = session.execute(
        select(StaffSession).where(StaffSession.token_hash == _digest(token))
    ).scalar_one_or_none()
    if found is None or as_utc(found.expires_at) <= utcnow() or not found.staff.active:
        return None
    return found


def log_out(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def csrf_matches(staff_session: StaffSession, presented: Optional[str]) -> bool:
    return bool(presented) and secrets.compare_digest(staff_session.csrf_token, presented)
