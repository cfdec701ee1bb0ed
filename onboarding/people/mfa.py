"""Two-factor authentication for password sign-in: TOTP (RFC 6238, 30-second steps, 6 digits:
what Microsoft Authenticator, Google Authenticator and the like show) and ten single-use
recovery codes. No Flask request in here; callers commit unless a function says it commits.

**The secret** is stored encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from
``cryptography``, already installed for Authlib), its key derived from the app's SECRET_KEY by
HKDF: a copy of the database alone gives no one the codes. Changing SECRET_KEY therefore makes
every secret unreadable: people then sign in with a recovery code, or HR resets their
two-factor, and they set it up again. The secret is shown once, while it is being set up, and
never after it is switched on.

**Recovery codes** are 16 characters from a 32-letter alphabet (80 random bits), kept as their
SHA-256: a hash that cannot be reversed by trying every code, since there are 2^80 of them, and
cheap enough to compare against ten codes on each sign-in (argon2, built to slow the guessing of
low-entropy passwords, would cost ten slow hashes for no gain).

**Codes** are accepted one 30-second step either side of the server's clock. The last step a
code was accepted for is kept, and that code and any older one are refused after it (the one
conditional UPDATE makes two requests with the same code at the same moment accept only one).
Wrong codes count against the sign-in limits of ``throttle`` under keys of their own.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..extensions import db
from ..models import RecoveryCode, TwoFactor, TwoFactorPolicy, User, utcnow
from . import audit, sessions, throttle

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read off a screen or paper
RECOVERY_LENGTH = 16

WRONG_CODE = "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes"
WRONG_SETUP_CODE = "Enter the 6-digit code your authenticator app shows now"
USED_CODE = "That code has already been used. Wait for your app to show a new one"
LOCKED = "Too many wrong codes. Wait 15 minutes and try again."
UNREADABLE = ("Your authenticator app's set-up can no longer be read on this service. "
              "Use a recovery code, or ask your HR team to reset your two-factor authentication")
REQUIRED = "Your organisation requires two-factor authentication, so it cannot be switched off"


class MfaError(ValueError):
    def __init__(self, message: str, field: str = "code"):
        super().__init__(message)
        self.field = field


# --- the secret, encrypted --------------------------------------------------------------------


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"onboarding two-factor secret").derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode("ascii")).decode("ascii")


def _decrypt(row: TwoFactor, secret_key: str) -> str | None:
    try:
        return _fernet(secret_key).decrypt(row.secret_encrypted.encode("ascii")).decode("ascii")
    except InvalidToken:
        return None


# --- state --------------------------------------------------------------------------------------


def _row(user: User) -> TwoFactor | None:
    return db.session.scalar(sa.select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_enabled(user: User) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_not(None)))) or False


def is_required() -> bool:
    """HR's setting: everyone who signs in with a password must use two-factor."""
    return bool(db.session.scalar(sa.select(TwoFactorPolicy.required).where(TwoFactorPolicy.id == 1)))


def set_required(required: bool, actor: User, remote_addr: str | None = None) -> bool:
    """Change HR's setting; False when it already was so. Applies from each person's next sign-in."""
    row = db.session.get(TwoFactorPolicy, 1)
    if (row.required if row else False) == required:
        return False
    if row is None:
        row = TwoFactorPolicy(id=1)
        db.session.add(row)
    row.required, row.changed_at, row.changed_by_id = required, utcnow(), actor.id
    audit.record(actor, "two_factor.required" if required else "two_factor.not_required", None, remote_addr)
    return True


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def step_at(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp()) // STEP_SECONDS


# --- setting up -------------------------------------------------------------------------------


def start_setup(user: User, secret_key: str) -> str:
    """The secret of ``user``'s set-up in progress, made now if there is none. Refused
    (MfaError) once two-factor is on: the secret is never shown again."""
    row = _row(user)
    if row is not None and row.confirmed_at is not None:
        raise MfaError("Two-factor authentication is already on", "user")
    if row is not None and (secret := _decrypt(row, secret_key)) is not None:
        return secret
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    if row is None:
        db.session.add(TwoFactor(user_id=user.id, secret_encrypted=_encrypt(secret, secret_key)))
    else:
        row.secret_encrypted, row.created_at = _encrypt(secret, secret_key), utcnow()
    return secret


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The otpauth:// address as an inline SVG QR code, titled for screen readers."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=4, title=title, svgclass="app-qr-code",
                                                 dark="#000", light="#fff")


