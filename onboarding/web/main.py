"""Home (sends each user to the page for their role), health and error pages."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..people import access

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    """Send each user to the first page of their role: plan, leaders, mentees or cohort."""
    from . import NAV  # the package imports this module to register it

    roles = access.roles_held(current_user)
    for endpoint, _label, role in NAV:
        if role in roles:
            return redirect(url_for(endpoint))
    return render_template("main/home.html")


@bp.get("/health")
def health():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


MESSAGES = {
    400: "The request could not be read",
    404: "Not found",
    405: "Method not allowed",
    415: "Send the body as JSON with Content-Type: application/json",
}


def message_for(exc: HTTPException) -> str:
    """What went wrong, in words a person can act on (the API's JSON and the error pages)."""
    if exc.code == 413:
        limit = request.max_content_length or 0
        return f"The request is too large: this service accepts at most {limit // 1024:,} KB at a time"
    return MESSAGES.get(exc.code, exc.description or exc.name)


def _json_wanted() -> bool:
    # Requests that reach no API view (an oversized body, say) still get the API's JSON.
    return request.path.startswith("/api/")


@bp.app_errorhandler(404)
def not_found(error):
    if _json_wanted():
        return jsonify(message=message_for(error)), 404
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(400)
def bad_request(error):
    if _json_wanted():
        return jsonify(message=message_for(error)), 400
    return render_template("errors/400.html"), 400


@bp.app_errorhandler(413)
def too_large(error):
    if _json_wanted():
        return jsonify(message=message_for(error)), 413
    return render_template("errors/413.html", message=message_for(error)), 413


@bp.app_errorhandler(CSRFError)
def csrf_failed(_error):
    # A form posted without a valid token (expired, or from another site): say so and save nothing.
    return render_template("errors/csrf.html"), 400


@bp.app_errorhandler(500)
def server_error(_error):
    # The page carries the request id the log line has, so a report can be matched to it.
    from .observability import request_id

    db.session.rollback()
    if _json_wanted():
        return jsonify(message="Something went wrong on our side", request_id=request_id()), 500
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # noqa: BLE001 - the layout itself may need what failed (the database)
        return (f"<!DOCTYPE html><title>Sorry, there is a problem with the service</title>"
                f"<h1>Sorry, there is a problem with the service</h1><p>Try again later. Reference "
                f"{request_id()}.</p>"), 500


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template("errors/404.html"), 404


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")
