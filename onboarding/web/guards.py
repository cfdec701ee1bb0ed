"""Guards for views: the one HR-only guard for views and whole blueprints, and the one for
password pages when single sign-on is the only way in."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, render_template, request
from flask_login import current_user

from ..extensions import db, login_manager
from ..people import access, audit, sso


def hr_required(view):
    """Sign-in first for anonymous users; anyone signed in without HR rights gets a 404,
    as HR areas do not exist for them (access.is_hr decides)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not access.is_hr(current_user):
            abort(404)
        return view(*args, **kwargs)

    return guarded


def password_refused(email: str | None):
    """When single sign-on is the only way in (SSO_ONLY), a page refusing a password endpoint
    (sign-in, forgotten-password and set-password links) to anyone but the break-glass account
    (403, audited); None when the password may be used."""
    settings = sso.settings(current_app.config)
    if sso.password_allowed(email, settings):
        return None
    audit.record(None, "user.password_refused", None, request.remote_addr, email=(email or "")[:254],
                 endpoint=request.endpoint)
    db.session.commit()
    return render_template("auth/sso_only.html"), 403


def limit_upload(bp, endpoint: str, file_bytes: int) -> None:
    """Refuse a request to ``endpoint`` larger than its file plus room for the multipart wrapping
    and the CSRF token (413). URL value preprocessors run before every before_request function,
    so the limit is in place before the CSRF check reads the form."""
    limit = file_bytes + 56 * 1024

    @bp.url_value_preprocessor
    def _limit(request_endpoint, _values):
        if request_endpoint == endpoint:
            request.max_content_length = limit
