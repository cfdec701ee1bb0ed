"""Loading what the nudge policy and the emails need: column selects in a constant
number of queries (no ORM objects), because a national cohort has hundreds of
thousands of milestones."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import CheckIn, Milestone, Plan, PlanSupporter, PlaybookVersion, User
from ..models.voice import Pulse
from ..plans import pulses as plan_pulses
from ..plans.checkins import latest_dates
from ..plans.planning import next_days_end, parse_working_days
from .policy import PULSE_KINDS, MilestoneFacts, Person, PlanFacts, Policy, PulseFacts


def in_(column, values):
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter, so the SQL stays
    short and the same whatever the list (psycopg parses every new long statement)."""
    values = list(values)
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def core(stmt):
    """Run a read-only column select on the session's connection (same transaction):
    plain Core rows, without the ORM's per-row result handling."""
    return db.session.connection().execute(stmt).all()  # fetchall: much cheaper than row by row


def load_facts(config: Mapping, today: date | None = None) -> list[PlanFacts]:
    """Snapshots of every active plan, with only its open milestones (the policy ignores
    the others); given ``today``, only those that can be due soon or overdue then (see
    ``horizon``). Column selects in a constant number of queries, not ORM objects: a
    national cohort has hundreds of thousands of milestones."""
    active = sa.select(Plan.id).where(Plan.status == "active")
    rows = core(
        sa.select(
            Plan.id, Plan.leader_id, Plan.sponsor_id, Plan.mentor_id, Plan.hr_contact_id, Plan.playbook_version_id,
            Plan.start_date, Plan.end_date, Plan.working_days, Plan.checkin_cadence_days,
        )
        .where(Plan.status == "active")
        .order_by(Plan.id)
    )
    if not rows:
        return []
    # Each active plan's buddy (the first named, should there be more), for buddy-owned milestones.
    buddies = dict(core(
        sa.select(PlanSupporter.plan_id, sa.func.min(PlanSupporter.user_id))
        .join(Plan, Plan.id == PlanSupporter.plan_id)
        .where(Plan.status == "active", PlanSupporter.role == "buddy").group_by(PlanSupporter.plan_id)
    ))
    people = _people(active)
    policies, pulse_weeks = _versions(config)
    answered, hr_people = _answered_pulses(active), _hr_people()
    last = latest_dates(active)
    milestones = _open_milestones(horizon(today, policies.values(), config) if today else None)
    default_cadence = config.get("CHECKIN_CADENCE_DAYS", 14)
    patterns: dict[str, tuple[str, ...]] = {}
    facts = []
    for r in rows:
        if r.working_days not in patterns:
            patterns[r.working_days] = parse_working_days(r.working_days)
        facts.append(
            PlanFacts(
                id=r.id,
                status="active",
                leader=people.get(r.leader_id),
                sponsor=people.get(r.sponsor_id),
                mentor=people.get(r.mentor_id),
                hr_contact=people.get(r.hr_contact_id),
                buddy=people.get(buddies.get(r.id)),
                start_date=r.start_date,
                working_days=patterns[r.working_days],
                checkin_cadence_days=r.checkin_cadence_days or default_cadence,
                last_checkin=last.get(r.id, (None, None))[0],
                next_checkin_on=last.get(r.id, (None, None))[1],
                milestones=tuple(milestones.pop(r.id, ())),
                policy=policies.get(r.playbook_version_id) or Policy.from_settings(config),
                pulses=_pulse_facts(r, patterns[r.working_days], pulse_weeks.get(r.playbook_version_id), answered),
                hr_people=hr_people,
            )
        )
    return facts


def _people(active) -> dict[int, Person]:
    """Everyone an active plan may nudge: its leader, sponsor, mentor, HR contact and buddy."""
    people_ids = sa.union(*(sa.select(col).where(Plan.status == "active")
                            for col in (Plan.leader_id, Plan.sponsor_id, Plan.mentor_id, Plan.hr_contact_id)),
                          sa.select(PlanSupporter.user_id).where(PlanSupporter.plan_id.in_(active),
                                                                  PlanSupporter.role == "buddy"))
    return {
        r.id: Person(r.id, r.email, r.name, bool(r.active), r.nudge_mode or "all")
        for r in core(
            sa.select(User.id, User.email, User.name, User.active, User.nudge_mode).where(User.id.in_(people_ids))
        )
    }


