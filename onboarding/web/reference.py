"""Reference pages: the glossary (/glossary, open to anyone: the shipped file holds no personal
data, and emails link to it) and the who's who in NHS digital (/whos-who, signed-in users: HR may
upload its content). HR's upload and download of the who's who are in hr_reference.py.

Every template render gets its own ``terms`` (a playbooks.marking.Marker), so pages expand each
glossary abbreviation the first time they show it."""
from __future__ import annotations

import calendar

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User
from ..people import access
from ..playbooks import glossary, marking, whos_who
from .forms import Form

bp = Blueprint("reference", __name__)

MAX_QUERY = 100  # characters of a glossary search that are used


@bp.app_context_processor
def glossary_terms() -> dict:
    """A fresh marker for each template render: "first use" is per page."""
    return {"terms": marking.Marker(glossary.load(), url_for("reference.glossary"))}


@bp.get("/glossary", endpoint="glossary")
def glossary_page():
    """Every term, or those matching ?q= (filtered here, so it works without JavaScript)."""
    found = glossary.load()
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY]
    shown = found.search(query) if query else list(found.terms)
    return render_template("reference/glossary.html", terms_shown=shown, query=query, reviewed=month(found.reviewed))


@bp.get("/whos-who", endpoint="whos_who")
@login_required
def whos_who_page():
    return whos_who_response()


def whos_who_response(form: Form | None = None, problems=(), status: int = 200):
    """The page, with HR's upload form (and the problems of a refused file)."""
    found, upload = whos_who.current()
    is_hr = access.is_hr(current_user)
    if is_hr and form is None:
        form = hr_reference.WhosWhoUploadForm(formdata=None)
    return render_template("reference/whos_who.html", whos_who=found, reviewed=month(found.reviewed), upload=upload,
                           uploaded_by=db.session.get(User, upload.uploaded_by_id) if upload and upload.uploaded_by_id else None,
                           is_hr=is_hr, upload_form=form, form=form if form is not None and form.errors else None,
                           problems=list(problems)), status


def month(value: str) -> str:
    """"2026-11" as "November 2026"."""
    year, number = value.split("-")
    return f"{calendar.month_name[int(number)]} {year}"


# HR's upload and download join the HR blueprint (imported with this module, before it is registered).
from . import hr_reference  # noqa: E402
