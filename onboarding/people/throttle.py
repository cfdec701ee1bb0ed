"""Sign-in throttling. No Flask request in here.

Failures are counted in fixed windows under three keys: one account from one address
(the tight limit), one account from anywhere (stops guessing spread over many addresses)
and one address to any account (high, because a whole NHS trust may reach us through one
NAT or proxy address, and five bad tries there must not lock everyone out).

Every attempt is counted *before* its password is checked, by an atomic
INSERT ... ON CONFLICT DO UPDATE ... RETURNING: concurrent attempts each get their own
count, so at most the limit are ever checked and none fails on the unique key. A sign-in
that succeeds gives its count back.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import LoginThrottle, utcnow

KEY_MAX = 300  # LoginThrottle.key


@dataclass(frozen=True)
class Policy:
    per_account_and_address: int
    per_account: int
    per_address: int
    window_seconds: int

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                   config["LOGIN_MAX_FAILURES_PER_ADDRESS"], config["LOGIN_LOCK_SECONDS"])


def _key(kind: str, *parts: str) -> str:
    key = f"{kind}:{'|'.join(parts)}"
    if len(key) > KEY_MAX:  # an address from a proxy header can be any length
        key = f"{kind}:sha256:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"
    return key


def _keys(email: str, address: str | None, policy: Policy) -> list[tuple[str, int]]:
    """Narrowest first: an attempt refused by a narrow key is not counted against wider ones,
    so one hammered account does not use up its address's allowance."""
    address = address or "unknown"
    return [
        (_key("pair", address, email), policy.per_account_and_address),
        (_key("account", email), policy.per_account),
        (_key("address", address), policy.per_address),
    ]


def _count(key: str, window: timedelta, now: datetime) -> tuple[int, datetime]:
    """Add one to ``key``'s count in the current window; returns the count and the window start."""
    table = LoginThrottle.__table__
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    window_over = table.c.first_failure_at <= now - window
    statement = insert(table).values(key=key, failures=1, first_failure_at=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": sa.case((window_over, 1), else_=table.c.failures + 1),
            "first_failure_at": sa.case((window_over, now), else_=table.c.first_failure_at),
            "locked_until": sa.case((window_over, None), else_=table.c.locked_until),
        },
    ).returning(table.c.failures, table.c.first_failure_at)
    failures, started = db.session.execute(statement).one()
    return failures, started


def reserve(email: str, address: str | None, policy: Policy, now: datetime | None = None) -> bool:
    """Count an attempt to sign in as ``email`` from ``address``; False when a limit is
    already used up (then do not check the password). The caller commits at once, before
    checking the password, so that concurrent attempts see this one."""
    now = now or utcnow()
    window = timedelta(seconds=policy.window_seconds)
    for key, limit in _keys(email, address, policy):
        failures, started = _count(key, window, now)
        if failures == limit:  # the last allowed attempt: note until when the key is locked
            db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                               .values(locked_until=started + window).execution_options(synchronize_session=False))
        if failures > limit:
            return False
    return True


def release(email: str, address: str | None, policy: Policy) -> None:
    """The attempt succeeded: clear the account's counts and give the address its one back."""
    pair, account, address_key = (key for key, _limit in _keys(email, address, policy))
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_([pair, account]))
                       .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == address_key, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1, locked_until=None)
        .execution_options(synchronize_session=False)
    )
