"""Users: creation, argon2 password hashing, signing in, and single-use set-password
links. No Flask request in here."""
from __future__ import annotations

import contextlib
import logging
import unicodedata

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import Plan, User, UserSession, new_token
from ..models.storable import is_storable
from ..nudges import mail, sent_log
from . import access, audit, mfa, passwords, sessions, sso, throttle

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
GENERIC_FAILURE = "Enter a correct email address and password"
LOCKED = "Too many failed attempts. Wait 15 minutes and try again."
LINK_USED = "This set-password link has already been used"
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
RESET_SALT = "reset-password"  # a reset link is not an invite link: each has its own lifetime
RESET_SENT = "If an account exists for that address, we have sent a link to set a new password"
RESET_LOCKED = "Too many requests for a link. Wait an hour and try again."
WRONG_CURRENT = "Your current password is not correct"


class AccountError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def find_user(email: str) -> User | None:
    email = User.normalise_email(email)
    if not is_storable(email):  # no such user, and PostgreSQL would refuse the query
        return None
    return db.session.scalar(db.select(User).filter_by(email=email))


def password_problem(password: str) -> str | None:
    return passwords.problem(password)


def set_password(user: User, password: str, keep_session: UserSession | None = None) -> None:
    """Set the password and end every session of the user but ``keep_session``.

    The change only applies if nobody changed the user's security stamp since ``user`` was
    read, so one single-use link sets a password once even when used twice at the same
    moment (the second gets AccountError(LINK_USED) with no field)."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, "password")
    password_hash = _hasher.hash(password)
    if user.id is None:  # a new user, not written yet
        user.password_hash, user.security_stamp = password_hash, new_token()
        return
    changed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.security_stamp == user.security_stamp)
        .values(password_hash=password_hash, security_stamp=new_token())  # the new stamp spends invite links
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise AccountError(LINK_USED)
    db.session.expire(user, ["password_hash", "security_stamp"])
    sessions.end_all_for_user(user, keep=keep_session)


def check_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy(), password or "")
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
    if not _printable(name):
        raise AccountError("Name must not contain control characters (such as tabs or line breaks)", "name")
    if find_user(email) is not None:
        raise AccountError(f"A user with the email {email} already exists", "email")
    user = User(email=email, name=name, is_hr=is_hr, active=True)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, remote_addr, email=email, hr=is_hr)
    return user


# Joiners (ZWNJ, ZWJ) belong in names in several scripts; other format characters, such as
# the right-to-left override, only disguise what a name says.
_NAME_JOINERS = {"\u200c", "\u200d"}


def _printable(text: str) -> bool:
    return all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or ch in _NAME_JOINERS
               for ch in text)


# --- signing in -----------------------------------------------------------------------------


def sign_in(email: str, password: str, remote_addr: str | None, policy: throttle.Policy) -> User:
    """The user whose email and password these are, or AccountError (GENERIC_FAILURE, or
    LOCKED when throttled). Every failure is audited.

    Commits twice: the attempt is counted (throttle.reserve) and committed *before* the
    slow password check, so concurrent guesses see each other; then the failure is
    recorded. On success the caller starts the session and commits."""
    email = User.normalise_email(email)
    if not is_storable(email):  # no account has such an address; nothing to count or record
        raise AccountError(GENERIC_FAILURE, "password")
    allowed = throttle.reserve(email, remote_addr, policy)
    db.session.commit()
    user = find_user(email)
    if allowed and check_password(user, password) and user.active:
        throttle.release(email, remote_addr, policy)
        if not mfa.is_enabled(user):  # else the login is recorded once the second step passes (mfa.verify)
            sessions.record_sign_in(user, remote_addr)
        return user
    audit.record(None, "user.login_failed", user, remote_addr, email=email[:254], locked=not allowed)
    db.session.commit()
    raise AccountError(GENERIC_FAILURE if allowed else LOCKED, "password")


# --- set-password links ---------------------------------------------------------------------


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def invite_token(user: User, secret_key: str, salt: str = INVITE_SALT) -> str:
    """A signed link token; it stops working once the password is set (the stamp changes).
    ``salt`` tells an invite (INVITE_SALT) from a forgotten-password link (RESET_SALT)."""
    return _serializer(secret_key, salt).dumps({"u": user.id, "s": user.security_stamp})


def user_for_invite(token: str, secret_key: str, max_age: int, salt: str = INVITE_SALT) -> User | None:
    try:
        data = _serializer(secret_key, salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.security_stamp != data.get("s"):
        return None
    return user


def invite_url(user: User, config) -> str:
    """The user's single-use set-password link on the service's base URL (``config`` is the app's)."""
    return f"{config['BASE_URL'].rstrip('/')}/set-password/{invite_token(user, config['SECRET_KEY'])}"


def invite(user: User, config, sent_by: User | None = None) -> tuple[str, bool]:
    """The user's set-password link, and whether it was emailed to them too. A mail failure
    must not undo the invite: HR is shown the link either way. The email says who sent it
    (``sent_by``, the HR user) and what the user is invited for (``invited_for``). When single
    sign-on is the only way in, the link is the sign-in page and the email says to use SSO."""
    by_sso = sso.invites_by_sso(user, settings := sso.settings(config))
    link = f"{config['BASE_URL'].rstrip('/')}/login" if by_sso else invite_url(user, config)
    details = invited_for(user) | {"sent_by": sent_by.name if sent_by is not None else None,
                                   "sso_label": settings.button_label if by_sso else None}
    try:
        subject = mail.send_invite(user, link, details)
        sent_log.record(user.email, subject, "invite")
    except Exception:  # any mail failure: the link on screen still works
        logging.getLogger(__name__).exception("could not send the invite email to %s", user.email)
        return link, False
    return link, True


def invited_for(user: User) -> dict:
    """What an invite tells the user they are invited for: their open plan as its leader,
    else the first they sponsor, mentor or peer mentor (``role`` and ``plan``), else HR or nothing."""
    for role in ("leader", "sponsor", "mentor", "peer_mentor"):
        plan = db.session.scalars(
            access.plans_in_role(user, role).where(Plan.is_open).order_by(Plan.start_date.desc(), Plan.id.desc()).limit(1)
        ).first()
        if plan is not None:
            return {"role": role, "plan": plan}
    return {"role": "hr" if user.is_hr else None, "plan": None}


# --- forgotten passwords and changing one's own ------------------------------------------------


def reset_policy(config) -> throttle.Policy:
    """How many forgotten-password links one address may ask for, per account and address,
    per account and per address, in PASSWORD_RESET_WINDOW_SECONDS."""
    return throttle.Policy(config["PASSWORD_RESET_MAX_REQUESTS"], config["PASSWORD_RESET_MAX_PER_ACCOUNT"],
                           config["PASSWORD_RESET_MAX_PER_ADDRESS"], config["PASSWORD_RESET_WINDOW_SECONDS"])


def request_reset(email: str, remote_addr: str | None, config) -> bool:
    """Email a single-use link to set a new password (lifetime PASSWORD_RESET_MAX_AGE) to the
    active user with this address, if there is one; False only when throttled. The caller
    answers the same (RESET_SENT) whether or not the address exists. Commits.

    Requests are counted like sign-in failures but under keys of their own, so asking for
    links never locks anyone out of signing in; every request counts, sent or not."""
    email = User.normalise_email(email)
    if not is_storable(email) or "@" not in email:
        return True
    allowed = throttle.reserve(f"reset:{email}", f"reset|{remote_addr or 'unknown'}", reset_policy(config))
    db.session.commit()
    if not allowed:
        return False
    user = find_user(email)
    if user is None or not user.active:
        return True
    link = f"{config['BASE_URL'].rstrip('/')}/reset-password/{invite_token(user, config['SECRET_KEY'], RESET_SALT)}"
    audit.record(None, "user.password_reset_requested", user, remote_addr)
    db.session.commit()
    try:
        subject = mail.send_password_reset(user, link)
        sent_log.record(user.email, subject, "password_reset")
    except Exception:  # the answer is the same either way; the log says what went wrong
        logging.getLogger(__name__).exception("could not send the password reset email to user %s", user.id)
    return True


def user_for_reset(token: str, config) -> User | None:
    return user_for_invite(token, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"], RESET_SALT)


def change_password(user: User, current: str, new: str, keep_session: UserSession | None, remote_addr: str | None,
                    policy: throttle.Policy) -> None:
    """A signed-in user's own change: the new password must pass the policy and the current
    one must be right (guesses count against sign-in's limits, as they are the same guess).
    Ends every other session of the user. Raises AccountError naming ``current_password`` or
    ``password``. Commits the attempt count; the caller commits the change."""
    if problem := password_problem(new):
        raise AccountError(problem, "password")
    allowed = throttle.reserve(user.email, remote_addr, policy)
    db.session.commit()
    if not (allowed and check_password(user, current)):
        audit.record(user, "user.change_password_failed", user, remote_addr, locked=not allowed)
        db.session.commit()
        raise AccountError(WRONG_CURRENT if allowed else LOCKED, "current_password")
    throttle.release(user.email, remote_addr, policy)
    set_password(user, new, keep_session=keep_session)
    audit.record(user, "user.change_password", user, remote_addr)


def record_invite_link(user: User, actor: User, remote_addr=None) -> bool:
    """Audit HR showing a fresh set-password link; only an active user with no password yet
    has one (False, nothing written, for anyone else)."""
    if not user.active or user.password_hash:
        return False
    audit.record(actor, "user.invite_link", user, remote_addr)
    return True
