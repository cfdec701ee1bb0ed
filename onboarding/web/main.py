"""Home (sends each user to the page for their role), health and error pages."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import login_required

from ..extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    return render_template("main/home.html")


@bp.get("/health")
def health():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


@bp.app_errorhandler(404)
def not_found(_error):
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template("errors/404.html"), 404


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")
