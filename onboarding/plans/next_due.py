"""Each plan's earliest open due date (``Plan.next_open_due``), kept in step with its
milestones, so that the cohort finds the plans with an overdue milestone from an index of plans
instead of looking through every plan's milestones (which grew with the number of plans).

Milestone changes made through the ORM (status, due date, new and deleted milestones: tailoring,
rebase, extend, pause and resume) are caught when the session flushes; the conditional
complete/reopen, a bulk UPDATE, calls ``refresh`` itself, and ``plans.create_plan`` sets it from
the dates it lays out (every milestone of a new plan is open)."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Milestone, Plan

_PENDING = "onboarding.next_due.plans"  # plan ids a flush changed, in session.info until it ends
_WATCHED = ("status", "due_date", "plan_id")


def earliest_open_due():
    """The plan's earliest open due date, as SQL correlated to the plan."""
    return (sa.select(sa.func.min(Milestone.due_date))
            .where(Milestone.plan_id == Plan.id, Milestone.is_open).scalar_subquery())


def refresh(session: Session, plan_ids: Iterable[int] | None = None) -> None:
    """Work out ``next_open_due`` again for these plans (every plan when None), in the
    session's transaction, and let loaded plans read the new value."""
    statement = sa.update(Plan).values(next_open_due=earliest_open_due())
    ids = None if plan_ids is None else set(plan_ids)
    if ids is not None:
        if not ids:
            return
        statement = statement.where(Plan.id.in_(sorted(ids)))
    # On the connection: this also runs inside a flush, where the ORM session may not execute.
    session.connection().execute(statement)
    for plan in [obj for obj in session.identity_map.values() if isinstance(obj, Plan)]:
        if ids is None or plan.id in ids:
            session.expire(plan, ["next_open_due"])


def _changed(milestone: Milestone) -> bool:
    state = sa.inspect(milestone)
    return any(state.attrs[name].history.has_changes() for name in _WATCHED)


@sa.event.listens_for(Session, "after_flush")
def _note_changed_plans(session: Session, _context) -> None:
    plan_ids = session.info.setdefault(_PENDING, set())
    for milestone in (*session.new, *session.deleted):
        if isinstance(milestone, Milestone) and milestone.plan_id is not None:
            plan_ids.add(milestone.plan_id)
    for milestone in session.dirty:
        if isinstance(milestone, Milestone) and _changed(milestone):
            plan_ids.add(milestone.plan_id)
            plan_ids.update(v for v in sa.inspect(milestone).attrs.plan_id.history.deleted if v is not None)


@sa.event.listens_for(Session, "after_flush_postexec")
def _refresh_changed_plans(session: Session, _context) -> None:
    if plan_ids := session.info.pop(_PENDING, None):
        refresh(session, plan_ids)
