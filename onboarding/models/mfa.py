"""Two-factor authentication for password sign-in (people.mfa): each user's TOTP secret, their
single-use recovery codes, and HR's one setting requiring it. Times are naive UTC."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .core import User


class TwoFactor(db.Model):
    """A user's authenticator app. Switched on once confirmed with a code (``confirmed_at``);
    until then it is a set-up in progress. The secret is stored encrypted (people.mfa says how)."""

    __tablename__ = "two_factor"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The last 30-second time step whose code was accepted: that code, and older ones, never work again.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of a user's ten recovery codes: only its SHA-256 is kept; spent once used."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class TwoFactorPolicy(db.Model):
    """HR's setting: one row (id 1), or none (not required)."""

    __tablename__ = "two_factor_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    required: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
