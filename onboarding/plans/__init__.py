"""Plans: create one from a playbook version, complete and reopen milestones,
pause, resume, extend, reassign and close. Callers commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..extensions import db
from ..hooks import webhooks
from ..models import CLOSED_PLAN_STATUSES, Milestone, Plan, PlaybookVersion, User, utcnow
from ..people import audit
from . import dates, next_due, planning
from .shapes import as_json, milestone_json  # noqa: F401 (plans.as_json and plans.milestone_json, as before)


def _setting(name: str, default=None):
    return current_app.config.get(name, default) if has_app_context() else default


def today() -> date:
    """Today in the TIMEZONE setting: every page, command, email and sweep asks this one."""
    return planning.today_in(_setting("TIMEZONE"))


def due_soon_working_days(playbook_nudges: dict | None = None, config=None) -> int:
    """The "due soon" window: the playbook's own number, else NUDGE_DUE_SOON_WORKING_DAYS
    (from ``config`` when given, e.g. the nudge sweep's, else the app's)."""
    default = config.get("NUDGE_DUE_SOON_WORKING_DAYS", 3) if config is not None else _setting("NUDGE_DUE_SOON_WORKING_DAYS", 3)
    value = (playbook_nudges or {}).get("due_soon_working_days", default)
    return max(1, int(value))


class PlanError(ValueError):
    """A plan request that cannot be carried out; ``field`` says which input is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class PlannedMilestone:
    key: str
    title: str
    phase: str
    phase_title: str
    category: str
    owner: str
    week: int
    due: date
    on_site: bool = False


def on_site_day_list(plan: Plan) -> list[str]:
    """The working days a hybrid leader is on site; empty: every working day."""
    return plan.on_site_days.split(",") if plan.on_site_days else []


def preview(version: PlaybookVersion, start: date, months: int, working_days=None,
            on_site_days=()) -> list[PlannedMilestone]:
    """The milestones and due dates a plan would get, without writing anything."""
    try:
        days = planning.parse_working_days(working_days)
        end = planning.plan_end(start, months)
    except planning.PlanningError as exc:
        raise PlanError(str(exc), exc.field) from exc
    templates = version.templates
    dates = planning.lay_out([planning.Slot.of(t) for t in templates], version.weeks, start, end, days, on_site_days)
    return [
        PlannedMilestone(t.key, t.title, t.phase, version.phase_title(t.phase), t.category, t.owner, t.week, d,
                         t.on_site)
        for t, d in zip(templates, dates)
    ]


def create_plan(
    *,
    leader: User,
    sponsor: User,
    version: PlaybookVersion,
    start: date,
    months: int,
    mentor: User | None = None,
    working_days=None,
    on_site_days=(),
    actor: User | None = None,
    remote_addr: str | None = None,
) -> Plan:
    if leader.id == sponsor.id:
        raise PlanError("the sponsor must be someone other than the leader", "sponsor")
    if mentor is not None and mentor.id in (leader.id, sponsor.id):
        raise PlanError("the mentor must be someone other than the leader and the sponsor", "mentor")
    laid_out = preview(version, start, months, working_days, on_site_days)
    days = planning.parse_working_days(working_days)
    plan = Plan(
        leader=leader,
        sponsor=sponsor,
        mentor=mentor,
        hr_contact=actor if actor is not None and actor.is_hr else None,
        playbook_version=version,
        start_date=start,
        months=months,
        end_date=planning.plan_end(start, months),
        working_days=",".join(days),
        on_site_days=",".join(on_site_days),
        status="active",
        checkin_cadence_days=(version.nudges or {}).get("checkin_cadence_days", 14),
        # Every milestone of a new plan is open; plans/next_due.py keeps this from here on.
        next_open_due=min((item.due for item in laid_out), default=None),
    )
    db.session.add(plan)
    db.session.flush()
    # One multi-row INSERT rather than one per milestone: plans are created in bulk from HR systems.
    # render_nulls: every row has the same columns (the ORM would otherwise split the rows into a
    # statement for each pattern of None in them); the columns that can be None have no default.
    db.session.execute(
        sa.insert(Milestone).execution_options(render_nulls=True),
        [
            _milestone_fields(template, version, item.due, position) | {"plan_id": plan.id}
            for position, (template, item) in enumerate(zip(version.templates, laid_out))
        ],
    )
    db.session.expire(plan, ["milestones"])
    audit.record(actor, "plan.create", plan, remote_addr, leader=leader.email, playbook=version.playbook.slug, version=version.number)
    webhooks.plan_created(plan, today())  # HR systems hear of it in this transaction
    return plan


