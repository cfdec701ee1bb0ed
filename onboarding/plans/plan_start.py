"""Starting a plan: the one set of rules the HR page, the API and the CLI share.

Each channel turns its own input into emails, a playbook slug, a date, a number of
months, working days and on-site days; ``check`` judges them and ``start`` writes the
plan. A refusal is a StartError naming the field (leader, sponsor, mentor, playbook,
start, months, working_days, on_site_days); each caller maps that to its own form field, JSON field or
command-line option. Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from .. import plans, playbooks
from ..extensions import db
from ..models import Plan, PlaybookVersion, User
from ..models.storable import is_storable
from ..people import accounts
from . import dates, directory, planning

FIELDS = ("leader", "sponsor", "mentor", "playbook", "start", "months", "working_days", "on_site_days")
MAX_SLUG = 80


class StartError(plans.PlanError):
    """Every problem found, field -> message; ``field`` and the message are the first."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


@dataclass
class Checked:
    leader: User | None  # None: a new leader the caller invites
    sponsor: User | None  # None: a new sponsor the caller invites
    mentor: User | None  # None: no mentor, or a new one the caller invites (new_mentor)
    version: PlaybookVersion
    start: date
    months: int
    working_days: tuple[str, ...]
    milestones: list[plans.PlannedMilestone]
    new_mentor: bool = False
    on_site_days: tuple[str, ...] = ()  # empty: on site every working day

    @property
    def end(self) -> date:
        return planning.plan_end(self.start, self.months)


def _person(email: str | None, role: str, errors: dict) -> User | None:
    user = accounts.find_user(email) if email else None
    if user is None:
        errors[role] = f"There is no user with the email {email}" if email else f"Choose the {role}"
    elif not user.active:
        errors[role] = f"{user.email} is deactivated, so cannot be the {role}"
    else:
        return user
    return None


def person(email: str | None, role: str) -> User:
    """The active user with ``email`` to be a plan's ``role`` (also for reassigning), or
    StartError naming ``role``."""
    errors: dict[str, str] = {}
    user = _person(email, role, errors)
    if user is None:
        raise StartError(errors)
    return user


def _new_person(email: str | None, role: str, errors: dict) -> str:
    """A new person's email, to be invited: nobody may have it yet."""
    email = User.normalise_email(email or "")
    if not email:
        errors[role] = f"Enter the new {role}'s email address"
    elif accounts.find_user(email) is not None:
        errors[role] = f"Someone already has the email {email}: untick “new” to choose them"
    return email


def _version(slug: str | None, errors: dict) -> PlaybookVersion | None:
    found = playbooks.get_playbook(slug) if slug and len(slug) <= MAX_SLUG and is_storable(slug) else None
    if found is None or found.latest is None:
        errors["playbook"] = f"There is no playbook called {slug}" if slug else "Choose a playbook"
        return None
    return found.latest


def check(*, leader: str | None, sponsor: str | None, mentor: str | None, playbook: str | None, start: date,
          months: int, working_days=None, on_site_days=None, new_leader: bool = False, new_sponsor: bool = False,
          new_mentor: bool = False) -> Checked:
    """Judge a request to start a plan without writing anything. ``leader``, ``sponsor`` and
    ``mentor`` are emails; a ``new_*`` one is someone the caller invites on ``start`` (nobody
    may have that email yet); ``on_site_days`` are the working days a hybrid leader is on
    site (none: every working day). Raises StartError with every problem found."""
    errors: dict[str, str] = {}
    found: dict[str, User | None] = {}
    emails: dict[str, str] = {}
    for role, email, new in (("leader", leader, new_leader), ("sponsor", sponsor, new_sponsor),
                             ("mentor", mentor, new_mentor)):
        if new:
            emails[role], found[role] = _new_person(email, role, errors), None
        elif email or role != "mentor":
            found[role] = _person(email, role, errors)
            emails[role] = found[role].email if found[role] else ""
    if emails.get("sponsor") and emails.get("sponsor") == emails.get("leader"):
        errors["sponsor"] = "The sponsor must be someone other than the leader"
    if emails.get("mentor") and emails["mentor"] in {emails.get("leader"), emails.get("sponsor")}:
        errors["mentor"] = "The mentor must be someone other than the leader and the sponsor"
    version = _version(playbook, errors)
    if problem := planning.date_problem(start, "The start date"):
        errors["start"] = problem
    if not planning.MIN_MONTHS <= months <= planning.MAX_MONTHS:
        errors["months"] = f"Choose a length of {planning.MIN_MONTHS} to {planning.MAX_MONTHS} months, not {months}"
    try:
        days = planning.parse_working_days(working_days)
    except planning.PlanningError as exc:
        errors["working_days"], days = str(exc)[0].upper() + str(exc)[1:], None
    site = _on_site_days(on_site_days, days, errors) if days else ()
    if errors:
        raise StartError(dict(sorted(errors.items(), key=lambda item: FIELDS.index(item[0]))))
    try:
        laid_out = plans.preview(version, start, months, days, site)
    except plans.PlanError as exc:  # an end date past the planning years
        raise StartError({exc.field if exc.field in FIELDS else "start": str(exc)[0].upper() + str(exc)[1:]}) from exc
    checked = Checked(found.get("leader"), found.get("sponsor"), found.get("mentor"), version, start, months, days,
                      laid_out, new_mentor, site)
    if problem := timing_problem(checked):
        raise StartError({"months": problem})
    return checked


