"""HR's playbook pages: the list, upload, versions and their YAML, and the milestone
editor. Routes of the HR blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from .. import playbooks
from ..extensions import db
from ..models import Playbook, PlaybookVersion
from ..playbooks import PlaybookError, editor
from . import hr_forms as forms
from . import remote_addr
from .downloads import attachment
from .hr import _me, bp


def _playbook(slug: str) -> Playbook:
    playbook = playbooks.get_playbook(slug)
    if playbook is None or playbook.latest is None:
        abort(404)
    return playbook


def _version(slug: str, number: int) -> PlaybookVersion:
    version = next((v for v in _playbook(slug).versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.get("/playbooks", endpoint="playbooks")
def playbooks_page():
    items, counts = editor.listing()
    return render_template("hr/playbooks.html", playbooks=items, counts=counts, upload=forms.UploadForm(formdata=None))


# The file plus room for the multipart wrapping and the CSRF token.
UPLOAD_REQUEST_LIMIT = editor.MAX_UPLOAD_BYTES + 56 * 1024


@bp.url_value_preprocessor
def upload_limit(endpoint, _values):
    # URL value preprocessors run before every before_request function, so this limit is
    # in place before the CSRF check reads the form.
    if endpoint == "hr.playbook_upload":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


@bp.post("/playbooks/upload")
def playbook_upload():
    form = forms.UploadForm()
    problems = []
    if form.validate():
        upload = form.file.data
        try:
            version, created = editor.upload(upload.read(), upload.filename or "upload.yaml", _me(), remote_addr())
        except PlaybookError as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems]
            form.file.errors.append(f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved")
        else:
            db.session.commit()
            flash(f"{version.playbook.slug}: {'published as version' if created else 'unchanged at version'} {version.number}.", "success")
            return redirect(url_for("hr.playbook_version", slug=version.playbook.slug, number=version.number))
    items, counts = editor.listing()
    return render_template("hr/playbooks.html", playbooks=items, counts=counts, upload=form, form=form, problems=problems), 400


@bp.get("/playbooks/<slug>")
def playbook(slug: str):
    latest = _playbook(slug).latest
    return redirect(url_for("hr.playbook_version", slug=slug, number=latest.number))


def _version_page(version: PlaybookVersion, status: int = 200, form=None, problems=()):
    is_latest = version.playbook.latest.id == version.id
    return render_template("hr/playbook_version.html", version=version, is_latest=is_latest,
                           form=form, problems=list(problems)), status


@bp.get("/playbooks/<slug>/v<int:number>")
def playbook_version(slug: str, number: int):
    return _version_page(_version(slug, number))


@bp.get("/playbooks/<slug>/v<int:number>.yaml")
def playbook_yaml(slug: str, number: int):
    version = _version(slug, number)
    return attachment(playbooks.to_yaml(playbooks.content_of(version)), "application/yaml", f"{slug}.yaml")


def _milestone_form(version: PlaybookVersion, **kwargs) -> forms.MilestoneForm:
    form = forms.MilestoneForm(**kwargs)
    form.phase.choices = forms.opts((p["key"], p["title"]) for p in version.phases)
    return form


def _publish(version: PlaybookVersion, change):
    """Apply ``change`` to a draft of the latest version and publish it; returns a
    response either way."""
    content = editor.draft(version)
    try:
        change(content)
        new, created = editor.publish(content, _me(), remote_addr())
    except editor.EditorError as exc:
        db.session.rollback()
        return None, str(exc)
    except PlaybookError as exc:
        db.session.rollback()
        return None, exc.problems
    db.session.commit()
    if created:
        flash(f"Published as version {new.number}. Plans already running keep the version they started on.", "success")
    else:
        flash("Nothing changed, so no new version was published.", "info")
    return redirect(url_for("hr.playbook_version", slug=new.playbook.slug, number=new.number)), None


def _latest_or_404(slug: str) -> PlaybookVersion:
    return _playbook(slug).latest


@bp.route("/playbooks/<slug>/milestones/new", methods=["GET", "POST"])
def milestone_add(slug: str):
    version = _latest_or_404(slug)
    form = _milestone_form(version, data={"required": True} if request.method == "GET" else None)
    problems = []
    if form.validate_on_submit():
        response, error = _publish(version, lambda c: editor.add_milestone(c, form.data))
        if response is not None:
            return response
        problems = _attach(form, error)
    status = 400 if request.method == "POST" else 200
    return render_template("hr/milestone_form.html", version=version, form=form, milestone=None, problems=problems), status


@bp.route("/playbooks/<slug>/milestones/<key>", methods=["GET", "POST"])
def milestone_edit(slug: str, key: str):
    version = _latest_or_404(slug)
    template = next((t for t in version.templates if t.key == key), None)
    if template is None:
        abort(404)
    if request.method == "GET":
        form = _milestone_form(version, obj=template)
    else:
        form = _milestone_form(version)
        form.key.data = key  # the key never changes
    problems = []
    if form.validate_on_submit():
        response, error = _publish(version, lambda c: editor.edit_milestone(c, key, form.data))
        if response is not None:
            return response
        problems = _attach(form, error)
    status = 400 if request.method == "POST" else 200
    return render_template("hr/milestone_form.html", version=version, form=form, milestone=template, problems=problems), status


def _attach(form, error) -> list[str]:
    """Put an editor error on the form; return validator problems to list."""
    if isinstance(error, str):
        form.title.errors.append(error[0].upper() + error[1:])
        return []
    form.title.errors.append("The playbook would not be valid; nothing was saved")
    return [p.message for p in error]


@bp.post("/playbooks/<slug>/milestones/<key>/<any(remove, up, down):action>")
def milestone_action(slug: str, key: str, action: str):
    version = _latest_or_404(slug)
    template = next((t for t in version.templates if t.key == key), None)
    if template is None:
        abort(404)
    form = forms.MilestoneActionForm()
    if not form.validate():
        return _version_page(version, 400, form)
    if action == "remove":
        change = lambda c: editor.remove_milestone(c, key)  # noqa: E731
    else:
        change = lambda c: editor.move(c, key, action)  # noqa: E731
    response, error = _publish(version, change)
    if response is not None:
        return response
    if isinstance(error, str):
        form.form_errors.append(error[0].upper() + error[1:])
        problems = []
    else:
        form.form_errors.append("The playbook would not be valid; nothing was saved")
        problems = [p.message for p in error]
    return _version_page(version, 400, form, problems)


