"""Nudges: which are due (pure policy), the outbox (record once) and delivery.

The policy part works on plain snapshots (``PlanFacts``) and a date, so it can be
tested without a database. ``sweep`` loads the snapshots, records what is due in
the outbox (a unique-key conflict means "already recorded") and delivers pending
nudges, one email per recipient.

Safe when two sweeps race (two scheduler processes by mistake): recording is
INSERT ... ON CONFLICT DO NOTHING, and delivery claims a batch of recipients' rows
with an UPDATE ... WHERE status = 'pending' (after SELECT ... FOR UPDATE SKIP LOCKED
on PostgreSQL), so only one process ever sends a given nudge.

Safe when a sweep dies (SIGKILL, power cut): each email's nudges are marked sent in a
commit of their own as soon as the mail server accepts it, and rows a dead process
had claimed go back into delivery only when its lease runs out. So delivery is
at-least-once for one email only, the one in flight at the moment of the crash;
everything else goes exactly once.

Built for a national cohort: the facts are column selects (no ORM objects), the outbox
takes multi-row inserts, and delivery claims and loads a batch of recipients at a
time, so a sweep makes a few hundred queries plus one UPDATE per email sent.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from .planning import DEFAULT_WORKING_DAYS, Calendar, parse_working_days

log = logging.getLogger(__name__)

# Kinds, in the order they appear in an email.
KINDS = ("escalation", "overdue", "checkin_due", "due_soon", "digest")
# A claimed row while its email is being sent; the lease (next_attempt_at) lets a
# later sweep take it back if the process died mid-send.
SENDING = "sending"
OPEN_STATUSES = ("pending", SENDING)
LEASE = timedelta(minutes=10)
RECORD_BATCH = 1000  # rows per multi-row INSERT
DELIVERY_BATCH = 100  # recipients claimed, loaded and marked together

POLICY_KEYS = {
    "due_soon_working_days": "NUDGE_DUE_SOON_WORKING_DAYS",
    "overdue_every_working_days": "NUDGE_OVERDUE_EVERY_WORKING_DAYS",
    "escalate_after_working_days": "NUDGE_ESCALATE_AFTER_WORKING_DAYS",
}


# --- pure policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    due_soon_working_days: int = 3
    overdue_every_working_days: int = 5
    escalate_after_working_days: int = 10

    @classmethod
    def from_settings(cls, config: Mapping, overrides: Mapping | None = None) -> "Policy":
        """Global defaults from the app config, overridden by a playbook's ``nudges:`` block."""
        values = {}
        for key, setting in POLICY_KEYS.items():
            value = (overrides or {}).get(key, config.get(setting))
            if value is not None:
                values[key] = max(1, int(value))
        return cls(**values)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    active: bool = True
    nudge_mode: str = "all"


@dataclass(frozen=True)
class MilestoneFacts:
    id: int
    title: str
    owner: str
    due_date: date
    status: str = "todo"


@dataclass(frozen=True)
class PlanFacts:
    id: int
    leader: Person
    sponsor: Person
    start_date: date
    milestones: tuple[MilestoneFacts, ...] = ()
    status: str = "active"
    working_days: tuple[str, ...] = DEFAULT_WORKING_DAYS
    mentor: Person | None = None
    hr_contact: Person | None = None
    checkin_cadence_days: int = 14
    last_checkin: date | None = None
    policy: Policy = field(default_factory=Policy)

    def holder(self, role: str) -> Person | None:
        return {"leader": self.leader, "sponsor": self.sponsor, "mentor": self.mentor, "hr": self.hr_contact}.get(role)

    def calendar_for(self, role: str) -> Calendar:
        """The leader works their own pattern; sponsors, mentors and HR work Monday to Friday."""
        return Calendar(tuple(self.working_days)) if role == "leader" else Calendar()


