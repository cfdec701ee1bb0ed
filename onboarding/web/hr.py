"""HR pages: the cohort, starting plans and plan administration. The HR blueprint's
playbook and user pages are in hr_playbooks.py and hr_users.py. Every route is HR only;
anyone else gets a 404 (sign-in first for anonymous users)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import plans
from ..extensions import db
from ..models import Plan, PlaybookVersion, User
from ..people import access, accounts, user_admin
from ..plans import cohort, plan_start, planning, rebase
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


def _invited(user: User) -> None:
    link, sent = accounts.invite(user, current_app.config)
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
