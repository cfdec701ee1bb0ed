"""Users: creation, argon2 password hashing, single-use set-password links and
sign-in throttling. No Flask request in here."""
from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import audit
from .extensions import db
from .models import LoginThrottle, User, new_token, utcnow

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB: above OWASP ASVS appendix C minimums
_dummy_hash: str | None = None


def configure_hasher(time_cost: int, memory_cost: int) -> None:
    """Tests lower the cost to keep the suite fast; production keeps the defaults."""
    global _hasher, _dummy_hash
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_cost):
        _hasher, _dummy_hash = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost), None


def _dummy() -> str:
    # Verified against when the email is unknown, so timing does not reveal which emails exist.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password")
    return _dummy_hash
INVITE_SALT = "set-password"


class AccountError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=User.normalise_email(email)))


def password_problem(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    return None


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = _hasher.hash(password)
    user.security_stamp = new_token()  # ends other sessions and spends invite links


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_dummy(), password or "")
        except VerificationError:
            pass
        return False
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def create_user(email: str, name: str, *, is_hr: bool = False, password: str | None = None, actor=None, remote_addr=None) -> User:
    email = User.normalise_email(email)
    if not email or "@" not in email or len(email) > 254 or " " in email:
        raise AccountError("Enter an email address like name@nhs.net", "email")
    name = (name or "").strip()
    if not name:
        raise AccountError("Enter the person's name", "name")
    if len(name) > 120:
        raise AccountError("Name must be 120 characters or fewer", "name")
    if find_user(email) is not None:
        raise AccountError(f"A user with the email {email} already exists", "email")
    user = User(email=email, name=name, is_hr=is_hr, active=True)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, remote_addr, email=email, hr=is_hr)
    return user


# --- set-password links ---------------------------------------------------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=INVITE_SALT)


def invite_token(user: User, secret_key: str) -> str:
    """A signed link token; it stops working once the password is set (the stamp changes)."""
    return _serializer(secret_key).dumps({"u": user.id, "s": user.security_stamp})


def user_for_invite(token: str, secret_key: str, max_age: int) -> User | None:
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.security_stamp != data.get("s"):
        return None
    return user


# --- sign-in throttling ---------------------------------------------------------------------


def _throttle(key: str) -> LoginThrottle | None:
    return db.session.scalar(db.select(LoginThrottle).filter_by(key=key))


def is_locked(keys: list[str]) -> bool:
    now = utcnow()
    for key in keys:
        row = _throttle(key)
        if row is not None and row.locked_until and row.locked_until > now:
            return True
    return False


def record_failure(keys: list[str], max_failures: int, lock_seconds: int) -> None:
    now = utcnow()
    for key in keys:
        row = _throttle(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, first_failure_at=now)
            db.session.add(row)
        if row.first_failure_at < now - timedelta(seconds=lock_seconds):
            row.failures, row.first_failure_at = 0, now
        row.failures += 1
        if row.failures >= max_failures:
            row.locked_until = now + timedelta(seconds=lock_seconds)


def clear_failures(keys: list[str]) -> None:
    for key in keys:
        row = _throttle(key)
        if row is not None:
            db.session.delete(row)
