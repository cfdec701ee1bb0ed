"""HR pages: the cohort, starting plans, plan administration, playbooks and users.
Every route is HR only; anyone else gets a 404 (sign-in first for anonymous users)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import access, accounts, cohort, plan_start, planning, plans, playbook_editor, playbooks, rebase, user_admin
from ..extensions import db
from ..models import Plan, Playbook, PlaybookVersion, User
from ..playbooks import PlaybookError
from . import hr_forms as forms
from . import remote_addr
from .downloads import attachment
from .guards import hr_required

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.before_request
@hr_required
def hr_only():
    """Every page here is HR's."""


def _me() -> User:
    return current_user._get_current_object()


def _invite_url(user: User) -> str:
    from ..cli import invite_url

    return invite_url(user)


def _send_invite(user: User, link: str) -> bool:
    """Email the set-password link when the mail module offers a way to; the link is
    shown on screen either way."""
    try:
        from .. import mail
    except ImportError:
        return False
    send = getattr(mail, "send_invite", None)
    if send is None:
        return False
    try:
        send(user, link)
    except Exception:  # a mail failure must not undo the invite; HR still has the link
        current_app.logger.exception("could not send the invite email to %s", user.email)
        return False
    return True


def _invited(user: User) -> None:
    link = _invite_url(user)
    sent = _send_invite(user, link)
    flash(
        f"{user.name} is invited{' and has been emailed' if sent else ''}. "
        f"Their single-use set-password link is: {link}",
        "success",
    )


# --- cohort -----------------------------------------------------------------------------------


def _filters(form: forms.CohortFilterForm) -> cohort.Filters:
    return cohort.Filters(
        status=form.status.data or None,
        playbook=form.playbook.data or None,
        overdue_only=bool(form.overdue.data),
    )


def _filter_form() -> forms.CohortFilterForm:
    form = forms.CohortFilterForm(request.args)
    form.playbook.choices = forms.opts([("", "Any playbook")] + cohort.playbook_choices())
    return form


@bp.get("/cohort", endpoint="cohort")
def cohort_page():
    form = _filter_form()
    if not form.validate():
        return render_template("hr/cohort.html", form=form, page=None, pagination=None), 400
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    result = cohort.page(_filters(form), number)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pagination = None
    if result.pages > 1:
        link = lambda n: url_for("hr.cohort", page=n, **args)  # noqa: E731
        pagination = {
            "items": [{"number": n, "href": link(n), "current": n == result.page} for n in range(1, result.pages + 1)],
        }
        if result.page > 1:
            pagination["previous"] = {"href": link(result.page - 1)}
        if result.page < result.pages:
            pagination["next"] = {"href": link(result.page + 1)}
    csv_url = url_for("hr.cohort_csv", **args)
    return render_template("hr/cohort.html", form=form, page=result, pagination=pagination, csv_url=csv_url, today=plans.today())



@bp.get("/cohort.csv")
def cohort_csv():
    form = _filter_form()
    if not form.validate():
        abort(400)
    body = cohort.to_csv(cohort.all_rows(_filters(form)))
    return attachment(body, "text/csv", f"cohort-{plans.today().isoformat()}.csv")


# --- start a plan -----------------------------------------------------------------------------


def _people_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(u.email, f"{u.name} ({u.email})") for u in user_admin.active_users()]


def _new_plan_form() -> forms.NewPlanForm:
    form = forms.NewPlanForm()
    people = _people_choices("Choose a person")
    form.leader.choices = forms.opts(people + [(forms.NEW_LEADER, "Invite a new leader")])
    form.sponsor.choices = forms.opts(people)
    form.mentor.choices = forms.opts([("", "No mentor")] + people[1:])
    form.playbook.choices = forms.opts([("", "Choose a playbook")] + cohort.playbook_choices())
    if request.method == "GET":
        form.working_days.data = list(planning.DEFAULT_WORKING_DAYS)
        form.months.data = 6
    return form