@dataclass(frozen=True, order=True)
class Due:
    """One nudge to record. The first five fields are the outbox's unique key."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    period: str
    plan_id: int | None = None
    milestone_id: int | None = None


def _due_key(due: Due) -> tuple:
    # The unique key comes first in Due, so this is Due's own order, only cheaper to sort by.
    return (due.recipient_id, due.kind, due.subject_type, due.subject_id, due.period)


def wants(person: Person | None, kind: str) -> bool:
    """Whether this person receives this kind of nudge at all."""
    if person is None or not person.active or person.nudge_mode == "mute":
        return False
    return person.nudge_mode != "digest" or kind == "digest"


def checkin_anchor(plan: PlanFacts) -> date:
    """The date the check-in cadence counts from: the last check-in, or the start."""
    return max(d for d in (plan.last_checkin, plan.start_date) if d is not None)


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@lru_cache(maxsize=1 << 16)
def _between(cal: Calendar, start: date, end: date) -> int:
    # Thousands of milestones share a few calendars and due dates: count each pair once.
    return cal.working_days_between(start, end)


def milestone_nudges(plan: PlanFacts, m: MilestoneFacts, today: date) -> list[Due]:
    if m.status != "todo":
        return []
    found: list[Due] = []
    policy = plan.policy
    owner = plan.holder(m.owner)
    cal = plan.calendar_for(m.owner)
    if today <= m.due_date:
        # Due soon: within N of the owner's working days before the due date. Catching up
        # later in the window still records it (once, keyed by the due date).
        if (
            wants(owner, "due_soon")
            and cal.is_working_day(today)
            and _between(cal, today, m.due_date) <= policy.due_soon_working_days
        ):
            found.append(Due(owner.id, "due_soon", "milestone", m.id, m.due_date.isoformat(), plan.id, m.id))
        return found
    late = _between(cal, m.due_date, today)  # the owner's working days overdue
    if late >= 1 and wants(owner, "overdue") and cal.is_working_day(today):
        # The period is the index of the repeat, so a sweep after downtime records only
        # the current one rather than one per missed repeat.
        repeat = (late - 1) // policy.overdue_every_working_days
        found.append(Due(owner.id, "overdue", "milestone", m.id, f"{m.due_date.isoformat()}#{repeat}", plan.id, m.id))
    if (
        m.owner == "leader"
        and late >= policy.escalate_after_working_days
        and wants(plan.sponsor, "escalation")
        and plan.calendar_for("sponsor").is_working_day(today)
    ):
        found.append(Due(plan.sponsor.id, "escalation", "milestone", m.id, m.due_date.isoformat(), plan.id, m.id))
    return found


def checkin_nudge(plan: PlanFacts, today: date) -> list[Due]:
    anchor = checkin_anchor(plan)
    cadence = max(1, plan.checkin_cadence_days)
    periods = (today - anchor).days // cadence
    if periods < 1 or not wants(plan.sponsor, "checkin_due"):
        return []
    if not plan.calendar_for("sponsor").is_working_day(today):
        return []
    return [Due(plan.sponsor.id, "checkin_due", "plan", plan.id, f"{anchor.isoformat()}+{periods}", plan.id)]


def due_nudges(plans: Iterable[PlanFacts], today: date) -> list[Due]:
    """Every nudge due on ``today`` for these plans, in a stable order."""
    found: set[Due] = set()
    sponsors: dict[int, Person] = {}
    for plan in plans:
        if plan.status != "active":
            continue
        for m in plan.milestones:
            found.update(milestone_nudges(plan, m, today))
        found.update(checkin_nudge(plan, today))
        sponsors[plan.sponsor.id] = plan.sponsor
    # The weekly digest goes out on the sponsor's first working day of the week (Tuesday
    # after a bank holiday Monday); keyed by ISO week, so a later sweep in the same week
    # catches up once.
    if Calendar().is_working_day(today):
        for sponsor in sponsors.values():
            if wants(sponsor, "digest"):
                found.add(Due(sponsor.id, "digest", "user", sponsor.id, week_key(today)))
    return sorted(found, key=_due_key)


def backoff(attempts: int, base_minutes: int = 15) -> timedelta:
    """Wait before retry ``attempts`` + 1: 15 min, 45 min, 2 h 15, ... capped at a day."""
    return min(timedelta(minutes=base_minutes * 3 ** max(0, attempts - 1)), timedelta(days=1))


# --- loading snapshots from the database ----------------------------------------------------


def _person(user) -> Person | None:
    if user is None:
        return None
    return Person(user.id, user.email, user.name, bool(user.active), user.nudge_mode or "all")


def plan_facts(plan, config: Mapping, last_checkin: date | None = None) -> PlanFacts:
    return PlanFacts(
        id=plan.id,
        status=plan.status,
        leader=_person(plan.leader),
        sponsor=_person(plan.sponsor),
        mentor=_person(plan.mentor),
        hr_contact=_person(plan.hr_contact),
        start_date=plan.start_date,
        working_days=parse_working_days(plan.working_days),
        checkin_cadence_days=plan.checkin_cadence_days or config.get("CHECKIN_CADENCE_DAYS", 14),
        last_checkin=last_checkin,
        milestones=tuple(MilestoneFacts(m.id, m.title, m.owner, m.due_date, m.status) for m in plan.milestones),
        policy=Policy.from_settings(config, plan.playbook_version.nudges),
    )


def _in(column, values):
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter, so the SQL stays
    short and the same whatever the list (psycopg parses every new long statement)."""
    import sqlalchemy as sa

    from .extensions import db

    values = list(values)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _core(stmt):
    """Run a read-only column select on the session's connection (same transaction):
    plain Core rows, without the ORM's per-row result handling."""
    from .extensions import db

    return db.session.connection().execute(stmt).all()  # fetchall: much cheaper than row by row


