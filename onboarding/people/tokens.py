"""API tokens: issue, list, revoke and authenticate. Callers commit.

A token is shown once when issued; only its SHA-256 is stored, so a copy of the
database does not hand out working tokens.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import ApiToken, User, get_by_id, utcnow
from . import audit

PREFIX = "onb_"  # makes a leaked token easy to recognise in logs and secret scanners
MAX_NAME = 80
# Recording every use would write on every read; once a minute is enough to spot idle tokens.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The audit trail notes a token's first use each (UTC) day, read off last_used_at at no extra
# query: every request would bury the trail under a polling client's reads (the request log has
# those), while once a day still says which tokens act, as whom and from where.


class TokenError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create(user: User | None, name: str = "", actor=None, remote_addr: str | None = None) -> tuple[ApiToken, str]:
    """Issue a token acting as ``user``. Returns the row and the raw token (shown once)."""
    if user is None:
        raise TokenError("Enter the email address of an existing user", "user")
    if not user.active:
        raise TokenError(f"{user.email} is deactivated, so cannot be given a token", "user")
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise TokenError(f"Label must be {MAX_NAME} characters or fewer", "name")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(raw), created_by_id=getattr(actor, "id", None))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.create", token, remote_addr, user=user.email, name=name)
    return token, raw


def list_tokens(user: User | None = None, include_revoked: bool = True) -> list[ApiToken]:
    query = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query))


def get(token_id: int) -> ApiToken | None:
    return get_by_id(ApiToken, token_id)


def revoke(token: ApiToken, actor=None, remote_addr: str | None = None) -> None:
    if token.revoked_at is not None:
        raise TokenError(f"Token {token.id} is already revoked")
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", token, remote_addr, user=token.user.email, name=token.name)


def authenticate(raw: str | None, remote_addr: str | None = None) -> User | None:
    """The active user a live token acts as, or None. Notes the use, and audits the first
    of the day (the caller commits)."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or token.last_used_at.date() != now.date():
        audit.record(token.user, "api_token.use", token, remote_addr, name=token.name)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user
