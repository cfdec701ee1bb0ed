"""Signed-in browser sessions, kept on the server so that they can end: on sign-out, after
a fixed lifetime, after a spell of inactivity, and when a password changes, a user is
deactivated or loses HR rights. No Flask request in here; callers commit.

The browser's cookie holds only a random id; the table keeps its SHA-256, so a copy of
the database cannot be turned into working cookies.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User, UserSession, utcnow
from . import audit

# Noting activity on every page would write on every read; to the minute is enough for a
# 30-minute idle limit.
TOUCH_RESOLUTION = timedelta(minutes=1)
MAX_RAW_LENGTH = 100


@dataclass(frozen=True)
class Limits:
    max_seconds: int  # from sign-in, however active
    idle_seconds: int  # since the last request


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def start(user: User, limits: Limits, remote_addr: str | None = None) -> tuple[UserSession, str]:
    """A new session for ``user``. Returns the row and the raw id for the cookie.

    The user's sessions that can no longer be used are deleted here, so the table holds
    only what may still sign someone in (plus at most an idle spell's worth of the rest)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        sa.delete(UserSession)
        .where(UserSession.user_id == user.id,
               sa.or_(UserSession.ended_at.is_not(None),
                      UserSession.created_at <= now - timedelta(seconds=limits.max_seconds),
                      UserSession.last_seen_at <= now - timedelta(seconds=limits.idle_seconds)))
        .execution_options(synchronize_session=False)
    )
    row = UserSession(user=user, token_hash=_hash(raw), created_at=now, last_seen_at=now,
                      remote_addr=(remote_addr or "")[:64] or None)
    db.session.add(row)
    return row, raw


def record_sign_in(user: User, remote_addr: str | None, now: datetime | None = None, **details) -> None:
    """Note a completed sign-in, however it was made (password, second factor, single sign-on,
    a set-password link): when, and an audit event saying how."""
    user.last_login_at = now or utcnow()
    audit.record(user, "user.login", user, remote_addr, **details)


def is_live(row: UserSession, limits: Limits, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        row.ended_at is None
        and row.created_at > now - timedelta(seconds=limits.max_seconds)
        and row.last_seen_at > now - timedelta(seconds=limits.idle_seconds)
    )


def lookup(raw: str | None, limits: Limits, now: datetime | None = None) -> UserSession | None:
    """The live session with this raw id, with its user loaded; None when it has ended,
    expired, or belongs to a deactivated user."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_RAW_LENGTH:
        return None
    row = db.session.scalar(
        sa.select(UserSession).options(joinedload(UserSession.user)).where(UserSession.token_hash == _hash(raw))
    )
    if row is None or not is_live(row, limits, now) or not row.user.active:
        return None
    return row


def touch(row: UserSession, now: datetime | None = None) -> bool:
    """Note activity, at most once per TOUCH_RESOLUTION. Returns whether it wrote."""
    now = now or utcnow()
    if now - row.last_seen_at < TOUCH_RESOLUTION:
        return False
    # A conditional update, so a session that ended meanwhile stays ended.
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return True


def end(row: UserSession | None, now: datetime | None = None) -> None:
    if row is not None and row.ended_at is None:
        row.ended_at = now or utcnow()


def end_all_for_user(user: User, keep: UserSession | None = None, now: datetime | None = None) -> int:
    """End every open session of ``user`` except ``keep``. Returns how many ended."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