def _versions(config: Mapping) -> tuple[dict[int, Policy], dict[int, list | None]]:
    """The nudge policy and the pulse weeks of each playbook version an active plan follows."""
    policies, pulse_weeks = {}, {}
    for vid, nudges, weeks in core(
        sa.select(PlaybookVersion.id, PlaybookVersion.nudges, PlaybookVersion.pulses).where(
            PlaybookVersion.id.in_(sa.select(Plan.playbook_version_id).where(Plan.status == "active"))
        )
    ):
        policies[vid], pulse_weeks[vid] = Policy.from_settings(config, nudges), weeks
    return policies, pulse_weeks


def _answered_pulses(plans) -> dict[tuple[int, str], bool]:
    """(plan id, key) -> whether it was answered low, for the answered pulses of these plans."""
    return {(r.plan_id, r.key): plan_pulses.is_low(r.sponsor_support, r.belonging) for r in core(
        sa.select(Pulse.plan_id, Pulse.key, Pulse.sponsor_support, Pulse.belonging)
        .where(Pulse.plan_id.in_(plans), Pulse.answered_at.is_not(None))
    )}


def _hr_people() -> tuple[Person, ...]:
    """Every active HR user: a low pulse score alerts them all."""
    return tuple(Person(r.id, r.email, r.name, True, r.nudge_mode or "all") for r in core(
        sa.select(User.id, User.email, User.name, User.nudge_mode).where(User.is_hr, User.active).order_by(User.id)
    ))


def _pulse_facts(plan, working_days, weeks, answered: dict) -> tuple[PulseFacts, ...]:
    schedule = _schedule(plan.start_date, plan.end_date, tuple(working_days), None if weeks is None else tuple(weeks))
    return tuple(
        PulseFacts(s.key, s.due_on, (plan.id, s.key) in answered, answered.get((plan.id, s.key), False))
        for s in schedule
    )


@lru_cache(maxsize=4096)
def _schedule(start: date, end: date, working_days: tuple, weeks: tuple | None) -> tuple:
    # Worked out once per start, end, pattern and weeks: a cohort's plans share a few hundred.
    return tuple(plan_pulses.schedule_for(start, end, working_days, weeks))


def horizon(today: date, policies, config: Mapping) -> date:
    """A day after which no milestone due can be "due soon" on ``today`` under any of these
    policies: the policy reads the rest of a plan's future milestones only to drop them, and
    they are most of a national cohort's. Generous on purpose: N of the owner's working days
    are at most N weeks for someone working one day a week, plus a week for each bank holiday
    the window may hold (five: Christmas to New Year, with room to spare)."""
    most = max([p.due_soon_working_days for p in policies] + [Policy.from_settings(config).due_soon_working_days])
    return today + timedelta(weeks=most + 5)


def _open_milestones(until: date | None = None) -> dict[int, list[MilestoneFacts]]:
    """plan id -> the open milestones of each active plan (due by ``until``, if given), in plan order."""
    milestones: dict[int, list[MilestoneFacts]] = {}
    titles: dict[str, str] = {}  # one string per distinct title: plans share their playbook's titles
    due_by = [Milestone.due_date <= until] if until else []
    for plan_id, mid, title, owner, due in core(
        sa.select(Milestone.plan_id, Milestone.id, Milestone.title, Milestone.owner, Milestone.due_date)
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(Plan.status == "active", Milestone.status == "todo", *due_by)
        .order_by(Milestone.plan_id, Milestone.position, Milestone.id)
    ):
        milestones.setdefault(plan_id, []).append(
            MilestoneFacts(mid, titles.setdefault(title, title), owner, due, "todo")
        )
    return milestones


@dataclass
class Batch:
    """Everything a batch of claimed nudges needs, loaded in a few queries: plain rows."""

    nudges: dict[int, list] = field(default_factory=dict)  # recipient id -> claimed rows, by id
    previous: dict[int, tuple] = field(default_factory=dict)  # nudge id -> (status, next_attempt_at) before the claim
    people: dict[int, Person] = field(default_factory=dict)
    plans: dict[int, object] = field(default_factory=dict)
    milestones: dict[int, object] = field(default_factory=dict)
    checkins: dict[int, tuple] = field(default_factory=dict)  # plan id -> (held on, next date set) of its latest
    sponsored: dict[int, list] = field(default_factory=dict)  # digest recipient -> plans, by start date
    digest_milestones: dict[int, list] = field(default_factory=dict)  # plan id -> open milestones due within a week
    digest_counts: dict[int, object] = field(default_factory=dict)  # plan id -> done, overdue, total
    logged: dict[int, object] = field(default_factory=dict)  # check-in id -> what the leader's actions email says
    pulses: dict[tuple, object] = field(default_factory=dict)  # (plan id, key) -> an answered pulse's row