def load_facts(config: Mapping) -> list[PlanFacts]:
    """Snapshots of every active plan, with only its open milestones (the policy ignores
    the others). Column selects in a constant number of queries, not ORM objects: a
    national cohort has hundreds of thousands of milestones."""
    import sqlalchemy as sa

    from .models import CheckIn, Milestone, Plan, PlaybookVersion, User

    active = sa.select(Plan.id).where(Plan.status == "active")
    rows = _core(
        sa.select(
            Plan.id, Plan.leader_id, Plan.sponsor_id, Plan.mentor_id, Plan.hr_contact_id, Plan.playbook_version_id,
            Plan.start_date, Plan.working_days, Plan.checkin_cadence_days,
        )
        .where(Plan.status == "active")
        .order_by(Plan.id)
    )
    if not rows:
        return []
    people_ids = sa.union(*(sa.select(col).where(Plan.status == "active")
                            for col in (Plan.leader_id, Plan.sponsor_id, Plan.mentor_id, Plan.hr_contact_id)))
    people = {
        r.id: Person(r.id, r.email, r.name, bool(r.active), r.nudge_mode or "all")
        for r in _core(
            sa.select(User.id, User.email, User.name, User.active, User.nudge_mode).where(User.id.in_(people_ids))
        )
    }
    policies = {
        vid: Policy.from_settings(config, nudges)
        for vid, nudges in _core(
            sa.select(PlaybookVersion.id, PlaybookVersion.nudges).where(
                PlaybookVersion.id.in_(sa.select(Plan.playbook_version_id).where(Plan.status == "active"))
            )
        )
    }
    last = dict(
        _core(
            sa.select(CheckIn.plan_id, sa.func.max(CheckIn.held_on))
            .where(CheckIn.plan_id.in_(active))
            .group_by(CheckIn.plan_id)
        )
    )
    milestones: dict[int, list[MilestoneFacts]] = {}
    titles: dict[str, str] = {}  # one string per distinct title: plans share their playbook's titles
    for plan_id, mid, title, owner, due in _core(
        sa.select(Milestone.plan_id, Milestone.id, Milestone.title, Milestone.owner, Milestone.due_date)
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(Plan.status == "active", Milestone.status == "todo")
        .order_by(Milestone.plan_id, Milestone.position, Milestone.id)
    ):
        milestones.setdefault(plan_id, []).append(
            MilestoneFacts(mid, titles.setdefault(title, title), owner, due, "todo")
        )
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
                start_date=r.start_date,
                working_days=patterns[r.working_days],
                checkin_cadence_days=r.checkin_cadence_days or default_cadence,
                last_checkin=last.get(r.id),
                milestones=tuple(milestones.pop(r.id, ())),
                policy=policies.get(r.playbook_version_id) or Policy.from_settings(config),
            )
        )
    return facts


# --- the outbox -----------------------------------------------------------------------------


