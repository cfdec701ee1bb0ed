"""Starting a plan: the one set of rules the HR page, the API and the CLI share.

Each channel turns its own input into emails, a playbook slug, a date, a number of
months and working days; ``check`` judges them and ``start`` writes the plan. A
refusal is a StartError naming the field (leader, sponsor, mentor, playbook, start,
months, working_days); each caller maps that to its own form field, JSON field or
command-line option. Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import plans, playbooks
from ..models import PlaybookVersion, User
from ..models.storable import is_storable
from ..people import accounts
from . import planning

FIELDS = ("leader", "sponsor", "mentor", "playbook", "start", "months", "working_days")
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
    sponsor: User
    mentor: User | None
    version: PlaybookVersion
    start: date
    months: int
    working_days: tuple[str, ...]
    milestones: list[plans.PlannedMilestone]

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


def _version(slug: str | None, errors: dict) -> PlaybookVersion | None:
    found = playbooks.get_playbook(slug) if slug and len(slug) <= MAX_SLUG and is_storable(slug) else None
    if found is None or found.latest is None:
        errors["playbook"] = f"There is no playbook called {slug}" if slug else "Choose a playbook"
        return None
    return found.latest


def check(*, leader: str | None, sponsor: str | None, mentor: str | None, playbook: str | None, start: date,
          months: int, working_days=None, new_leader: bool = False) -> Checked:
    """Judge a request to start a plan without writing anything. ``leader`` is an email,
    or ignored when ``new_leader`` (the caller invites that person on ``start``).
    Raises StartError with every problem found."""
    errors: dict[str, str] = {}
    leader_user = None if new_leader else _person(leader, "leader", errors)
    sponsor_user = _person(sponsor, "sponsor", errors)
    mentor_user = _person(mentor, "mentor", errors) if mentor else None
    if leader_user is not None and sponsor_user is not None and leader_user.id == sponsor_user.id:
        errors["sponsor"] = "The sponsor must be someone other than the leader"
    if mentor_user is not None and mentor_user.id in {getattr(leader_user, "id", None), getattr(sponsor_user, "id", None)}:
        errors["mentor"] = "The mentor must be someone other than the leader and the sponsor"
    version = _version(playbook, errors)
    if problem := planning.date_problem(start, "The start date"):
        errors["start"] = problem
    if not planning.MIN_MONTHS <= months <= planning.MAX_MONTHS:
        errors["months"] = f"Choose a length of {planning.MIN_MONTHS} to {planning.MAX_MONTHS} months, not {months}"
    try:
        days = planning.parse_working_days(working_days)
    except planning.PlanningError as exc:
        errors["working_days"] = str(exc)[0].upper() + str(exc)[1:]
    if errors:
        raise StartError(dict(sorted(errors.items(), key=lambda item: FIELDS.index(item[0]))))
    try:
        laid_out = plans.preview(version, start, months, days)
    except plans.PlanError as exc:  # an end date past the planning years
        raise StartError({exc.field if exc.field in FIELDS else "start": str(exc)[0].upper() + str(exc)[1:]}) from exc
    return Checked(leader_user, sponsor_user, mentor_user, version, start, months, days, laid_out)


def start(checked: Checked, *, leader: User | None = None, actor: User | None = None, remote_addr=None):
    """Write the plan ``check`` approved; ``leader`` is the invited person when the check
    was made for a new leader."""
    return plans.create_plan(leader=checked.leader or leader, sponsor=checked.sponsor, mentor=checked.mentor,
                             version=checked.version, start=checked.start, months=checked.months,
                             working_days=checked.working_days, actor=actor, remote_addr=remote_addr)
