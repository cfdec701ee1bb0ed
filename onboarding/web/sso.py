"""Single sign-on pages: start an OpenID Connect sign-in and take the provider's answer.

Authlib's Flask client runs the authorisation code flow with PKCE (S256), ``state`` and
``nonce`` (kept in the signed session cookie until the answer comes back); its
``authorize_access_token`` checks the state, exchanges the code with the verifier, and checks
the ID token's signature against the provider's JWKS and its iss, aud, exp and nonce claims.
Whom the claims sign in is ``people.sso``; the session that follows is the password sign-in's
own (``auth.start_session``, ``auth.safe_next``). Which password pages SSO-only mode refuses is
``guards.password_refused``.
"""
from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, user_logged_in
from joserfc.errors import JoseError  # Authlib checks ID tokens with joserfc

from ..extensions import db
from ..people import audit, sso
from . import auth, remote_addr

bp = Blueprint("sso", __name__, url_prefix="/auth/oidc")
log = logging.getLogger(__name__)
NEXT_KEY = "sso_next"  # where to go once signed in, kept in the session across the round trip
TIMEOUT_SECONDS = 10  # for each request to the provider (discovery, keys, token, userinfo)


def init_app(app: Flask) -> None:
    problem = sso.settings_problem(sso.settings(app.config))
    if problem:
        raise RuntimeError(problem)
    app.register_blueprint(bp)
    app.context_processor(_template_settings)
    user_logged_in.connect(_note_break_glass)  # once per process: blinker keeps one receiver


def _template_settings() -> dict:
    s = sso.settings(current_app.config)
    return {"sso": {"enabled": s.enabled, "label": s.button_label, "only": s.sso_only}}


def _client():
    """This app's Authlib client, made on first use and again if the settings change."""
    s = sso.settings(current_app.config)
    if not s.enabled:
        abort(404)
    made = current_app.extensions.get("onboarding.sso")
    if made is None or made[0] != s:
        oauth = OAuth()  # one registry per app: apps in one process may have other providers
        oauth.init_app(current_app._get_current_object())
        client = oauth.register(
            "provider", client_id=s.client_id, client_secret=s.client_secret,
            server_metadata_url=s.metadata_url,
            client_kwargs={"scope": s.scopes, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS})
        made = current_app.extensions["onboarding.sso"] = (s, client)
    return made[1]


def redirect_uri() -> str:
    """The address to register with the provider: BASE_URL, not the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("sso.callback")


@bp.get("/login")
def login():
    """Off to the provider. A link, not a form: the page's CSP (form-action 'self') would stop
    a form's redirect to the provider; starting a sign-in for someone signs in nobody else."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    session[NEXT_KEY] = auth.safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(redirect_uri())
    except (requests.RequestException, ValueError) as exc:  # no discovery document
        log.warning("the single sign-on provider did not answer: %s", exc)
        return _refused("Sign-in is not working", "The sign-in service is not answering. Try again in a few minutes.", 502)


@bp.get("/callback")
def callback():
    """The provider's answer: a signed-in session, or a page saying why not (audited)."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    address = remote_addr()
    claims = _checked_claims(client)
    if claims is None:
        db.session.commit()
        return _refused("Sign-in did not work", "We could not complete your sign-in. Start again from the sign-in page.", 400)
    try:
        user = sso.sign_in(claims, claims["iss"], address, sso.settings(current_app.config))
    except sso.Refusal as refusal:
        db.session.commit()  # the refusal's audit
        return _refused("You cannot sign in with this account", str(refusal), 403)
    next_url = session.get(NEXT_KEY)
    auth.start_session(user, address)  # the password sign-in's own: a new session, its lifetime
    db.session.commit()
    return redirect(auth.safe_next(next_url) or url_for("main.home"))


def _checked_claims(client) -> dict | None:
    """The ID token's checked claims, with the email claims from the userinfo endpoint when
    the token has none (providers that keep the ID token small); None, audited, on any failure:
    a state that is not this browser's, an error from the provider, a bad signature or nonce."""
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise ValueError("no ID token in the answer")
        if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
            extra = client.userinfo(token=token)
            if extra.get("sub") == claims.get("sub"):  # OpenID Connect Core 5.3.2
                claims.update({k: extra[k] for k in ("email", "email_verified", "preferred_username") if k in extra})
        return claims
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        error = getattr(exc, "error", None) or type(exc).__name__
        log.info("single sign-on failed: %s", exc)
        audit.record(None, "user.sso_refused", None, remote_addr(), reason="failed", error=str(error)[:100],
                     description=str(getattr(exc, "description", None) or exc)[:200])
        return None


def _refused(title: str, message: str, status: int):
    return render_template("auth/sso_refused.html", title=title, message=message), status


def _note_break_glass(sender, user, **_extra) -> None:
    """A password sign-in by the break-glass account while SSO is the only way in gets an audit
    line of its own, so that HR can see each use."""
    s = sso.settings(current_app.config)
    if s.sso_only and request.endpoint != "sso.callback" and s.is_break_glass(user.email):
        audit.record(user, "user.login_break_glass", user, remote_addr())
