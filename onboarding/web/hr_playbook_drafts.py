"""HR's playbook draft editor: details, phases and milestones changed as often as needed,
then the changes against the published version, one publish, or a discard. Nothing here
reaches plans until the draft is published. Routes of the HR blueprint (hr.py), so HR only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..models import PlaybookDraft
from ..playbooks import PlaybookError, drafts, editor
from ..playbooks.diff import NUDGE_LABELS
from . import playbook_forms as forms
from . import remote_addr
from .hr import _me, bp
from .hr_forms import MilestoneActionForm, opts

SAVED = "Saved in the draft. Nothing changes for plans until you publish it."


def _draft(draft_id: int, lock: bool = False) -> PlaybookDraft:
    draft = drafts.get(draft_id, lock=lock)
    if draft is None:
        abort(404)
    return draft


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _sentence(message: str) -> str:
    return message[0].upper() + message[1:]


def _problem_links(draft: PlaybookDraft, problems) -> list[dict]:
    """The validator's problems, each with a link to where it can be fixed."""
    items = []
    for p in problems:
        kind, key = drafts.locate(p)
        if kind == "milestone" and any(m["key"] == key for m in draft.content.get("milestones", [])):
            href = url_for("hr.draft_milestone_edit", draft_id=draft.id, key=key)
        elif kind == "details":
            href = url_for("hr.draft_details", draft_id=draft.id)
        else:
            href = url_for("hr.draft", draft_id=draft.id, _anchor="phases")
        items.append({"text": _sentence(p.message), "href": href})
    return items


def _draft_page(draft: PlaybookDraft, status: int = 200, form=None):
    content = drafts.content(draft)
    return render_template("hr/playbook_draft.html", draft=draft, content=content, playbook=drafts.playbook_of(draft),
                           base=drafts.base_version(draft), author=drafts.author(draft), newer=drafts.published_since(draft),
                           problems=_problem_links(draft, drafts.problems(draft)), changes=drafts.changes(draft),
                           form=form, nudge_labels=NUDGE_LABELS), status


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    return _draft_page(_draft(draft_id))


def _apply(draft_id: int, edit, form=None, anchor: str | None = None):
    """Apply ``edit`` to the locked draft and commit; (response, None), or (None, the EditorError)."""
    locked = _draft(draft_id, lock=True)
    try:
        drafts.change(locked, edit)
    except editor.EditorError as exc:
        db.session.rollback()
        return None, exc
    db.session.commit()
    flash(SAVED, "success")
    return redirect(url_for("hr.draft", draft_id=draft_id, _anchor=anchor)), None


# --- details -----------------------------------------------------------------------------------


@bp.route("/drafts/<int:draft_id>/details", methods=["GET", "POST"])
def draft_details(draft_id: int):
    draft = _draft(draft_id)
    content = drafts.content(draft)
    data = {"title": content.title, "description": content.description, "weeks": content.weeks, **content.nudges}
    form = forms.DetailsForm(data=data if request.method == "GET" else None)
    if form.validate_on_submit():
        response, error = _apply(draft_id, lambda c: editor.set_details(
            c, form.title.data, form.description.data, form.weeks.data, form.nudges()), anchor="details")
        if response is not None:
            return response
        form.title.errors.append(_sentence(str(error)))
    return render_template("hr/playbook_details_form.html", draft=draft, content=content, form=form), _status()


# --- milestones --------------------------------------------------------------------------------


def _milestone_form(content, **kwargs) -> forms.DraftMilestoneForm:
    form = forms.DraftMilestoneForm(**kwargs)
    form.phase.choices = opts((p["key"], p["title"]) for p in content.phases)
    return form


def _milestone_page(draft, content, form, milestone):
    return render_template("hr/milestone_form.html", draft=draft, content=content, form=form,
                           milestone=milestone), _status()


@bp.route("/drafts/<int:draft_id>/milestones/new", methods=["GET", "POST"])
def draft_milestone_add(draft_id: int):
    draft = _draft(draft_id)
    content = drafts.content(draft)
    form = _milestone_form(content, data={"required": True} if request.method == "GET" else None)
    if form.validate_on_submit():
        data = form.content_data()
        response, error = _apply(draft_id, lambda c: editor.add_milestone(c, data), anchor=f"m-{data['key']}")
        if response is not None:
            return response
        (form.key if error.field == "key" else form.title).errors.append(_sentence(str(error)))
    return _milestone_page(draft, content, form, None)


@bp.route("/drafts/<int:draft_id>/milestones/<key>", methods=["GET", "POST"])
def draft_milestone_edit(draft_id: int, key: str):
    draft = _draft(draft_id)
    content = drafts.content(draft)
    milestone = next((m for m in content.milestones if m["key"] == key), None)
    if milestone is None:
        abort(404)
    form = _milestone_form(content, data=milestone if request.method == "GET" else None)
    form.key.data = key  # the key never changes
    if form.validate_on_submit():
        data = form.content_data()
        response, error = _apply(draft_id, lambda c: editor.edit_milestone(c, key, data), anchor=f"m-{key}")
        if response is not None:
            return response
        form.title.errors.append(_sentence(str(error)))
    return _milestone_page(draft, content, form, milestone)


