"""HR's audit review (the trail by filter, a plan's history, CSV), access review (who can see what)
and subject access (everything held about one person). Routes of the HR blueprint (hr.py), so HR
only. Reading the trail or the review, and every download, is itself audited."""
from __future__ import annotations

import csv
import io

from flask import abort, current_app, redirect, render_template, request, url_for

from .. import plans
from ..extensions import db
from ..models import AuditEvent, User, get_by_id
from ..people import access_review, audit_review, subject_access
from ..plans.exports import safe_cell
from . import remote_addr
from .downloads import attachment, audited
from .hr import _me, bp
from .hr_audit_forms import AuditFilterForm, SubjectAccessForm
from .hr_forms import opts
from .hr_plans import _plan


def to_csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _pagination(result: audit_review.Page, endpoint: str, **values) -> dict | None:
    """The NHS.UK pagination component's links: previous, next and a few pages around this one."""
    if result.pages <= 1:
        return None
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def link(n: int) -> str:
        return url_for(endpoint, page=n, **values, **args)

    around = sorted({1, result.pages} | set(range(max(1, result.page - 2), min(result.pages, result.page + 2) + 1)))
    pagination = {"items": [{"number": n, "href": link(n), "current": n == result.page} for n in around]}
    if result.page > 1:
        pagination["previous"] = {"href": link(result.page - 1)}
    if result.page < result.pages:
        pagination["next"] = {"href": link(result.page + 1)}
    return pagination


def object_link(event: AuditEvent) -> str | None:
    """Where HR reads the object an event is about, if anywhere (a plan's parts by their plan)."""
    plan_id, kind, object_id = event.plan_id, event.object_type, event.object_id
    if kind == "plan" and object_id:
        return url_for("hr.plan_admin", plan_id=object_id)
    if kind == "user" and object_id:
        return url_for("hr.subject_access_person", user_id=object_id)
    if kind in ("apitoken", "api_token"):
        return url_for("tokens_admin.index")
    if kind == "playbook" and isinstance((event.detail or {}).get("slug"), str):
        return url_for("hr.playbook", slug=event.detail["slug"])
    if kind == "directoryentry":
        return url_for("hr.directory")
    if plan_id is None or object_id is None:
        return None
    by_plan = {"checkin": "sponsor.checkins", "stakeholder": "leader.stakeholders", "goal": "leader.goals",
               "clinicianinterview": "leader.interviews", "pulse": "leader.pulses"}
    if kind in by_plan:
        return url_for(by_plan[kind], plan_id=plan_id)
    if kind == "milestone":
        return url_for("leader.milestone", plan_id=plan_id, milestone_id=object_id)
    if kind == "concern":
        return url_for("leader.concern", plan_id=plan_id, concern_id=object_id)
    return None


def _shown(events) -> list[dict]:
    return [{"event": e, "action": audit_review.action_label(e.action), "object": audit_review.object_label(e.object_type),
             "link": object_link(e), "summary": audit_review.summary(e)} for e in events]


def _filters(form: AuditFilterForm) -> audit_review.Filters | None:
    """The filters the form asks for, or None with its errors on the form."""
    form.action.choices = opts([("", "Any action")] + audit_review.action_choices())
    form.object_type.choices = opts([("", "Any object")] + audit_review.object_choices())
    valid = form.validate()
    actor = form.acting(subject_access.find) if valid else None
    if not valid or form.actor.errors:
        return None
    return audit_review.Filters(actor=actor, object_type=form.object_type.data or None, object_id=form.object_number,
                                action=form.action.data or None, start=form.start.data, end=form.end.data,
                                timezone=current_app.config["TIMEZONE"])


def _read(action: str, obj=None, **detail) -> None:
    """Note in the trail that HR read or downloaded it, and commit."""
    audited(_me(), action, obj, **detail)


@bp.get("/audit", endpoint="audit")
def audit_page():
    form = AuditFilterForm(request.args)
    filters = _filters(form)
    if filters is None:
        return render_template("hr/audit.html", form=form, result=None), 400
    result = audit_review.page(filters, _page_number())
    csv_url = url_for("hr.audit_csv", **{k: v for k, v in request.args.items() if k != "page" and v})
    body = render_template("hr/audit.html", form=form, result=result, events=_shown(result.events), csv_url=csv_url,
                           pagination=_pagination(result, "hr.audit"))
    _read("audit.view", filters=filters.described(), page=result.page)  # after: committing expires the rows
    return body


@bp.get("/audit.csv")
def audit_csv():
    form = AuditFilterForm(request.args)
    filters = _filters(form)
    if filters is None:
        abort(400)
    events = audit_review.all_events(filters)
    body = to_csv(audit_review.CSV_COLUMNS, audit_review.csv_rows(events))
    _read("audit.export", filters=filters.described(), rows=len(events))
    return attachment(body, "text/csv", f"audit-{plans.today().isoformat()}.csv")


@bp.get("/plans/<int:plan_id>/history")
def plan_history(plan_id: int):
    """The plan's History tab: events about the plan, its milestones, check-ins and records."""
    plan = _plan(plan_id)
    filters = audit_review.Filters(plan_id=plan.id, timezone=current_app.config["TIMEZONE"])
    result = audit_review.page(filters, _page_number())
    body = render_template("hr/plan_history.html", plan=plan, result=result, events=_shown(result.events),
                           pagination=_pagination(result, "hr.plan_history", plan_id=plan.id))
    _read("audit.view", plan, filters=filters.described(), page=result.page)
    return body


# --- access review ----------------------------------------------------------------------------


@bp.get("/access-review")
def access_review_page():
    people = access_review.review()
    body = render_template("hr/access_review.html", people=people)
    _read("access_review.view", people=len(people))
    return body


@bp.get("/access-review.csv")
def access_review_csv():
    people = access_review.review()
    body = to_csv(access_review.CSV_COLUMNS, access_review.csv_rows(people))
    _read("access_review.export", people=len(people))
    return attachment(body, "text/csv", f"access-review-{plans.today().isoformat()}.csv")


# --- subject access ---------------------------------------------------------------------------


@bp.get("/subject-access")
def subject_access_search():
    """Find the person a subject access request is from, by email (a former user too)."""
    form = SubjectAccessForm(request.args if request.args else None)
    if not request.args:
        return render_template("hr/subject_access.html", form=form)
    if form.validate():
        person = subject_access.find(form.email.data)
        if person is not None:
            return redirect(url_for("hr.subject_access_person", user_id=person.id))
        form.email.errors = [f"No user has the email address {User.normalise_email(form.email.data)}"]
    return render_template("hr/subject_access.html", form=form), 400


def _person(user_id: int) -> User:
    person = get_by_id(User, user_id)
    if person is None:
        abort(404)
    return person


@bp.get("/users/<int:user_id>/data")
def subject_access_person(user_id: int):
    person = _person(user_id)
    return render_template("hr/subject_access_person.html", person=person, plans=subject_access.plans_of(person),
                           roles_on=subject_access.roles_on)


@bp.get("/users/<int:user_id>/data.zip")
def subject_access_download(user_id: int):
    """Everything held about the person: data.json and index.html in one zip. Audited."""
    person, today = _person(user_id), plans.today()
    data = subject_access.export(person, _me(), "page", remote_addr(), today)
    db.session.commit()
    return attachment(subject_access.to_zip(data), "application/zip", subject_access.filename(person, today))