def _on_site_days(value, working_days: tuple[str, ...], errors: dict) -> tuple[str, ...]:
    """The on-site days, some of the working days; () for none named (every working day)."""
    if value is None or value == "" or value == []:
        return ()
    try:
        days = planning.parse_working_days(value)
    except planning.PlanningError:
        errors["on_site_days"] = "Choose on-site days from Monday to Friday"
        return ()
    if outside := [planning.DAY_TITLES[d] for d in days if d not in working_days]:
        errors["on_site_days"] = (f"The on-site days must be among the leader's working days: "
                                  f"{' and '.join(outside)} {'is' if len(outside) == 1 else 'are'} not")
        return ()
    return () if days == working_days else days


def timing_problem(checked: Checked) -> str | None:
    """Why the plan is too short for a milestone's not_before_week (the first such), or None."""
    templates = checked.version.templates
    slots = [planning.Slot.of(t) for t in templates]
    late = planning.timing_problems(slots, [m.due for m in checked.milestones], checked.start)
    if not late:
        return None
    t = templates[late[0]]
    needed = planning.months_needed(slots, checked.version.weeks, checked.start, checked.working_days,
                                    checked.on_site_days, late[0])
    if t.not_before_week and needed is not None and needed > checked.months:
        return f"{t.title} needs at least {needed} months: it cannot be due before week {t.not_before_week} of the plan"
    when = (f"in weeks {t.not_before_week} to {t.not_after_week}" if t.not_before_week and t.not_after_week
            else f"before week {t.not_before_week}" if t.not_before_week else f"after week {t.not_after_week}")
    return f"{t.title} cannot be due {when} of this plan on the leader's days: choose other days or another length"


def pattern_note(checked: Checked) -> str | None:
    """For a leader working fewer than five days: the working days this plan gives them against
    the playbook's full time, and the length that gives them as many."""
    found = planning.working_pattern(checked.start, checked.months, checked.working_days, checked.version.weeks)
    if found is None:
        return None
    note = (f"Working {found.days_a_week} {'day' if found.days_a_week == 1 else 'days'} a week, the leader has "
            f"{found.plan_days} working days in this {checked.months}-month plan. The playbook is written for "
            f"{checked.version.weeks} weeks full time, {found.reference_days} working days.")
    if found.suggested_months == checked.months and found.plan_days >= found.reference_days:
        return note + " This length gives them as many."
    if found.suggested_days < found.reference_days:
        return note + f" Even {planning.MAX_MONTHS} months give them only {found.suggested_days}."
    return note + f" A {found.suggested_months}-month plan gives them {found.suggested_days}."


class Warning(NamedTuple):
    """Something HR should confirm before a plan starts, though it may start: ``field`` is
    the input it is about (as StartError's fields)."""

    field: str
    message: str


def warnings(checked: Checked) -> list[Warning]:
    """What is unusual about a plan ``check`` approved, in the form's order."""
    found = []
    if checked.leader is not None:
        already = db.session.scalars(
            sa.select(Plan).where(Plan.leader_id == checked.leader.id, Plan.is_open).order_by(Plan.start_date)
        ).first()
        if already is not None:
            found.append(Warning("leader", f"{checked.leader.name} already has an open plan, which started "
                                           f"{dates.weekday(already.start_date)}: this would be a second one"))
    if checked.mentor is None and not checked.new_mentor and any(t.owner == "mentor" for t in checked.version.templates):
        found.append(Warning("mentor", f"The playbook {checked.version.title} has milestones for a mentor, "
                                       "and no mentor is chosen: nobody will be asked to do them"))
    if not planning.Calendar(checked.working_days).is_working_day(checked.start):
        why = "a bank holiday" if planning.is_bank_holiday(checked.start) else "not one of the leader's working days"
        found.append(Warning("start", f"The start date, {dates.weekday(checked.start)}, is {why}"))
    weeks = planning.plan_weeks(checked.start, checked.end)
    if weeks != checked.version.weeks:
        found.append(Warning("months", f"The playbook is written for {checked.version.weeks} weeks and this plan "
                                       f"runs {checked.months} months ({weeks} weeks): its milestones will be "
                                       f"{'spread out' if weeks > checked.version.weeks else 'squeezed'} to fit"))
    return found


def start(checked: Checked, *, leader: User | None = None, sponsor: User | None = None, mentor: User | None = None,
          actor: User | None = None, remote_addr=None):
    """Write the plan ``check`` approved; ``leader``, ``sponsor`` and ``mentor`` are the
    people invited when the check was made for new ones. The stakeholder map starts with
    a copy of HR's who's who, unscored."""
    plan = plans.create_plan(leader=checked.leader or leader, sponsor=checked.sponsor or sponsor,
                             mentor=checked.mentor or mentor, version=checked.version, start=checked.start,
                             months=checked.months, working_days=checked.working_days,
                             on_site_days=checked.on_site_days, actor=actor, remote_addr=remote_addr)
    directory.copy_to_map(plan, actor, remote_addr)
    return plan