# The weekly digest lists what is due in the next this many days (planning.is_due_within).
DIGEST_DAYS = 7


def prefetch(batch: Batch, today: date) -> None:
    """Load what the re-check and the emails need for every claimed nudge in the batch."""
    rows = [n for ns in batch.nudges.values() for n in ns]
    plan_ids = {n.plan_id for n in rows if n.plan_id is not None}
    milestone_ids = {n.milestone_id for n in rows if n.milestone_id is not None}
    digest_ids = {n.recipient_id for n in rows if n.kind == "digest"}
    leader = aliased(User)
    where = [in_(Plan.id, plan_ids)] if plan_ids else []
    if digest_ids:
        where.append(in_(Plan.sponsor_id, digest_ids))
    if where:
        for p in core(
            sa.select(
                Plan.id, Plan.status, Plan.sponsor_id, Plan.start_date, Plan.end_date, Plan.working_days,
                Plan.checkin_cadence_days, Plan.leader_id, leader.name.label("leader_name"),
            )
            .join(leader, leader.id == Plan.leader_id)
            .where(sa.or_(*where))
            .order_by(Plan.start_date, Plan.id)
        ):
            batch.plans[p.id] = p
            if p.sponsor_id in digest_ids:
                batch.sponsored.setdefault(p.sponsor_id, []).append(p)
        batch.checkins = latest_dates(list(batch.plans))
    batch.people = {
        u.id: Person(u.id, u.email, u.name, bool(u.active), u.nudge_mode or "all")
        for u in core(
            sa.select(User.id, User.email, User.name, User.active, User.nudge_mode).where(in_(User.id, list(batch.nudges)))
        )
    }
    if milestone_ids:
        batch.milestones = {
            m.id: m
            for m in core(
                sa.select(Milestone.id, Milestone.title, Milestone.owner, Milestone.due_date, Milestone.status).where(
                    in_(Milestone.id, milestone_ids)
                )
            )
        }
    _load_checkins(batch)
    _load_pulses(batch)
    _load_digests(batch, today)
    # Nothing is held open while emails go out (a long read would hold SQLite's lock).
    db.session.commit()


def _load_checkins(batch: Batch) -> None:
    """For the leader's check-in actions emails: the check-in and its sponsor's name (never
    the private note)."""
    ids = {n.subject_id for ns in batch.nudges.values() for n in ns if n.kind == "checkin_actions"}
    if not ids:
        return
    sponsor = aliased(User)
    batch.logged = {
        c.id: c
        for c in core(
            sa.select(CheckIn.id, CheckIn.plan_id, CheckIn.held_on, CheckIn.actions, CheckIn.next_checkin_on,
                      sponsor.name.label("sponsor_name"))
            .join(sponsor, sponsor.id == CheckIn.sponsor_id)
            .where(in_(CheckIn.id, ids))
        )
    }


def _load_pulses(batch: Batch) -> None:
    """For pulse emails: the answered pulses they are about (none for a due one still open)."""
    plan_ids = {n.plan_id for ns in batch.nudges.values() for n in ns if n.kind in PULSE_KINDS}
    if plan_ids:
        batch.pulses = {(p.plan_id, p.key): p for p in core(
            sa.select(Pulse.plan_id, Pulse.key, Pulse.sponsor_support, Pulse.belonging)
            .where(in_(Pulse.plan_id, plan_ids), Pulse.answered_at.is_not(None))
        )}


def _load_digests(batch: Batch, today: date) -> None:
    """For digest emails: each plan's milestone counts (for progress) and only the
    milestones the digest lists (open, due within a week)."""
    digest_plans = [p.id for ps in batch.sponsored.values() for p in ps if p.status == "active"]
    if not digest_plans:
        return
    soon = next_days_end(today, DIGEST_DAYS)
    todo = Milestone.status == "todo"

    def count(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    for c in core(
        sa.select(
            Milestone.plan_id, count(Milestone.status == "done").label("done"),
            count(sa.and_(todo, Milestone.due_date < today)).label("overdue"), sa.func.count().label("total"),
        )
        .where(in_(Milestone.plan_id, digest_plans), Milestone.is_counted)  # not applicable: not counted
        .group_by(Milestone.plan_id)
    ):
        batch.digest_counts[c.plan_id] = c
    for m in core(
        sa.select(Milestone.plan_id, Milestone.status, Milestone.due_date, Milestone.title)
        .where(in_(Milestone.plan_id, digest_plans), todo, Milestone.due_date <= soon)
        .order_by(Milestone.plan_id, Milestone.position, Milestone.id)
    ):
        batch.digest_milestones.setdefault(m.plan_id, []).append(m)