def _insert():
    from .extensions import db

    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def record(dues: Sequence[Due], today: date) -> int:
    """Insert each due nudge unless it is already in the outbox; return how many were new.

    Also skips pending due-soon nudges whose milestone is now overdue or closed (the
    overdue nudge replaces them). Commits.
    """
    import sqlalchemy as sa

    from .extensions import db
    from .models import Milestone, Nudge

    created_at = _utcnow()
    # A stable order means two racing sweeps take row locks in the same order (no deadlock).
    ordered = sorted(dues, key=_due_key)
    if db.engine.dialect.name == "postgresql":
        recorded = _record_postgresql(ordered, today, created_at)
    else:
        recorded = _record_rows(ordered, today, created_at)
    stale = sa.select(Milestone.id).where(sa.or_(Milestone.due_date < today, Milestone.status != "todo"))
    db.session.execute(
        sa.update(Nudge)
        .where(Nudge.kind == "due_soon", Nudge.status == "pending", Nudge.milestone_id.in_(stale))
        .values(status="skipped", last_error="milestone overdue or closed before delivery")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return recorded


_KEY = ("recipient_id", "kind", "subject_type", "subject_id", "period")
_DUE_COLUMNS = _KEY + ("plan_id", "milestone_id")


def _record_postgresql(ordered: Sequence[Due], today: date, created_at: datetime) -> int:
    """PostgreSQL: each batch is one INSERT ... SELECT FROM unnest(arrays), so the
    statement text stays short whatever the batch size (psycopg parses long ones anew)."""
    import sqlalchemy as sa
    from sqlalchemy.dialects.postgresql import ARRAY, insert

    from .extensions import db
    from .models import Nudge

    table = Nudge.__table__
    arrays = [sa.bindparam(f"due_{c}", type_=ARRAY(table.c[c].type)) for c in _DUE_COLUMNS]
    rows = sa.func.unnest(*arrays).table_valued(*_DUE_COLUMNS).render_derived(name="due")
    source = sa.select(
        *(rows.c[c] for c in _DUE_COLUMNS),
        sa.literal(today, sa.Date), sa.literal("pending"), sa.literal(0), sa.literal(created_at, sa.DateTime),
    )
    stmt = (
        insert(table)
        .from_select([*_DUE_COLUMNS, "recorded_on", "status", "attempts", "created_at"], source)
        .on_conflict_do_nothing(index_elements=list(_KEY))
        .returning(table.c.id)  # a row back means this sweep recorded it
    )
    recorded = 0
    for i in range(0, len(ordered), RECORD_BATCH):
        chunk = ordered[i : i + RECORD_BATCH]
        params = {f"due_{c}": [getattr(d, c) for d in chunk] for c in _DUE_COLUMNS}
        recorded += len(db.session.execute(stmt, params).all())
    return recorded


def _record_rows(ordered: Sequence[Due], today: date, created_at: datetime) -> int:
    from .extensions import db
    from .models import Nudge

    insert = _insert()
    table = Nudge.__table__
    # One statement, compiled once; executemany sends it as multi-row INSERTs of
    # RECORD_BATCH rows ("insertmanyvalues"), each returning the ids it inserted.
    stmt = (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(_KEY))
        .returning(table.c.id)  # a row back means this sweep recorded it (rowcount is unreliable here)
        .execution_options(insertmanyvalues_page_size=RECORD_BATCH)
    )
    recorded = 0
    for i in range(0, len(ordered), RECORD_BATCH):
        values = [
            {
                "recipient_id": due.recipient_id,
                "kind": due.kind,
                "subject_type": due.subject_type,
                "subject_id": due.subject_id,
                "period": due.period,
                "plan_id": due.plan_id,
                "milestone_id": due.milestone_id,
                "recorded_on": today,
                "status": "pending",
                "attempts": 0,
                "created_at": created_at,
            }
            for due in ordered[i : i + RECORD_BATCH]
        ]
        recorded += len(db.session.execute(stmt, values).all())
    return recorded


def _utcnow() -> datetime:
    from .models import utcnow

    return utcnow()


@dataclass
class DeliveryResult:
    sent: int = 0  # nudges delivered
    failed: int = 0  # nudges not delivered this time (still queued, or now failed for good)
    skipped: int = 0  # no longer worth sending (done, paused, muted...)
    emails: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Batch:
    """Everything a batch of claimed nudges needs, loaded in a few queries: plain rows."""

    nudges: dict[int, list] = field(default_factory=dict)  # recipient id -> claimed rows, by id
    previous: dict[int, tuple] = field(default_factory=dict)  # nudge id -> (status, next_attempt_at) before the claim
    people: dict[int, Person] = field(default_factory=dict)
    plans: dict[int, object] = field(default_factory=dict)
    milestones: dict[int, object] = field(default_factory=dict)
    last_checkin: dict[int, date] = field(default_factory=dict)
    sponsored: dict[int, list] = field(default_factory=dict)  # digest recipient -> plans, by start date
    digest_milestones: dict[int, list] = field(default_factory=dict)  # plan id -> open milestones due within a week
    digest_counts: dict[int, object] = field(default_factory=dict)  # plan id -> done, skipped, overdue, total


def still_wanted(nudge, batch: Batch, today: date) -> bool:
    """Re-check a nudge just before sending: things change between record and send."""
    if not wants(batch.people.get(nudge.recipient_id), nudge.kind):
        return False
    if nudge.kind == "digest":
        return any(p.status == "active" for p in batch.sponsored.get(nudge.recipient_id, ()))
    plan = batch.plans.get(nudge.plan_id)
    if plan is None or plan.status != "active":
        return False
    if nudge.kind == "checkin_due":
        last = batch.last_checkin.get(plan.id)
        anchor = max(d for d in (last, plan.start_date) if d is not None)
        return nudge.period.startswith(anchor.isoformat() + "+")
    m = batch.milestones.get(nudge.milestone_id)
    if m is None or m.status != "todo" or not nudge.period.startswith(m.due_date.isoformat()):
        return False  # done, skipped, or its date has moved (a new nudge will follow)
    if nudge.kind == "due_soon":
        return m.due_date >= today
    return True


