"""The one HR-only guard for views and whole blueprints."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from ..people import access


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
