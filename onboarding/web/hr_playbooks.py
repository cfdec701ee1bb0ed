"""HR's playbook pages: the list, upload, versions and their YAML, and starting a draft
(of a playbook, a copy of one, or a new one). The draft editor is hr_playbook_drafts.py.
Routes of the HR blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from .. import plans, playbooks
from ..extensions import db
from ..models import Playbook, PlaybookVersion
from ..playbooks import PlaybookError, drafts, editor, sources
from . import playbook_forms as forms
from . import remote_addr
from .downloads import attachment, audited
from .guards import limit_upload
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
    return _list_page(forms.PlaybookUploadForm(formdata=None))


def _list_page(upload, problems=(), status: int = 200):
    items, counts = editor.listing()
    return render_template("hr/playbooks.html", playbooks=items, counts=counts, drafts=_draft_rows(), upload=upload,
                           form=upload if upload.errors else None, problems=list(problems),
                           reviews={p.id: _review(p.latest) for p in items if p.latest}), status


def _review(version) -> dict:
    """The latest version's review record as the list shows it, and whether it is due."""
    return {"month": sources.date_words(version.reviewed) if version.reviewed else "",
            "by": version.next_review_by or "", "due": sources.review_due(version.reviewed, plans.today())}


def _draft_rows() -> list[dict]:
    return [{"draft": d, "title": d.content.get("title", ""), "slug": d.content.get("slug", ""),
             "new": d.playbook_id is None, "author": drafts.author(d)} for d in drafts.listing()]


limit_upload(bp, "hr.playbook_upload", editor.MAX_UPLOAD_BYTES)


@bp.post("/playbooks/upload")
def playbook_upload():
    form = forms.PlaybookUploadForm()
    problems = []
    if form.validate():
        upload = form.file.data
        name = upload.filename or "upload.yaml"
        try:
            if form.into.data == "draft":
                draft = drafts.from_upload(editor.read_upload(upload.read(), name), _me(), remote_addr(), name)
            else:
                version, created = editor.upload(upload.read(), name, _me(), remote_addr())
        except PlaybookError as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems]
            form.file.errors.append(f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved")
        except editor.EditorError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            db.session.commit()
            if form.into.data == "draft":
                flash("The file is open as a draft: check its changes, then publish it.", "success")
                return redirect(url_for("hr.draft_changes", draft_id=draft.id))
            flash(f"{version.playbook.slug}: {'published as version' if created else 'unchanged at version'} {version.number}.", "success")
            return redirect(url_for("hr.playbook_version", slug=version.playbook.slug, number=version.number))
    return _list_page(form, problems, 400)


@bp.get("/playbooks/<slug>")
def playbook(slug: str):
    latest = _playbook(slug).latest
    return redirect(url_for("hr.playbook_version", slug=slug, number=latest.number))


@bp.get("/playbooks/<slug>/v<int:number>")
def playbook_version(slug: str, number: int):
    version = _version(slug, number)
    draft = drafts.of_playbook(version.playbook)
    return render_template("hr/playbook_version.html", version=version, is_latest=version.playbook.latest.id == version.id,
                           draft=draft, draft_author=drafts.author(draft) if draft else None, form=forms.PublishForm())


@bp.get("/playbooks/<slug>/v<int:number>.yaml")
def playbook_yaml(slug: str, number: int):
    version = _version(slug, number)
    audited(_me(), "export.playbook_yaml", version.playbook, slug=slug, version=number)
    return attachment(playbooks.to_yaml(playbooks.content_of(version)), "application/yaml", f"{slug}.yaml")


@bp.post("/playbooks/<slug>/draft")
def playbook_draft_start(slug: str):
    """Open the playbook's draft, beginning one from the latest version if there is none."""
    if not forms.PublishForm().validate():
        abort(400)
    draft, created = drafts.start(_playbook(slug), _me(), remote_addr())
    db.session.commit()
    if created:
        flash("Draft started. Make your changes, then review and publish them together as one version.", "success")
    return redirect(url_for("hr.draft", draft_id=draft.id))


def _new_draft_page(form, heading: str, source: PlaybookVersion | None, status: int):
    return render_template("hr/playbook_new.html", form=form, heading=heading, source=source), status


@bp.route("/playbooks/<slug>/copy", methods=["GET", "POST"])
def playbook_copy(slug: str):
    """A new playbook that starts as a copy of this one's latest version."""
    source = _playbook(slug).latest
    form = forms.CopyForm(data={"title": f"Copy of {source.title}"[:200]} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            draft = drafts.copy_of(source, form.slug.data, form.title.data, _me(), remote_addr())
        except editor.EditorError as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Copied into a draft of a new playbook, {draft.content['slug']}. Publish it to use it.", "success")
            return redirect(url_for("hr.draft", draft_id=draft.id))
    return _new_draft_page(form, f"Copy {source.title}", source, 400 if request.method == "POST" else 200)


@bp.route("/drafts/new", methods=["GET", "POST"])
def playbook_new():
    form = forms.NewPlaybookForm()
    if form.validate_on_submit():
        try:
            draft = drafts.create(form.slug.data, form.title.data, form.weeks.data, form.phase_title.data,
                                  form.milestone_title.data, _me(), remote_addr())
        except editor.EditorError as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(str(exc))
        else:
            db.session.commit()
            flash("New playbook started as a draft. Add its phases and milestones, then publish it.", "success")
            return redirect(url_for("hr.draft", draft_id=draft.id))
    return _new_draft_page(form, "Create a playbook", None, 400 if request.method == "POST" else 200)


# The draft editor's routes join the HR blueprint with this module's.
from . import hr_playbook_drafts  # noqa: E402,F401
