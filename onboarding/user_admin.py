"""HR's user administration: deactivate and reactivate, grant and remove HR.
Nobody can lock themselves out: HR cannot deactivate themselves or drop their own
HR rights. Callers commit."""
from __future__ import annotations

import sqlalchemy as sa

from . import audit
from .accounts import AccountError
from .extensions import db
from .models import User, new_token


def set_active(user: User, active: bool, actor: User, remote_addr=None) -> None:
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account", "user")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.security_stamp = new_token()  # ends their sessions and spends invite links
    audit.record(actor, "user.reactivate" if active else "user.deactivate", user, remote_addr, email=user.email)


def set_hr(user: User, is_hr: bool, actor: User, remote_addr=None) -> None:
    if user.id == actor.id and not is_hr:
        raise AccountError("You cannot remove your own HR rights; ask another HR user", "user")
    if user.is_hr == is_hr:
        return
    user.is_hr = is_hr
    audit.record(actor, "user.grant_hr" if is_hr else "user.remove_hr", user, remote_addr, email=user.email)


def listing() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name, User.email)))


def active_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name, User.email)))
