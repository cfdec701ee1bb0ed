"""Web layer: blueprints with thin views over the domain modules."""
from __future__ import annotations

from flask import Flask, request

from ..extensions import db, login_manager
from ..models import User
from ..people import access, sessions


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401 (hr_plans, hr_playbooks, hr_users and its hr_people add routes to hr.bp; leader_supporters and leader_concerns to leader.bp)
        account,
        api,
        api_tailoring,
        assets,
        auth,
        calendar,
        converters,
        exports,
        hr,
        hr_audit,
        hr_directory,
        hr_hooks,
        hr_plans,
        hr_playbooks,
        hr_reports,
        hr_users,
        leader,
        leader_concerns,
        leader_pulses,
        leader_supporters,
        leader_tailoring,
        main,
        mentor,
        mfa,
        outbox,
        reference,
        security,
        sponsor,
        sso,
        tokens_admin,
    )

    converters.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    from . import observability, ops

    observability.init_app(app)  # request ids, the request histogram, the log format
    app.register_blueprint(ops.bp)  # /metrics and /health/ready
    for module in (auth, main, leader, mentor, sponsor, hr, outbox, tokens_admin, account, calendar, exports, api, reference, mfa):
        app.register_blueprint(module.bp)
    sso.init_app(app)  # single sign-on: its pages, the sign-in button's settings
    app.context_processor(navigation)
    _init_login()


def _init_login() -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # Only a live server-side session signs anyone in (the cookie alone proves nothing
        # once signed out); the remember-me cookie is never set, so it cannot either.
        row = current_user_session()
        if row is None or user_id != str(row.user_id):
            return None
        if sessions.touch(row):
            db.session.commit()  # before the view starts changing anything
        return row.user


def session_limits() -> sessions.Limits:
    from flask import current_app

    return sessions.Limits(current_app.config["SESSION_MAX_SECONDS"], current_app.config["SESSION_IDLE_SECONDS"])


SESSION_ID_KEY = "sid"  # the raw server-side session id in the signed cookie


def current_user_session():
    """The live UserSession this request's cookie names, or None (looked up once a request)."""
    from flask import session

    if "onboarding.user_session" not in request.environ:
        request.environ["onboarding.user_session"] = sessions.lookup(session.get(SESSION_ID_KEY), session_limits())
    return request.environ["onboarding.user_session"]


# (endpoint, label, who sees it): each role's pages, in the order the home page tries them.
NAV = (
    ("leader.my_plan", "My plan", "leader"),
    ("sponsor.dashboard", "My leaders", "sponsor"),
    ("mentor.plans", "Mentoring", "mentor"),
    ("mentor.supporting", "Supporting", "supporter"),  # buddies, assistants, peer mentors
    ("hr.attention", "Needs attention", "hr"),
    ("hr.cohort", "Cohort", "hr"),
    ("hr.equity", "Equity of support", "hr"),
    ("hr.new_plan", "Start a plan", "hr"),
    ("hr.playbooks", "Playbooks", "hr"),
    ("hr.users", "Users", "hr"),
    ("hr.directory", "Who's who", "hr"),
    ("hr.integrations", "Teams and webhooks", "hr"),
    ("outbox.index", "Outbox", "hr"),
    ("tokens_admin.index", "API tokens", "hr"),
    ("hr.audit", "Audit trail", "hr"),
)


def navigation() -> dict:
    from flask import url_for
    from flask_login import current_user

    roles = access.roles_held(current_user)
    items = [
        {"href": url_for(ep), "text": label, "current": request.endpoint == ep}
        for ep, label, role in NAV
        if role in roles
    ]
    return {"nav_items": items, "user_roles": roles}


def remote_addr() -> str | None:
    return request.remote_addr