def _check_plan(form: forms.NewPlanForm) -> plan_start.Checked | None:
    """plan_start's judgement of the form, the same rules as the API and the CLI; its
    field errors go on the form (the fields share its names)."""
    new_leader = form.leader.data == forms.NEW_LEADER
    if new_leader and accounts.find_user(form.invite_email.data) is not None:
        form.invite_email.errors.append("Someone already has that email address: choose them from the list instead")
    try:
        checked = plan_start.check(leader=form.leader.data, sponsor=form.sponsor.data, mentor=form.mentor.data or None,
                                   playbook=form.playbook.data, start=form.start.data, months=form.months.data,
                                   working_days=form.working_days.data, new_leader=new_leader)
    except plan_start.StartError as exc:
        for field, message in exc.errors.items():
            getattr(form, field).errors.append(message)
        return None
    return None if form.errors else checked


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    form = _new_plan_form()
    if request.method == "GET":
        return render_template("hr/new_plan.html", form=form)
    if request.form.get("step") == "edit" and form.validate():  # back from the preview to change something
        return render_template("hr/new_plan.html", form=form)
    checked = _check_plan(form) if form.validate() else None
    if checked is None:
        return render_template("hr/new_plan.html", form=form), 400
    if request.form.get("step") != "confirm":
        return render_template("hr/new_plan_preview.html", form=form, leader=checked.leader, sponsor=checked.sponsor,
                               mentor=checked.mentor, version=checked.version, milestones=checked.milestones,
                               end=checked.end)
    me = _me()
    invited = None
    try:
        if checked.leader is None:
            invited = accounts.create_user(form.invite_email.data, form.invite_name.data, actor=me, remote_addr=remote_addr())
        plan = plan_start.start(checked, leader=invited, actor=me, remote_addr=remote_addr())
    except (accounts.AccountError, plans.PlanError) as exc:
        db.session.rollback()
        target = {"email": "invite_email", "name": "invite_name"}.get(exc.field, exc.field)
        getattr(form, target if hasattr(form, target or "") else "leader").errors.append(str(exc).capitalize())
        return render_template("hr/new_plan.html", form=form), 400
    db.session.commit()
    flash(f"Plan started for {plan.leader.name}: {plan.start_date:%-d %B %Y} to {plan.end_date:%-d %B %Y}.", "success")
    if invited is not None:
        _invited(invited)
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


# --- plan administration ----------------------------------------------------------------------