def _ready(now: datetime, force: bool):
    """Deliverable rows: ``force`` (the daily sweep) ignores the retry backoff; the
    15-minute retry job honours it. A row another process is sending is never taken
    unless its lease ran out."""
    import sqlalchemy as sa

    from .models import Nudge

    return sa.or_(
        sa.and_(
            Nudge.status == "pending",
            sa.true() if force else sa.or_(Nudge.next_attempt_at.is_(None), Nudge.next_attempt_at <= now),
        ),
        sa.and_(Nudge.status == SENDING, Nudge.next_attempt_at < now),
    )


def _claim(recipient_ids: Sequence[int], now: datetime, force: bool, batch: Batch, lease_from: datetime) -> None:
    """Mark these recipients' deliverable rows as being sent by this process and keep
    them in ``batch``. Commits."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    ready = _ready(now, force)
    candidates = db.session.execute(
        sa.select(Nudge.id, Nudge.status, Nudge.next_attempt_at)
        .where(_in(Nudge.recipient_id, recipient_ids), ready)
        .order_by(Nudge.id)
        .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite serialises writers anyway
    ).all()
    if not candidates:
        db.session.commit()
        return
    claimed = db.session.execute(
        sa.update(Nudge)
        .where(_in(Nudge.id, [c.id for c in candidates]), ready)
        .values(status=SENDING, next_attempt_at=lease_from + LEASE)
        .returning(Nudge.id, Nudge.recipient_id, Nudge.kind, Nudge.period, Nudge.plan_id, Nudge.milestone_id,
                   Nudge.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    previous = {c.id: (c.status, c.next_attempt_at) for c in candidates}
    for row in sorted(claimed, key=lambda r: r.id):
        batch.nudges.setdefault(row.recipient_id, []).append(row)
        batch.previous[row.id] = previous[row.id]


def _prefetch(batch: Batch, today: date) -> None:
    """Load what the re-check and the emails need for every claimed nudge in the batch."""
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from .extensions import db
    from .models import CheckIn, Milestone, Plan, User

    rows = [n for ns in batch.nudges.values() for n in ns]
    plan_ids = {n.plan_id for n in rows if n.plan_id is not None}
    milestone_ids = {n.milestone_id for n in rows if n.milestone_id is not None}
    digest_ids = {n.recipient_id for n in rows if n.kind == "digest"}
    leader = aliased(User)
    where = [_in(Plan.id, plan_ids)] if plan_ids else []
    if digest_ids:
        where.append(_in(Plan.sponsor_id, digest_ids))
    if where:
        for p in _core(
            sa.select(
                Plan.id, Plan.status, Plan.sponsor_id, Plan.start_date, Plan.end_date, Plan.working_days,
                Plan.checkin_cadence_days, leader.name.label("leader_name"),
            )
            .join(leader, leader.id == Plan.leader_id)
            .where(sa.or_(*where))
            .order_by(Plan.start_date, Plan.id)
        ):
            batch.plans[p.id] = p
            if p.sponsor_id in digest_ids:
                batch.sponsored.setdefault(p.sponsor_id, []).append(p)
        batch.last_checkin = dict(
            _core(
                sa.select(CheckIn.plan_id, sa.func.max(CheckIn.held_on))
                .where(_in(CheckIn.plan_id, list(batch.plans)))
                .group_by(CheckIn.plan_id)
            )
        )
    batch.people = {
        u.id: Person(u.id, u.email, u.name, bool(u.active), u.nudge_mode or "all")
        for u in _core(
            sa.select(User.id, User.email, User.name, User.active, User.nudge_mode).where(_in(User.id, list(batch.nudges)))
        )
    }
    if milestone_ids:
        batch.milestones = {
            m.id: m
            for m in _core(
                sa.select(Milestone.id, Milestone.title, Milestone.owner, Milestone.due_date, Milestone.status).where(
                    _in(Milestone.id, milestone_ids)
                )
            )
        }
    digest_plans = [p.id for ps in batch.sponsored.values() for p in ps if p.status == "active"]
    if digest_plans:
        soon = today + timedelta(days=7)
        todo = Milestone.status == "todo"

        def count(condition):
            return sa.func.sum(sa.case((condition, 1), else_=0))

        # Counts for progress, and only the milestones the digest lists (open, due within a week).
        for c in _core(
            sa.select(
                Milestone.plan_id, count(Milestone.status == "done").label("done"),
                count(Milestone.status == "skipped").label("skipped"),
                count(sa.and_(todo, Milestone.due_date < today)).label("overdue"), sa.func.count().label("total"),
            )
            .where(_in(Milestone.plan_id, digest_plans))
            .group_by(Milestone.plan_id)
        ):
            batch.digest_counts[c.plan_id] = c
        for m in _core(
            sa.select(Milestone.plan_id, Milestone.status, Milestone.due_date, Milestone.title)
            .where(_in(Milestone.plan_id, digest_plans), todo, Milestone.due_date <= soon)
            .order_by(Milestone.plan_id, Milestone.position, Milestone.id)
        ):
            batch.digest_milestones.setdefault(m.plan_id, []).append(m)
    # Nothing is held open while emails go out (a long read would hold SQLite's lock).
    db.session.commit()


def _mark_sent(marks, nudge_ids: list[int]) -> None:
    """Record one email's nudges as sent, in a commit of their own, as soon as the mail
    server has accepted it: whatever happens to this process afterwards, they are
    never sent again. ``marks`` is a connection kept for the whole run (this runs once
    per email: no pool checkout or ORM session each time)."""
    import sqlalchemy as sa

    from .models import Nudge

    table = Nudge.__table__
    marks.execute(
        sa.update(table)
        .where(_in(table.c.id, nudge_ids))
        .values(status="sent", sent_at=_utcnow(), attempts=table.c.attempts + 1, next_attempt_at=None, last_error=None)
    )
    marks.commit()


def _mark(failed: list[dict], skipped: list[int]) -> None:
    """Record this batch's failures and skips: one executemany UPDATE per shape of row
    (sent rows are marked one email at a time, by ``_mark_sent``). Commits."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    table = Nudge.__table__
    by_id = table.c.id == sa.bindparam("nudge_id")
    if skipped:
        db.session.execute(
            sa.update(table).where(by_id).values(status="skipped", next_attempt_at=None),
            [{"nudge_id": i} for i in skipped],
        )
    if failed:
        db.session.execute(
            sa.update(table).where(by_id).values(
                attempts=sa.bindparam("new_attempts"), status=sa.bindparam("new_status"),
                next_attempt_at=sa.bindparam("new_next"), last_error=sa.bindparam("new_error"),
            ),
            failed,
        )
    db.session.commit()


