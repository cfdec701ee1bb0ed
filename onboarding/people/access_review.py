"""HR's access review: each active user, their rights and the plans they reach, with their role on
each, as the access rules (``access.roles``) decide them. Three queries whatever the number of
users or plans (the users; the plans with their leaders; the plans' supporters)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Plan, User
from . import access

ROLE_LABELS = {"leader": "Leader", "sponsor": "Executive sponsor", "mentor": "Mentor", "buddy": "Buddy",
               "assistant": "Executive assistant", "peer_mentor": "Peer mentor"}
CSV_COLUMNS = ("Name", "Email", "HR rights", "Plan", "Plan of", "Plan status", "Roles on the plan")


@dataclass
class Reach:
    plan: Plan
    roles: list[str]  # labels, in ROLE_LABELS order


@dataclass
class Person:
    user: User
    hr: bool
    plans: list[Reach] = field(default_factory=list)

    @property
    def reaches_every_plan(self) -> bool:
        return self.hr


def _people_on(plan: Plan) -> set[int]:
    """Who might hold a role on the plan: the candidates access.roles then decides for."""
    named = {plan.leader_id, plan.sponsor_id, plan.mentor_id} | {s.user_id for s in plan.supporters}
    return {user_id for user_id in named if user_id is not None}


def review() -> list[Person]:
    """Every active user, by name, with the plans they reach through a role on them (HR reaches
    every plan besides)."""
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)).all()
    plans = db.session.scalars(sa.select(Plan).options(joinedload(Plan.leader), selectinload(Plan.supporters))
                               .order_by(Plan.id)).unique().all()
    candidates: dict[int, list[Plan]] = defaultdict(list)
    for plan in plans:
        for user_id in _people_on(plan):
            candidates[user_id].append(plan)
    people = []
    for user in users:
        person = Person(user, access.is_hr(user))
        for plan in candidates.get(user.id, []):
            held = access.roles(user, plan) - {"hr"}
            if held:
                person.plans.append(Reach(plan, [label for role, label in ROLE_LABELS.items() if role in held]))
        people.append(person)
    return people


def csv_rows(people: list[Person]) -> list[tuple]:
    """One row per person and plan they hold a role on; HR's rights as a row of their own."""
    rows = []
    for p in people:
        hr = "Yes" if p.hr else "No"
        if p.hr:
            rows.append((p.user.name, p.user.email, hr, "Every plan", "", "", "HR"))
        for reach in p.plans:
            rows.append((p.user.name, p.user.email, hr, reach.plan.id, reach.plan.leader.name, reach.plan.status,
                         ", ".join(reach.roles)))
        if not p.hr and not p.plans:
            rows.append((p.user.name, p.user.email, hr, "None", "", "", ""))
    return rows
