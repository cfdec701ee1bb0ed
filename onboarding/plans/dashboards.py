"""Rows for the dashboards: one per plan with its people, progress and check-ins.

``plan_rows`` issues the same three queries whatever the number of plans (plans with
their people and playbook, milestone counts per plan, latest check-in per plan; up to
ID_CHUNK plans), so a page listing 5 plans costs what a page listing 500 does. The sponsor dashboard and
HR's cohort page both build on it; ``by_need`` orders the sponsor's leaders, and
``owned_milestones`` lists what a sponsor or mentor has to complete themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from .. import plans
from ..extensions import db
from ..models import CLOSED_PLAN_STATUSES, CheckIn, Milestone, Plan, Playbook, PlaybookVersion, User
from ..people import access
from . import checkins, planning

# The people and playbook of each plan, joined under these names. Made once: SQLAlchemy adapts
# each column of a new alias the first time it is used, which cost more than running the
# queries when every request made its own.
LEADER, SPONSOR, MENTOR = aliased(User), aliased(User), aliased(User)
VERSION, PLAYBOOK = aliased(PlaybookVersion), aliased(Playbook)


@dataclass
class PlanRow:
    plan_id: int
    status: str
    leader_id: int
    leader_name: str
    leader_email: str
    sponsor_id: int
    sponsor_name: str
    sponsor_email: str
    mentor_id: int | None
    mentor_name: str | None
    playbook_slug: str
    playbook_title: str
    playbook_version: int
    start_date: date
    end_date: date
    months: int
    progress: planning.Progress
    last_checkin_on: date | None
    last_rag: str | None
    next_checkin_due: date | None
    checkin_overdue: bool
    expected_return_on: date | None = None  # a paused plan's, as HR gave it

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_PLAN_STATUSES

    @property
    def need(self) -> str:
        """Why this leader needs their sponsor now: the first of NEEDS that applies."""
        if self.checkin_overdue:
            return "checkin_overdue"
        if self.last_rag in ("red", "amber"):
            return self.last_rag
        return "milestones_overdue" if self.progress.overdue else "on_track"

    def need_key(self) -> tuple:
        """Sort key for "who needs me": by NEEDS, then the earliest next check-in (so the
        longest-overdue check-in leads), then the most overdue milestones, then the name."""
        return (NEEDS.index(self.need), self.next_checkin_due or date.max, -self.progress.overdue,
                self.leader_name.casefold(), self.plan_id)


# The sponsor dashboard's order, most pressing first (the page says it in words too).
NEEDS = ("checkin_overdue", "red", "amber", "milestones_overdue", "on_track")


def by_need(rows: Iterable[PlanRow]) -> list[PlanRow]:
    """The rows ordered by how much each leader needs their sponsor (PlanRow.need_key)."""
    return sorted(rows, key=PlanRow.need_key)


def _plans_query(source) -> tuple[sa.Select, list[int] | None]:
    """The caller's plans as a statement (keeping its filters, order, limit and offset:
    HR's cohort paginates), and the ids it asked for when it gave ids."""
    if isinstance(source, sa.Select):
        return source, None
    ids = [int(i) for i in source]
    return sa.select(Plan).where(Plan.id.in_(ids)), ids


# The per-plan queries filter on the ids found, a bounded list whatever the caller's query
# looks like; a very long list (an export of everything) is split to stay under the
# databases' limits on bound parameters.
ID_CHUNK = 5000


def _chunks(ids: list[int]):
    for i in range(0, len(ids), ID_CHUNK):
        yield ids[i:i + ID_CHUNK]


def plan_rows(plan_query_or_ids: sa.Select | Iterable[int], today: date | None = None) -> list[PlanRow]:
    """One row per plan, in the query's order (or the order of the ids given).

    ``plan_query_or_ids`` is a ``select(Plan)`` (for example ``access.visible_plans(user)``
    with filters) or plan ids. Three queries in all, however many plans there are.
    """
    today = today or plans.today()
    found = _plans_with_names(plan_query_or_ids)
    counts, latest = {}, {}
    for chunk in _chunks([r[0].id for r in found]):
        counts.update(_milestone_counts(chunk, today))
        latest.update(_latest_checkins(chunk))
    return [_row(r, counts.get(r[0].id, (0, 0, 0)), latest.get(r[0].id, (None, None, None)), today) for r in found]


def _plans_with_names(plan_query_or_ids: sa.Select | Iterable[int]) -> list[sa.Row]:
    """(plan, leader name, leader email, sponsor name, sponsor email, mentor name, playbook
    slug, version title, version number) per plan, in the caller's order: one query."""
    query, given_ids = _plans_query(plan_query_or_ids)
    # Aliases throughout, so a caller's query may join these tables itself (to filter).
    leader, sponsor, mentor, version, playbook = LEADER, SPONSOR, MENTOR, VERSION, PLAYBOOK
    statement = (
        query.join(leader, leader.id == Plan.leader_id)
        .join(sponsor, sponsor.id == Plan.sponsor_id)
        .outerjoin(mentor, mentor.id == Plan.mentor_id)
        .join(version, version.id == Plan.playbook_version_id)
        .join(playbook, playbook.id == version.playbook_id)
        .add_columns(
            leader.name, leader.email, sponsor.name, sponsor.email, mentor.name,
            playbook.slug, version.title, version.number,
        )
    )
    found = db.session.execute(statement).all()
    if given_ids is not None:
        position = {plan_id: i for i, plan_id in enumerate(given_ids)}
        found.sort(key=lambda r: position.get(r[0].id, 0))
    return found