def _release(rows: list, batch: Batch) -> None:
    """Put claimed rows that were not tried back as they were (the mail server is down)."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    if not rows:
        return
    table = Nudge.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("nudge_id"))
        .values(status=sa.bindparam("old_status"), next_attempt_at=sa.bindparam("old_next")),
        [{"nudge_id": r.id, "old_status": batch.previous[r.id][0], "old_next": batch.previous[r.id][1]} for r in rows],
    )
    db.session.commit()


def _renew(rows: list, until: datetime) -> None:
    """Extend the lease on claimed rows still waiting for their email (a slow mail server)."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    for i in range(0, len(rows), 1000):
        db.session.execute(
            sa.update(Nudge)
            .where(_in(Nudge.id, [r.id for r in rows[i : i + 1000]]), Nudge.status == SENDING)
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _count_pending(recipient_ids: list[int]) -> int:
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    total = 0
    for i in range(0, len(recipient_ids), 1000):
        total += db.session.scalar(
            sa.select(sa.func.count()).where(
                _in(Nudge.recipient_id, recipient_ids[i : i + 1000]), Nudge.status == "pending"
            )
        ) or 0
    return total


def deliver(today: date, config: Mapping, *, force: bool = True, now: datetime | None = None) -> DeliveryResult:
    """Send pending nudges, one email per recipient.

    Recipients go in batches: claim every deliverable row of the batch at once and load
    what the emails need in a few queries. Each email is marked sent the moment the mail
    server accepts it (over one SMTP connection for the whole run); failures and skips
    are recorded together at the end of the batch.
    """
    import sqlalchemy as sa

    from . import mail
    from .extensions import db
    from .models import Nudge

    result = DeliveryResult()
    now = now or _utcnow()
    max_attempts = int(config.get("NUDGE_MAX_ATTEMPTS", 5))
    retry_base = int(config.get("NUDGE_RETRY_BASE_MINUTES", 15))
    recipients = db.session.scalars(
        sa.select(Nudge.recipient_id).where(Nudge.status.in_(OPEN_STATUSES)).distinct().order_by(Nudge.recipient_id)
    ).all()
    url = links(config)
    unreachable: str | None = None
    untouched: list[int] = []  # recipients left queued because the mail server is down
    began = time.monotonic()
    renew_every = LEASE.total_seconds() / 3
    with mail.Mailer(config) as mailer, db.engine.connect() as marks:
        for start in range(0, len(recipients), DELIVERY_BATCH):
            chunk = recipients[start : start + DELIVERY_BATCH]
            if unreachable:
                untouched += chunk
                continue
            batch = Batch()
            # The lease counts from the real time of the claim, whatever ``now`` the caller gave.
            _claim(chunk, now, force, batch, lease_from=now + timedelta(seconds=time.monotonic() - began))
            if not batch.nudges:
                continue
            _prefetch(batch, today)
            next_renewal = time.monotonic() + renew_every
            failed: list[dict] = []
            skipped: list[int] = []
            release: list = []
            order = [r for r in chunk if r in batch.nudges]
            for position, recipient_id in enumerate(order):
                rows = batch.nudges[recipient_id]
                if unreachable:
                    # The mail server is down: leave the rest queued, untouched, for the next try.
                    release += rows
                    untouched.append(recipient_id)
                    continue
                if time.monotonic() > next_renewal:
                    # A slow mail server: record what is done and keep the rest of the batch ours.
                    _mark(failed, skipped)
                    failed, skipped = [], []
                    waiting = [r for rid in order[position:] for r in batch.nudges[rid]]
                    _renew(waiting, now + timedelta(seconds=time.monotonic() - began) + LEASE)
                    next_renewal = time.monotonic() + renew_every
                wanted = []
                for row in rows:
                    if still_wanted(row, batch, today):
                        wanted.append(row)
                    else:
                        skipped.append(row.id)
                        result.skipped += 1
                if not wanted:
                    continue
                recipient = batch.people[recipient_id]
                try:
                    subject, text, html = render_email(recipient, wanted, today, config, batch=batch, url=url)
                    mailer.send(recipient.email, subject, text, html)
                except mail.MailError as exc:
                    error = str(exc) or type(exc).__name__
                    for row in wanted:
                        attempts = row.attempts + 1
                        gave_up = attempts >= max_attempts
                        failed.append(
                            {
                                "nudge_id": row.id,
                                "new_attempts": attempts,
                                "new_status": "failed" if gave_up else "pending",
                                "new_next": None if gave_up else now + backoff(attempts, retry_base),
                                "new_error": error[:2000],
                            }
                        )
                    result.failed += len(wanted)
                    result.errors.append(f"{recipient.email}: {error}")
                    log.warning("nudge email to user %s failed (%d nudges): %s", recipient_id, len(wanted), error)
                    if isinstance(exc, mail.MailConnectionError):
                        unreachable = error
                else:
                    # Committed before the next email goes out: a crash can only ever repeat
                    # the one email between the server's "accepted" and this commit.
                    _mark_sent(marks, [row.id for row in wanted])
                    result.sent += len(wanted)
                    result.emails += 1
                    log.info("nudge email sent to user %s: %s", recipient_id, ", ".join(f"{r.kind}#{r.id}" for r in wanted))
            _mark(failed, skipped)
            _release(release, batch)
    if untouched:
        result.failed += _count_pending(untouched)
    return result


@dataclass
class SweepResult:
    recorded: int
    delivery: DeliveryResult
    due: list[Due]

    @property
    def summary(self) -> str:
        return f"recorded {self.recorded}, sent {self.delivery.sent}, failed {self.delivery.failed}"


def sweep(today: date | None = None, config: Mapping | None = None) -> SweepResult:
    """One sweep: record what is due today, then deliver everything pending."""
    from flask import current_app

    from .plans import today as london_today

    config = config if config is not None else current_app.config
    today = today or london_today()
    dues = due_nudges(load_facts(config), today)
    recorded = record(dues, today)
    delivery = deliver(today, config, force=True)
    log.info("nudge sweep for %s: recorded %d, sent %d, failed %d", today, recorded, delivery.sent, delivery.failed)
    return SweepResult(recorded, delivery, dues)


def retry_queued(config: Mapping | None = None) -> DeliveryResult:
    """The 15-minute job: deliver queued nudges whose backoff has passed; records nothing."""
    from flask import current_app

    from .plans import today as london_today

    return deliver(london_today(), config if config is not None else current_app.config, force=False)


# --- email content --------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # thousands of emails name the same few hundred dates
def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def links(config: Mapping) -> dict:
    base = str(config.get("BASE_URL", "")).rstrip("/")
    return {
        "base": base,
        "plan": lambda plan_id: f"{base}/plans/{plan_id}",
        "milestone": lambda plan_id, milestone_id: f"{base}/plans/{plan_id}/milestones/{milestone_id}",
        "new_checkin": lambda plan_id: f"{base}/plans/{plan_id}/checkins/new",
        "sponsor": f"{base}/sponsor",
        "settings": f"{base}/account",
    }


def _progress(plan, counts, today: date) -> dict:
    """plans.progress from milestone counts: it sees stand-ins with the same statuses and
    the same open milestones before ``today``, so its arithmetic stays in one place."""
    from types import SimpleNamespace

    from . import plans as plan_mod

    milestones = []
    if counts is not None:
        done, skipped, overdue = counts.done or 0, counts.skipped or 0, counts.overdue or 0
        milestones = (
            [SimpleNamespace(status="done", due_date=date.min)] * done
            + [SimpleNamespace(status="skipped", due_date=date.min)] * skipped
            + [SimpleNamespace(status="todo", due_date=date.min)] * overdue
            + [SimpleNamespace(status="todo", due_date=date.max)] * (counts.total - done - skipped - overdue)
        )
    view = SimpleNamespace(start_date=plan.start_date, end_date=plan.end_date, status=plan.status, milestones=milestones)
    return plan_mod.progress(view, today)


def _item(nudge, batch: Batch, today: date, url) -> dict:
    """What a template needs to say about one nudge."""
    item = {"kind": nudge.kind, "id": nudge.id}
    if nudge.kind == "digest":
        rows = []
        for plan in batch.sponsored.get(nudge.recipient_id, ()):
            if plan.status != "active":
                continue
            milestones = batch.digest_milestones.get(plan.id, [])
            progress = _progress(plan, batch.digest_counts.get(plan.id), today)
            overdue = [m for m in milestones if m.status == "todo" and m.due_date < today]
            upcoming = [m for m in milestones if m.status == "todo" and today <= m.due_date <= today + timedelta(days=7)]
            last = batch.last_checkin.get(plan.id)
            anchor = max(d for d in (last, plan.start_date) if d is not None)
            rows.append(
                {
                    "leader": plan.leader_name,
                    "progress": progress,
                    "overdue": [(m.title, long_date(m.due_date)) for m in overdue],
                    "upcoming": [(m.title, long_date(m.due_date)) for m in upcoming],
                    "last_checkin": long_date(last) if last else None,
                    "next_checkin": long_date(anchor + timedelta(days=plan.checkin_cadence_days)),
                    "checkin_overdue": anchor + timedelta(days=plan.checkin_cadence_days) < today,
                    "url": url["plan"](plan.id),
                }
            )
        item.update(week=long_date(today), plans=rows, url=url["sponsor"], headline="Your weekly onboarding digest")
        return item
    plan = batch.plans[nudge.plan_id]
    item.update(leader=plan.leader_name, plan_url=url["plan"](plan.id))
    if nudge.kind == "checkin_due":
        last = batch.last_checkin.get(plan.id)
        item.update(
            cadence=plan.checkin_cadence_days,
            last=long_date(last) if last else None,
            url=url["new_checkin"](plan.id),
            headline=f"Check-in due with {plan.leader_name}",
        )
        return item
    m = batch.milestones[nudge.milestone_id]
    # As PlanFacts.calendar_for: the leader's own pattern, Monday to Friday for the others.
    cal = Calendar(parse_working_days(plan.working_days)) if m.owner == "leader" else Calendar()
    late = _between(cal, m.due_date, today)
    item.update(
        title=m.title,
        due=long_date(m.due_date),
        working_days_late=max(0, late),
        url=url["milestone"](plan.id, m.id),
        headline={
            "due_soon": f"Due soon: {m.title}",
            "overdue": f"Overdue: {m.title}",
            "escalation": f"{plan.leader_name}'s milestone is overdue: {m.title}",
        }[nudge.kind],
    )
    return item


def render_email(recipient, nudges: Sequence, today: date, config: Mapping, *, batch: Batch,
                 url: dict | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML of the one email that carries these nudges."""
    from flask import current_app

    url = url or links(config)
    items = sorted((_item(n, batch, today, url) for n in nudges), key=lambda i: (KINDS.index(i["kind"]), i["id"]))
    if len(items) == 1:
        subject = items[0]["headline"]
    else:
        subject = f"{len(items)} onboarding reminders for {long_date(today)}"
    context = {
        "recipient": recipient,
        "items": items,
        "today": long_date(today),
        "settings_url": url["settings"],
        "service_name": config.get("SERVICE_NAME", "Leader onboarding"),
    }
    env = current_app.jinja_env
    # Rendered straight from the environment: no request, so no web context processors.
    text = env.get_template("email/nudges.txt").render(context)
    html = env.get_template("email/nudges.html").render(context)
    return " ".join(subject.split()), text, html