def _plan(plan_id: int) -> Plan:
    plan = access.plan_for(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _admin_forms(plan: Plan, **bound) -> dict:
    people = _people_choices("Choose a person")
    result = {}
    reassign = bound.get("reassign") or forms.ReassignForm(prefix="reassign", formdata=None,
                                                           sponsor=plan.sponsor.email, mentor=plan.mentor.email if plan.mentor else "")
    reassign.sponsor.choices = forms.opts(people)
    reassign.mentor.choices = forms.opts([("", "No mentor")] + people[1:])
    result["reassign"] = reassign
    result["pause"] = bound.get("pause") or forms.PauseForm(prefix="pause", formdata=None)
    extend = bound.get("extend") or forms.ExtendForm(prefix="extend", formdata=None)
    extend.months.choices = forms.opts((n, f"{n} months") for n in range(plan.months + 1, planning.MAX_MONTHS + 1))
    result["extend"] = extend
    result["close"] = bound.get("close") or forms.CloseForm(prefix="close", formdata=None)
    rebase_form = bound.get("rebase") or forms.RebaseForm(prefix="rebase", formdata=None)
    rebase_form.version.choices = forms.opts((v.id, f"Version {v.number}: {v.title}") for v in rebase.newer_versions(plan))
    result["rebase"] = rebase_form
    return result


def _admin_page(plan: Plan, status: int = 200, failed=None, **bound):
    page_forms = _admin_forms(plan, **bound)
    return render_template(
        "hr/plan_admin.html", plan=plan, forms=page_forms, failed=failed,
        progress=plans.progress(plan), today=plans.today(), state=plans.milestone_state,
        form=page_forms.get(failed) if failed else None,
    ), status


@bp.get("/plans/<int:plan_id>")
def plan_admin(plan_id: int):
    return _admin_page(_plan(plan_id))


def _domain_error(plan, name, form, exc, field_name):
    db.session.rollback()
    getattr(form, field_name).errors.append(str(exc)[0].upper() + str(exc)[1:])
    return _admin_page(plan, 400, name, **{name: form})


@bp.post("/plans/<int:plan_id>/reassign")
def reassign(plan_id: int):
    plan = _plan(plan_id)
    form = forms.ReassignForm(prefix="reassign")
    people = _people_choices("Choose a person")
    form.sponsor.choices = forms.opts(people)
    form.mentor.choices = forms.opts([("", "No mentor")] + people[1:])
    if not form.validate():
        return _admin_page(plan, 400, "reassign", reassign=form)
    sponsor = accounts.find_user(form.sponsor.data)
    mentor = accounts.find_user(form.mentor.data) if form.mentor.data else None
    if sponsor is not None and mentor is not None and sponsor.id == mentor.id:
        form.mentor.errors.append("The mentor must be someone other than the sponsor")
        return _admin_page(plan, 400, "reassign", reassign=form)
    try:
        plans.reassign(plan, _me(), sponsor=sponsor, mentor=mentor, clear_mentor=mentor is None, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _domain_error(plan, "reassign", form, exc, exc.field if exc.field in ("sponsor", "mentor") else "sponsor")
    db.session.commit()
    flash("The sponsor and mentor are updated.", "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


def _simple(plan_id: int, action):
    plan = _plan(plan_id)
    form = forms.PauseForm(prefix="pause")
    if not form.validate():
        return _admin_page(plan, 400, "pause", pause=form)
    try:
        message = action(plan)
    except plans.PlanError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc)[0].upper() + str(exc)[1:])
        return _admin_page(plan, 400, "pause", pause=form)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/pause")
def pause(plan_id: int):
    def run(plan):
        plans.pause(plan, _me(), remote_addr=remote_addr())
        return "The plan is paused. Nobody is nudged about it until it resumes."

    return _simple(plan_id, run)


@bp.post("/plans/<int:plan_id>/resume")
def resume(plan_id: int):
    def run(plan):
        days = plans.resume(plan, _me(), remote_addr=remote_addr())
        return f"The plan is resumed. Open milestones moved on by {days} working day{'s' if days != 1 else ''}."

    return _simple(plan_id, run)


@bp.post("/plans/<int:plan_id>/extend")
def extend(plan_id: int):
    plan = _plan(plan_id)
    form = forms.ExtendForm(prefix="extend")
    form.months.choices = forms.opts((n, f"{n} months") for n in range(plan.months + 1, planning.MAX_MONTHS + 1))
    if not form.validate():
        return _admin_page(plan, 400, "extend", extend=form)
    try:
        plans.extend(plan, _me(), form.months.data, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _domain_error(plan, "extend", form, exc, "months")
    db.session.commit()
    flash(f"The plan now runs for {plan.months} months, to {plan.end_date:%-d %B %Y}.", "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/close")
def close(plan_id: int):
    plan = _plan(plan_id)
    form = forms.CloseForm(prefix="close")
    if not form.validate():
        return _admin_page(plan, 400, "close", close=form)
    try:
        plans.close(plan, _me(), form.outcome.data, remote_addr=remote_addr())
    except plans.PlanError as exc:
        return _domain_error(plan, "close", form, exc, "outcome")
    db.session.commit()
    flash(f"The plan is {plan.status}. Its history stays visible.", "success")
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/rebase")
def rebase_plan(plan_id: int):
    plan = _plan(plan_id)
    form = forms.RebaseForm(prefix="rebase")
    form.version.choices = forms.opts((v.id, f"Version {v.number}: {v.title}") for v in rebase.newer_versions(plan))
    if not form.validate():
        return _admin_page(plan, 400, "rebase", rebase=form)
    version = db.session.get(PlaybookVersion, form.version.data)
    try:
        if form.confirmed.data != "yes":
            changes = rebase.diff(plan, version)
            return render_template("hr/rebase_preview.html", plan=plan, version=version, changes=changes, form=form)
        changes = rebase.apply(plan, version, _me(), remote_addr())
    except plans.PlanError as exc:
        return _domain_error(plan, "rebase", form, exc, "version")
    db.session.commit()
    flash(
        f"The plan now follows version {version.number}: {len(changes.added)} added, "
        f"{len(changes.removed)} removed, {len(changes.retitled)} retitled, {len(changes.redated)} with new dates.",
        "success",
    )
    return redirect(url_for("hr.plan_admin", plan_id=plan.id))


# --- playbooks --------------------------------------------------------------------------------


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
    items = list(db.session.scalars(sa.select(Playbook).options(selectinload(Playbook.versions)).order_by(Playbook.slug)))
    counts = dict(
        db.session.execute(sa.select(Plan.playbook_version_id, sa.func.count(Plan.id)).group_by(Plan.playbook_version_id)).all()
    )
    return render_template("hr/playbooks.html", playbooks=items, counts=counts, upload=forms.UploadForm(formdata=None))


# The file plus room for the multipart wrapping and the CSRF token.
UPLOAD_REQUEST_LIMIT = playbook_editor.MAX_UPLOAD_BYTES + 56 * 1024


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
            version, created = playbook_editor.upload(upload.read(), upload.filename or "upload.yaml", _me(), remote_addr())
        except PlaybookError as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems]
            form.file.errors.append(f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved")
        else:
            db.session.commit()
            flash(f"{version.playbook.slug}: {'published as version' if created else 'unchanged at version'} {version.number}.", "success")
            return redirect(url_for("hr.playbook_version", slug=version.playbook.slug, number=version.number))
    items = list(db.session.scalars(sa.select(Playbook).options(selectinload(Playbook.versions)).order_by(Playbook.slug)))
    counts = dict(
        db.session.execute(sa.select(Plan.playbook_version_id, sa.func.count(Plan.id)).group_by(Plan.playbook_version_id)).all()
    )
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
    content = playbook_editor.draft(version)
    try:
        change(content)
        new, created = playbook_editor.publish(content, _me(), remote_addr())
    except playbook_editor.EditorError as exc:
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
        response, error = _publish(version, lambda c: playbook_editor.add_milestone(c, form.data))
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
        response, error = _publish(version, lambda c: playbook_editor.edit_milestone(c, key, form.data))
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
        change = lambda c: playbook_editor.remove_milestone(c, key)  # noqa: E731
    else:
        change = lambda c: playbook_editor.move(c, key, action)  # noqa: E731
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


# --- users ------------------------------------------------------------------------------------


def _users_page(invite=None, status: int = 200, form=None, refused=None):
    return render_template(
        "hr/users.html", users=user_admin.listing(), invite=invite or forms.InviteUserForm(formdata=None),
        action_form=forms.UserActionForm(), form=form, refused=refused,
    ), status


@bp.get("/users", endpoint="users")
def users_page():
    return _users_page()



@bp.post("/users/invite")
def invite_user():
    form = forms.InviteUserForm()
    if form.validate():
        try:
            user = accounts.create_user(form.email.data, form.name.data, is_hr=form.hr.data, actor=_me(), remote_addr=remote_addr())
        except accounts.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field if exc.field in ("email", "name") else "email").errors.append(str(exc))
        else:
            db.session.commit()
            _invited(user)
            return redirect(url_for("hr.users"))
    return _users_page(form, 400, form)


@bp.post("/users/<int:user_id>/<any('deactivate','reactivate','grant-hr','remove-hr','invite-link'):action>")
def user_action(user_id: int, action: str):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = forms.UserActionForm()
    if not form.validate():
        return _users_page(status=400, form=form)
    me = _me()
    try:
        if action in ("deactivate", "reactivate"):
            user_admin.set_active(user, action == "reactivate", me, remote_addr())
            message = f"{user.name} is {'reactivated' if user.active else 'deactivated and signed out'}."
        elif action in ("grant-hr", "remove-hr"):
            user_admin.set_hr(user, action == "grant-hr", me, remote_addr())
            message = f"{user.name} {'now has' if user.is_hr else 'no longer has'} HR rights."
        else:
            if not user.active or user.password_hash:
                abort(404)
            from .. import audit

            audit.record(me, "user.invite_link", user, remote_addr())
            message = None
    except accounts.AccountError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        # Deactivation refused for open plans: list them, each linking to its reassign form.
        return _users_page(status=400, form=form, refused=(user, exc.plans) if isinstance(exc, user_admin.OpenPlansError) else None)
    db.session.commit()
    if message is None:
        _invited(user)
    else:
        flash(message, "success")
    return redirect(url_for("hr.users"))

