"""Single sign-on through OpenID Connect: its settings, and whom a provider's checked claims
sign in. Sign-in only ever finds people: an active user with the verified email address, or
one already linked to the provider's subject; nobody is created. No Flask request in here:
web/sso.py runs the authorisation code flow (Authlib: PKCE, state, nonce, the ID token's
signature and claims) and hands the claims here. Callers commit.

The email address (``email_address``): a provider that says ``email_verified: true`` is
believed; one that says false is refused. Entra ID sends no ``email_verified`` at all, so an
address without it matches only when OIDC_TRUST_EMAIL is set (the ``email`` claim, else
``preferred_username``): right for a single-tenant issuer whose administrators own the
addresses, such as NHSmail's, never for a provider where people choose their own.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa

from ..extensions import db
from ..models import User
from ..models.storable import is_storable
from . import audit, sessions

MAX_CLAIM = 255  # the columns' length; OpenID Connect caps a subject at 255 ASCII characters


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    button_label: str
    trust_email: bool
    sso_only: bool
    break_glass_email: str

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def is_break_glass(self, email: str | None) -> bool:
        return bool(self.break_glass_email) and User.normalise_email(email or "") == self.break_glass_email


def settings(config: Mapping) -> Settings:
    """The SSO settings from the app's config (the OIDC_* keys, SSO_ONLY, BREAK_GLASS_EMAIL)."""
    return Settings(
        issuer=(config.get("OIDC_ISSUER") or "").strip(),
        client_id=(config.get("OIDC_CLIENT_ID") or "").strip(),
        client_secret=config.get("OIDC_CLIENT_SECRET") or "",
        scopes=(config.get("OIDC_SCOPES") or "openid email profile").strip(),
        button_label=(config.get("OIDC_BUTTON_LABEL") or "Sign in with NHSmail").strip(),
        trust_email=bool(config.get("OIDC_TRUST_EMAIL")),
        sso_only=bool(config.get("SSO_ONLY")),
        break_glass_email=User.normalise_email(config.get("BREAK_GLASS_EMAIL") or ""),
    )


def settings_problem(s: Settings) -> str | None:
    """What is wrong with the SSO settings (the app does not start with a problem), or None. Tokens
    and codes cross to the issuer, so it must be https (plain http only on this machine's
    loopback, for tests)."""
    if not s.enabled:
        # SSO the only way in, with no SSO: nobody but the break-glass account could sign in.
        return "ONBOARDING_SSO_ONLY needs ONBOARDING_OIDC_ISSUER and ONBOARDING_OIDC_CLIENT_ID" if s.sso_only else None
    parts = urlsplit(s.issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        return f"ONBOARDING_OIDC_ISSUER must be an https address, not {s.issuer}"
    if "openid" not in s.scopes.split():
        return f"ONBOARDING_OIDC_SCOPES must include openid, not {s.scopes!r}"
    return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def password_allowed(email: str | None, s: Settings) -> bool:
    """Whether this address may use a password (sign in, forgotten-password, set-password
    links): always, unless SSO is the only way in; then only the break-glass account."""
    return not s.sso_only or s.is_break_glass(email)


def invites_by_sso(user: User, s: Settings) -> bool:
    """Whether an invite tells ``user`` to sign in with SSO rather than set a password."""
    return s.enabled and s.sso_only and not s.is_break_glass(user.email)


class Refusal(Exception):
    """Why a provider's sign-in signs nobody in here: ``reason`` for the audit trail, the
    message for the person."""

    def __init__(self, reason: str, message: str, email: str | None = None):
        super().__init__(message)
        self.reason, self.email = reason, email


ASK_HR = "Ask your HR team"


def email_address(claims: Mapping, trust_email: bool) -> str:
    """The address in the claims that may match a user (see the module's docstring), or Refusal."""
    verified = claims.get("email_verified")
    names = ("email", "preferred_username") if verified is None and trust_email else ("email",)
    email = next((User.normalise_email(claims[n]) for n in names
                  if isinstance(claims.get(n), str) and "@" in claims[n]), None)
    if email is None or len(email) > 254 or not is_storable(email):
        raise Refusal("no_email", f"Your sign-in service did not give us your email address. {ASK_HR} for help.")
    if verified is True or (verified is None and trust_email):
        return email
    raise Refusal("unverified", f"Your sign-in service has not confirmed that {email} is your address, so it "
                                f"cannot sign you in here. {ASK_HR} for help.", email)


def linked_user(issuer: str, subject: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))


def sign_in(claims: Mapping, issuer: str, remote_addr: str | None, s: Settings) -> User:
    """The user these checked claims (``sub``, ``email``, ``email_verified``...) from ``issuer``
    sign in, linking the subject to the user at their first sign-in; or Refusal. Success is
    audited as the password's is (``user.login``, via single sign-on; ``user.sso_linked`` once),
    a refusal as ``user.sso_refused`` with its reason."""
    try:
        user = _match(claims, issuer, s)
    except Refusal as refusal:
        audit.record(None, "user.sso_refused", None, remote_addr, reason=refusal.reason,
                     email=(refusal.email or "")[:254], issuer=issuer[:MAX_CLAIM])
        raise
    if user.oidc_subject is None:
        user.oidc_issuer, user.oidc_subject = issuer, claims["sub"]
        audit.record(user, "user.sso_linked", user, remote_addr, issuer=issuer)
    sessions.record_sign_in(user, remote_addr, via="single sign-on")
    return user


def _match(claims: Mapping, issuer: str, s: Settings) -> User:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_CLAIM or len(issuer) > MAX_CLAIM:
        raise Refusal("no_subject", f"Your sign-in service sent an answer we cannot use. {ASK_HR} for help.")
    user = linked_user(issuer, subject)
    if user is None:
        email = email_address(claims, s.trust_email)
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            raise Refusal("unknown", f"There is no account for {email} in this service. {ASK_HR} to invite you "
                                     "with that address.", email)
        if user.oidc_subject is not None:  # someone else's sign-in once had this address
            raise Refusal("linked_elsewhere", f"The account for {email} is linked to a different single sign-on "
                                              f"account. {ASK_HR} to check it.", email)
    if not user.active:
        raise Refusal("inactive", f"The account for {user.email} has been closed. {ASK_HR} if you need it again.",
                      user.email)
    return user


def unlink(user: User, actor: User | None, remote_addr: str | None = None) -> bool:
    """Forget the subject linked to ``user`` (their provider account was replaced): their next
    single sign-on links afresh by email. Returns whether there was one."""
    if user.oidc_subject is None:
        return False
    audit.record(actor, "user.sso_unlinked", user, remote_addr, issuer=user.oidc_issuer)
    user.oidc_issuer = user.oidc_subject = None
    return True
