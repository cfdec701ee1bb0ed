"""Home (sends each user to the page for their role), health and error pages."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from ..extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    """Send each user to the first page of their role: plan, leaders, mentees or cohort."""
    from . import NAV, user_roles

    roles = user_roles(current_user)
    for endpoint, _label, role in NAV:
        if role in roles and endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("main/home.html")


@bp.get("/health")
def health():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


@bp.app_errorhandler(404)
def not_found(_error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(CSRFError)
def csrf_failed(_error):
    # A form posted without a valid token (expired, or from another site): say so and save nothing.
    return render_template("errors/csrf.html"), 400


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template("errors/404.html"), 404


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")