def _action(draft_id: int, edit, anchor: str):
    """A remove or move button: back to the draft, or the draft page with the refusal."""
    form = MilestoneActionForm()
    if not form.validate():
        return _draft_page(_draft(draft_id), 400, form)
    response, error = _apply(draft_id, edit, anchor=anchor)
    if response is not None:
        return response
    form.form_errors.append(_sentence(str(error)))
    return _draft_page(_draft(draft_id), 400, form)


@bp.post("/drafts/<int:draft_id>/milestones/<key>/<any(remove, up, down):action>")
def draft_milestone_action(draft_id: int, key: str, action: str):
    _draft(draft_id)
    if action == "remove":
        return _action(draft_id, lambda c: editor.remove_milestone(c, key), "milestones")
    return _action(draft_id, lambda c: editor.move(c, key, action), f"m-{key}")


# --- phases ------------------------------------------------------------------------------------


def _phase_page(draft, form, phase):
    return render_template("hr/playbook_phase_form.html", draft=draft, form=form, phase=phase), _status()


@bp.route("/drafts/<int:draft_id>/phases/new", methods=["GET", "POST"])
def draft_phase_add(draft_id: int):
    draft = _draft(draft_id)
    form = forms.PhaseForm()
    if form.validate_on_submit():
        response, error = _apply(draft_id, lambda c: editor.add_phase(c, form.key.data, form.title.data, form.description.data),
                                 anchor="phases")
        if response is not None:
            return response
        form.key.errors.append(_sentence(str(error)))
    return _phase_page(draft, form, None)


@bp.route("/drafts/<int:draft_id>/phases/<phase_key>", methods=["GET", "POST"])
def draft_phase_edit(draft_id: int, phase_key: str):
    key = phase_key
    draft = _draft(draft_id)
    phase = next((p for p in drafts.content(draft).phases if p["key"] == key), None)
    if phase is None:
        abort(404)
    form = forms.PhaseForm(data=phase if request.method == "GET" else None)
    form.key.data = key  # the key never changes
    if form.validate_on_submit():
        response, error = _apply(draft_id, lambda c: editor.edit_phase(c, key, form.title.data, form.description.data),
                                 anchor="phases")
        if response is not None:
            return response
        form.title.errors.append(_sentence(str(error)))
    return _phase_page(draft, form, phase)


@bp.post("/drafts/<int:draft_id>/phases/<phase_key>/<any(remove, up, down):action>")
def draft_phase_action(draft_id: int, phase_key: str, action: str):
    _draft(draft_id)
    key = phase_key
    if action == "remove":
        return _action(draft_id, lambda c: editor.remove_phase(c, key), "phases")
    return _action(draft_id, lambda c: editor.move_phase(c, key, action), "phases")


# --- changes, publish, discard -------------------------------------------------------------------


def _changes_page(draft: PlaybookDraft, status: int = 200, form=None, discard=None, problems=None):
    playbook = drafts.playbook_of(draft)
    number = (playbook.latest.number + 1) if playbook and playbook.latest else 1
    found = drafts.problems(draft) if problems is None else problems
    return render_template("hr/playbook_draft_changes.html", draft=draft, content=drafts.content(draft),
                           playbook=playbook, base=drafts.base_version(draft), changes=drafts.changes(draft),
                           author=drafts.author(draft),
                           number=number, newer=drafts.published_since(draft), problems=_problem_links(draft, found),
                           form=form or forms.PublishForm(formdata=None),
                           discard=discard or forms.DiscardForm(formdata=None)), status


@bp.get("/drafts/<int:draft_id>/changes")
def draft_changes(draft_id: int):
    return _changes_page(_draft(draft_id))


@bp.post("/drafts/<int:draft_id>/publish")
def draft_publish(draft_id: int):
    draft = _draft(draft_id, lock=True)
    form = forms.PublishForm()
    if not form.validate():
        return _changes_page(draft, 400, form)
    try:
        version, created = drafts.publish(draft, _me(), remote_addr())
    except PlaybookError as exc:
        db.session.rollback()
        form.form_errors.append("The draft is not a valid playbook yet, so nothing was published: fix the problems below")
        return _changes_page(_draft(draft_id), 400, form, problems=exc.problems)
    except editor.EditorError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _changes_page(_draft(draft_id), 400, form)
    db.session.commit()
    if created:
        flash(f"Published as version {version.number}. Plans already running keep the version they started on.", "success")
    else:
        flash("The draft was the same as the published version, so no new version was made.", "info")
    return redirect(url_for("hr.playbook_version", slug=version.playbook.slug, number=version.number))


@bp.post("/drafts/<int:draft_id>/discard")
def draft_discard(draft_id: int):
    draft = _draft(draft_id, lock=True)
    form = forms.DiscardForm()
    if not form.validate():
        return _changes_page(draft, 400, discard=form)
    playbook = drafts.playbook_of(draft)
    try:
        drafts.discard(draft, _me(), remote_addr())
    except editor.EditorError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _changes_page(_draft(draft_id), 400, discard=form)
    db.session.commit()
    flash("Draft discarded. The published playbook is as it was.", "success")
    if playbook is not None:
        return redirect(url_for("hr.playbook", slug=playbook.slug))
    return redirect(url_for("hr.playbooks"))