def _row(found: sa.Row, counts: tuple[int, int, int], latest: tuple, today: date) -> PlanRow:
    plan, leader_name, leader_email, sponsor_name, sponsor_email, mentor_name, slug, title, number = found
    done, counted, overdue = counts
    last_on, last_rag, last_next = latest
    progress = planning.progress(plan.start_date, plan.end_date, today, done=done, total=counted,
                                 overdue=overdue, completed=plan.is_completed)
    next_due = None if plan.is_closed else checkins.next_due(plan.start_date, plan.checkin_cadence_days, last_on, last_next)
    return PlanRow(
        plan_id=plan.id,
        status=plan.status,
        leader_id=plan.leader_id,
        leader_name=leader_name,
        leader_email=leader_email,
        sponsor_id=plan.sponsor_id,
        sponsor_name=sponsor_name,
        sponsor_email=sponsor_email,
        mentor_id=plan.mentor_id,
        mentor_name=mentor_name,
        playbook_slug=slug,
        playbook_title=title,
        playbook_version=number,
        start_date=plan.start_date,
        end_date=plan.end_date,
        months=plan.months,
        progress=progress,
        last_checkin_on=last_on,
        last_rag=last_rag,
        next_checkin_due=next_due,
        checkin_overdue=checkins.is_overdue(plan, next_due, today),
        expected_return_on=plan.expected_return_on if plan.is_paused else None,
    )


def _milestone_counts(ids: list[int], today: date) -> dict[int, tuple[int, int, int]]:
    """plan id -> (done, total, overdue), in one grouped query."""
    one = sa.literal(1)
    statement = (
        sa.select(
            Milestone.plan_id,
            sa.func.sum(sa.case((Milestone.is_done, one), else_=0)),
            sa.func.count(),
            sa.func.sum(sa.case((sa.and_(Milestone.is_open, Milestone.due_date < today), one), else_=0)),
        )
        .where(Milestone.plan_id.in_(ids), Milestone.is_counted)  # not applicable: not counted
        .group_by(Milestone.plan_id)
    )
    return {plan_id: (int(d or 0), int(c or 0), int(o or 0)) for plan_id, d, c, o in db.session.execute(statement)}


def _latest_checkins(ids: list[int]) -> dict[int, tuple[date, str, date | None]]:
    """plan id -> (held on, RAG, next check-in date) of its latest check-in, in one query."""
    ranked = (
        sa.select(
            CheckIn.plan_id,
            CheckIn.held_on,
            CheckIn.rag,
            CheckIn.next_checkin_on,
            sa.func.row_number()
            .over(partition_by=CheckIn.plan_id, order_by=(CheckIn.held_on.desc(), CheckIn.id.desc()))
            .label("rank"),
        )
        .where(CheckIn.plan_id.in_(ids))
        .subquery()
    )
    statement = sa.select(ranked.c.plan_id, ranked.c.held_on, ranked.c.rag, ranked.c.next_checkin_on).where(
        ranked.c.rank == 1
    )
    return {plan_id: (held_on, rag, next_on) for plan_id, held_on, rag, next_on in db.session.execute(statement)}


@dataclass
class OwnedMilestone:
    milestone_id: int
    plan_id: int
    title: str
    due_date: date
    state: str  # overdue | due_soon | not_started
    leader_name: str


def owned_milestones(user, role: str, today: date | None = None, plan_id: int | None = None) -> list[OwnedMilestone]:
    """Open milestones owned by ``role`` on the running plans where ``user`` holds that role
    (a sponsor's on the plans they sponsor, a mentor's on those they mentor), soonest first,
    in one query. ``plan_id`` narrows it to one plan."""
    today = today or plans.today()
    leader = LEADER
    statement = (
        sa.select(Milestone, leader.name, PlaybookVersion.nudges)
        .join(Plan, Plan.id == Milestone.plan_id)
        .join(leader, leader.id == Plan.leader_id)
        .join(PlaybookVersion, PlaybookVersion.id == Plan.playbook_version_id)
        .where(access.in_role(user, role), Plan.is_open, Milestone.owner == role, Milestone.is_open)
        .order_by(Milestone.due_date, Milestone.plan_id, Milestone.position)
        # The plan comes with its milestones: milestone_state reads it (for the owner's
        # working days), and a query per plan would make the page cost grow with the plans.
        .options(contains_eager(Milestone.plan))
    )
    if plan_id is not None:
        statement = statement.where(Plan.id == plan_id)
    return [
        OwnedMilestone(m.id, m.plan_id, m.title, m.due_date,
                       plans.milestone_state(m, today, plans.due_soon_working_days(nudges)), leader_name)
        for m, leader_name, nudges in db.session.execute(statement)
    ]