def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _step_matching(secret: str, code: str, now: datetime) -> int | None:
    """The time step, one either side of ``now``'s, whose code is ``code``; None if none."""
    totp, current = pyotp.TOTP(secret), step_at(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _throttle_keys(user: User, remote_addr: str | None) -> tuple[str, str]:
    # Keys of their own: wrong codes lock the second step, never the password form's counts.
    return f"2fa:{user.email}", f"2fa|{remote_addr or 'unknown'}"


def confirm(user: User, code: str, secret_key: str, policy: throttle.Policy, remote_addr: str | None = None,
            now: datetime | None = None) -> list[str]:
    """Switch two-factor on with a current code from the app; returns the ten recovery codes,
    to be shown once. MfaError when the code is wrong (counted like a wrong sign-in code).
    Commits the attempt count."""
    now = now or utcnow()
    row = _row(user)
    if row is None or row.confirmed_at is not None:
        raise MfaError("Start setting up two-factor authentication again", "user")
    account, address = _throttle_keys(user, remote_addr)
    allowed = throttle.reserve(account, address, policy, now)
    db.session.commit()
    code = _normalise(code)
    secret = _decrypt(row, secret_key)
    step = _step_matching(secret, code, now) if allowed and secret and code.isdigit() and len(code) == DIGITS else None
    if step is None:
        audit.record(user, "user.two_factor_setup_failed", user, remote_addr, locked=not allowed)
        db.session.commit()
        raise MfaError(WRONG_SETUP_CODE if allowed else LOCKED)
    throttle.release(account, address, policy)
    row.confirmed_at, row.last_used_step = now, step
    codes = _new_recovery_codes(user, now)
    audit.record(user, "user.two_factor_on", user, remote_addr)
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c), created_at=now) for c in codes)
    return [format_recovery_code(c) for c in codes]


def format_recovery_code(code: str) -> str:
    """"abcd-efgh-jkmn-pqrs": four groups of four, easier to copy by hand."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- the second step of signing in --------------------------------------------------------------


def verify(user: User, code: str, secret_key: str, policy: throttle.Policy, remote_addr: str | None = None,
           now: datetime | None = None) -> str:
    """Check a sign-in's second step: a current code from the app ("app") or an unused recovery
    code ("recovery code"), each accepted once. MfaError otherwise (wrong, reused, or too many
    tries). On success the login is audited and the caller starts the session and commits.
    Commits the attempt count before checking, and a failure after."""
    now = now or utcnow()
    account, address = _throttle_keys(user, remote_addr)
    allowed = throttle.reserve(account, address, policy, now)
    db.session.commit()
    problem = LOCKED
    if allowed:
        code = _normalise(code)
        if code.isdigit() and len(code) == DIGITS:
            problem = _accept_app_code(user, code, secret_key, now)
            via = "app"
        else:
            problem = None if _spend_recovery_code(user, code, now) else WRONG_CODE
            via = "recovery code"
    if problem is None:
        throttle.release(account, address, policy)
        sessions.record_sign_in(user, remote_addr, now, second_factor=via)
        return via
    audit.record(None, "user.two_factor_failed", user, remote_addr, locked=not allowed, reused=problem == USED_CODE)
    db.session.commit()
    raise MfaError(problem)


def _accept_app_code(user: User, code: str, secret_key: str, now: datetime) -> str | None:
    """None when ``code`` is right and newer than the last accepted; else what is wrong."""
    row = _row(user)
    if row is None or row.confirmed_at is None:
        return WRONG_CODE
    secret = _decrypt(row, secret_key)
    if secret is None:
        return UNREADABLE
    step = _step_matching(secret, code, now)
    if step is None:
        return WRONG_CODE
    accepted = db.session.execute(
        sa.update(TwoFactor)
        .where(TwoFactor.id == row.id, sa.or_(TwoFactor.last_used_step.is_(None), TwoFactor.last_used_step < step))
        .values(last_used_step=step).execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(row, ["last_used_step"])
    return None if accepted else USED_CODE


def _spend_recovery_code(user: User, code: str, now: datetime) -> bool:
    if len(code) != RECOVERY_LENGTH or not code.isascii():
        return False
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    return bool(spent)


# --- switching off -----------------------------------------------------------------------------


def _remove(user: User) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(TwoFactor).where(TwoFactor.user_id == user.id)
                       .execution_options(synchronize_session=False))


def switch_off(user: User, password_ok: bool, remote_addr: str | None = None) -> None:
    """The user's own choice, after entering their password again (``password_ok``, judged by
    accounts.check_password under sign-in's throttle); refused while HR requires two-factor."""
    if is_required():
        raise MfaError(REQUIRED, "password")
    if not password_ok:
        raise MfaError("Your password is not correct", "password")
    _remove(user)
    audit.record(user, "user.two_factor_off", user, remote_addr)


def reset(user: User, actor: User, remote_addr: str | None = None) -> None:
    """HR's reset for a lost device: two-factor off, recovery codes gone, every session of the
    user ended; they set it up again at their next sign-in if HR requires it."""
    _remove(user)
    ended = sessions.end_all_for_user(user)
    audit.record(actor, "user.two_factor_reset", user, remote_addr, email=user.email, sessions_ended=ended)