def _milestone_fields(t, version: PlaybookVersion, due: date, position: int) -> dict:
    """A plan's own copy of a milestone template, so later playbook edits never reach it."""
    # The content leaves out optional fields at their defaults; every row has them all.
    return {"not_before_week": None, "not_after_week": None, "on_site": False, "delegable": False} | t.content() | {
        "position": position,
        "phase_title": version.phase_title(t.phase),
        "due_date": due,
        "status": "todo",
    }


def planned(plan: Plan, dates: list[date] | None = None) -> list[PlannedMilestone]:
    """A plan's milestones as a preview lists them, with ``dates`` in place of their own."""
    dates = dates or [m.due_date for m in plan.milestones]
    return [PlannedMilestone(m.key, m.title, m.phase, m.phase_title, m.category, m.owner, m.week, d, m.on_site)
            for m, d in zip(plan.milestones, dates)]


def milestone_from(t, version: PlaybookVersion, due: date, position: int = 0) -> Milestone:
    return Milestone(**_milestone_fields(t, version, due, position))


# --- milestones -----------------------------------------------------------------------------


def _change_milestone(milestone: Milestone, only_if, **values) -> bool:
    """Write ``values`` in one conditional UPDATE and say whether it changed the row. Two
    people clicking at once both pass any check made on a loaded copy; only one of them
    matches ``only_if`` in the database (the other waits for its row lock, then finds no match)."""
    result = db.session.execute(
        sa.update(Milestone).where(Milestone.id == milestone.id, only_if).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        next_due.refresh(db.session, [milestone.plan_id])
    db.session.expire(milestone)  # reload what the database now holds, whoever wrote it
    return result.rowcount == 1


def complete_milestone(milestone: Milestone, user: User, note: str = "", link: str = "", remote_addr=None) -> bool:
    """Mark an open milestone done. False, with nothing written, when it is not open (any more)."""
    changed = _change_milestone(milestone, Milestone.is_open, status="done", completed_at=utcnow(),
                                completed_by_id=user.id, evidence_note=note.strip() or None,
                                evidence_link=link.strip() or None)
    if changed:
        audit.record(user, "milestone.complete", milestone, remote_addr, plan=milestone.plan_id, key=milestone.key)
        webhooks.record("milestone.completed", milestone.plan, milestone)
    return changed


def reopen_milestone(milestone: Milestone, user: User, remote_addr=None) -> bool:
    """Open a done milestone again. False, with nothing written, when it is already open."""
    changed = _change_milestone(milestone, Milestone.is_done, status="todo", completed_at=None,
                                completed_by_id=None)
    if changed:
        audit.record(user, "milestone.reopen", milestone, remote_addr, plan=milestone.plan_id, key=milestone.key)
    return changed


# --- plan administration --------------------------------------------------------------------


def _open(plan: Plan) -> list[Milestone]:
    return [m for m in plan.milestones if m.is_open]


MAX_PAUSE_REASON = 500


def _pause_details(plan: Plan, reason: str | None, expected_return_on: date | None, on: date):
    """The reason (required, at most 500 characters) and the expected return (optional, a
    working day of the leader after ``on``), or PlanError naming the field."""
    reason = (reason or "").strip()
    if not reason:
        raise PlanError("Enter why the plan is paused", "reason")
    if len(reason) > MAX_PAUSE_REASON:
        raise PlanError(f"The reason must be {MAX_PAUSE_REASON} characters or fewer", "reason")
    if expected_return_on is not None:
        if problem := planning.date_problem(expected_return_on, "The expected return date"):
            raise PlanError(problem, "expected_return_on")
        if expected_return_on <= on:
            raise PlanError(f"The expected return date must be after {dates.day(on)}", "expected_return_on")
        if not planning.Calendar(tuple(plan.working_day_list)).is_working_day(expected_return_on):
            raise PlanError("The expected return date must be one of the leader's working days, not a weekend "
                            "or bank holiday", "expected_return_on")
    return reason, expected_return_on


def pause(plan: Plan, user: User, reason: str | None = None, expected_return_on: date | None = None,
          on: date | None = None, remote_addr=None) -> None:
    """Pause an active plan. People pausing one (the HR page) always give ``reason``, which
    is then required; only fixtures and scripts that predate reasons leave it None."""
    if not plan.is_active:
        raise PlanError(f"only an active plan can be paused; this one is {plan.status}", "status")
    on = on or today()
    if reason is not None or expected_return_on is not None:
        reason, expected_return_on = _pause_details(plan, reason, expected_return_on, on)
    plan.status = "paused"
    plan.paused_on = on
    plan.pause_reason, plan.expected_return_on = reason, expected_return_on
    audit.record(user, "plan.pause", plan, remote_addr, reason=reason,
                 expected_return_on=expected_return_on.isoformat() if expected_return_on else None)
    webhooks.record("plan.paused", plan)


def resume(plan: Plan, user: User, on: date | None = None, remote_addr=None) -> int:
    """Resume a paused plan as from ``on`` (the day the leader came back: today or earlier,
    not before the pause), moving every open milestone and the end date on by the working
    days it was paused. Returns that number of working days."""
    if not plan.is_paused:
        raise PlanError("only a paused plan can be resumed", "status")
    on = on or today()
    if on < plan.paused_on:
        raise PlanError(f"The return date cannot be before the pause, {dates.day(plan.paused_on)}", "on")
    cal = planning.Calendar(tuple(plan.working_day_list))
    paused_days = max(0, cal.working_days_between(plan.paused_on, on))
    open_ms = [m for m in _open(plan) if not m.due_tailored]  # a hand-set date stays put
    site = planning.on_site_calendar(plan.working_day_list, on_site_day_list(plan))
    for m, d in zip(open_ms, planning.shift_open([m.due_date for m in open_ms], paused_days, plan.working_day_list)):
        m.due_date = site.on_or_after(d) if m.on_site else d  # on to a day the leader is on site
    if paused_days:
        plan.end_date = cal.add_working_days(cal.on_or_before(plan.end_date), paused_days)
    plan.status = "active"
    plan.paused_on = plan.pause_reason = plan.expected_return_on = None
    audit.record(user, "plan.resume", plan, remote_addr, working_days_paused=paused_days)
    return paused_days


def check_return_date(on: date) -> None:
    """A return date a person gives (the resume form) is not in the future: a plan cannot be
    resumed ahead of time. (resume itself refuses one before the pause.)"""
    if on > (now := today()):
        raise PlanError(f"The return date cannot be after today, {dates.day(now)}", "on")


def resume_date(plan: Plan, on: date | None = None) -> date:
    """The return date the resume form offers: the expected one once it has come, else today."""
    on = on or today()
    expected = plan.expected_return_on
    return expected if expected is not None and plan.paused_on <= expected <= on else on


def extended_dates(plan: Plan, months: int) -> tuple[date, list[date]]:
    """The end and every milestone's due date if the plan ran ``months``, without writing:
    open milestones spread over the new length, done ones keep their dates. Refusals as extend."""
    if not plan.is_open:
        raise PlanError(f"a {plan.status} plan cannot be extended", "status")
    if months <= plan.months:
        raise PlanError(f"the new length must be longer than the current {plan.months} months", "months")
    try:
        end = planning.plan_end(plan.start_date, months)
    except planning.PlanningError as exc:
        raise PlanError(str(exc), "months") from exc
    dates = planning.lay_out(
        [planning.Slot.of(m) for m in plan.milestones],
        plan.playbook_version.weeks, plan.start_date, end, plan.working_day_list, on_site_day_list(plan),
    )
    # Done, not applicable and hand-set (tailoring) dates stay as they are.
    return end, [d if m.is_open and not m.due_tailored else m.due_date for m, d in zip(plan.milestones, dates)]


def extend(plan: Plan, user: User, months: int, remote_addr=None) -> None:
    """Change a plan's length and spread its open milestones over the new length."""
    end, dates = extended_dates(plan, months)
    for m, d in zip(plan.milestones, dates):
        m.due_date = d
    audit.record(user, "plan.extend", plan, remote_addr, months_from=plan.months, months_to=months)
    plan.months = months
    plan.end_date = end


def close(plan: Plan, user: User, status: str, remote_addr=None) -> None:
    if status not in CLOSED_PLAN_STATUSES:
        raise PlanError("a plan closes as completed or withdrawn", "status")
    if plan.is_closed:
        raise PlanError(f"this plan is already {plan.status}", "status")
    plan.status = status
    plan.closed_at = utcnow()
    audit.record(user, {"completed": "plan.complete", "withdrawn": "plan.withdraw"}[status], plan, remote_addr)
    webhooks.record(f"plan.{status}", plan)


def reassign(plan: Plan, user: User, sponsor: User | None = None, mentor: User | None = None, clear_mentor=False, remote_addr=None) -> None:
    if sponsor is not None:
        if sponsor.id == plan.leader_id:
            raise PlanError("the sponsor must be someone other than the leader", "sponsor")
        plan.sponsor = sponsor
    if clear_mentor:
        plan.mentor = None
    elif mentor is not None:
        if mentor.id in (plan.leader_id, plan.sponsor_id):
            raise PlanError("the mentor must be someone other than the leader and the sponsor", "mentor")
        plan.mentor = mentor
    audit.record(user, "plan.reassign", plan, remote_addr, sponsor=plan.sponsor.email, mentor=plan.mentor.email if plan.mentor else None)


# --- progress -------------------------------------------------------------------------------


def progress(plan: Plan, on: date | None = None) -> planning.Progress:
    """planning.progress for a loaded plan and its milestones."""
    on = on or today()
    return planning.progress(
        plan.start_date, plan.end_date, on,
        done=sum(1 for m in plan.milestones if m.is_done),
        total=sum(1 for m in plan.milestones if m.is_counted),  # not applicable is not counted
        overdue=sum(1 for m in plan.milestones if m.is_overdue(on)),
        completed=plan.is_completed,
    )


def owner_calendar(milestone: Milestone) -> planning.Calendar:
    """The leader works the plan's own days; sponsors, mentors and HR work Monday to Friday."""
    return role_calendar(milestone.plan, milestone.owner)


def role_calendar(plan: Plan, role: str) -> planning.Calendar:
    """The working days of whoever holds ``role`` on ``plan`` (see owner_calendar)."""
    if role == "leader":
        return _leader_calendar(plan.working_days)
    return planning.Calendar()


@lru_cache(maxsize=256)
def _leader_calendar(working_days: str) -> planning.Calendar:
    """Parsed once per pattern: the pages ask for each milestone's state, row by row."""
    return planning.Calendar(planning.parse_working_days(working_days))


def milestone_state(milestone: Milestone, on: date | None = None, within: int | None = None) -> str:
    """done | not_applicable | overdue | due_soon | not_started. ``within`` is the due-soon
    window in working days (by default the plan's playbook's, else the setting: see
    due_soon_working_days)."""
    on = on or today()
    if not milestone.is_open:
        return milestone.status  # done, or not_applicable (never overdue, never due soon)
    if milestone.due_date < on:
        return "overdue"
    if within is None:
        within = due_soon_working_days(milestone.plan.playbook_version.nudges)
    if planning.is_due_soon(milestone.due_date, on, within, owner_calendar(milestone)):
        return "due_soon"
    return "not_started"
