"""Nudges: which are due (pure policy), the outbox (record once) and delivery.

The policy part works on plain snapshots (``PlanFacts``) and a date, so it can be
tested without a database. ``sweep`` loads the snapshots, records what is due in
the outbox (a unique-key conflict means "already recorded") and delivers pending
nudges, one email per recipient.

Safe when two sweeps race (two scheduler processes by mistake): recording is
INSERT ... ON CONFLICT DO NOTHING, and delivery claims a recipient's rows with an
UPDATE ... WHERE status = 'pending' (after SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL), so only one process ever sends a given nudge.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
            and cal.working_days_between(today, m.due_date) <= policy.due_soon_working_days
        ):
            found.append(Due(owner.id, "due_soon", "milestone", m.id, m.due_date.isoformat(), plan.id, m.id))
        return found
    late = cal.working_days_between(m.due_date, today)  # the owner's working days overdue
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
    return sorted(found)


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


def load_facts(config: Mapping) -> list[PlanFacts]:
    """Snapshots of every active plan."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from .extensions import db
    from .models import CheckIn, Plan

    last = dict(
        db.session.execute(sa.select(CheckIn.plan_id, sa.func.max(CheckIn.held_on)).group_by(CheckIn.plan_id)).all()
    )
    plans = db.session.scalars(
        sa.select(Plan)
        .where(Plan.status == "active")
        .options(
            selectinload(Plan.milestones),
            selectinload(Plan.leader),
            selectinload(Plan.sponsor),
            selectinload(Plan.mentor),
            selectinload(Plan.hr_contact),
            selectinload(Plan.playbook_version),
        )
        .order_by(Plan.id)
    ).all()
    return [plan_facts(p, config, last.get(p.id)) for p in plans]


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

    insert = _insert()
    recorded = 0
    # A stable order means two racing sweeps take row locks in the same order (no deadlock).
    for due in sorted(dues):
        stmt = (
            insert(Nudge)
            .values(
                recipient_id=due.recipient_id,
                kind=due.kind,
                subject_type=due.subject_type,
                subject_id=due.subject_id,
                period=due.period,
                plan_id=due.plan_id,
                milestone_id=due.milestone_id,
                recorded_on=today,
                status="pending",
                attempts=0,
                created_at=_utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["recipient_id", "kind", "subject_type", "subject_id", "period"])
            .returning(Nudge.id)  # a row back means this sweep recorded it (rowcount is unreliable here)
        )
        recorded += len(db.session.execute(stmt).all())
    stale = sa.select(Milestone.id).where(sa.or_(Milestone.due_date < today, Milestone.status != "todo"))
    db.session.execute(
        sa.update(Nudge)
        .where(Nudge.kind == "due_soon", Nudge.status == "pending", Nudge.milestone_id.in_(stale))
        .values(status="skipped", last_error="milestone overdue or closed before delivery")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
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


def still_wanted(nudge, today: date) -> bool:
    """Re-check a nudge just before sending: things change between record and send."""
    from .models import CheckIn

    person = _person(nudge.recipient)
    if not wants(person, nudge.kind):
        return False
    if nudge.kind == "digest":
        return any(p.status == "active" for p in _sponsored(nudge.recipient_id))
    plan = nudge.plan
    if plan is None or plan.status != "active":
        return False
    if nudge.kind == "checkin_due":
        from .extensions import db
        import sqlalchemy as sa

        last = db.session.scalar(sa.select(sa.func.max(CheckIn.held_on)).where(CheckIn.plan_id == plan.id))
        anchor = max(d for d in (last, plan.start_date) if d is not None)
        return nudge.period.startswith(anchor.isoformat() + "+")
    m = nudge.milestone
    if m is None or m.status != "todo" or not nudge.period.startswith(m.due_date.isoformat()):
        return False  # done, skipped, or its date has moved (a new nudge will follow)
    if nudge.kind == "due_soon":
        return m.due_date >= today
    return True


def _sponsored(user_id: int):
    import sqlalchemy as sa

    from .extensions import db
    from .models import Plan

    return db.session.scalars(sa.select(Plan).where(Plan.sponsor_id == user_id).order_by(Plan.start_date, Plan.id)).all()


def _claim(recipient_id: int, now: datetime, force: bool) -> list[int]:
    """Mark this recipient's deliverable rows as being sent by this process; return their ids.

    ``force`` (the daily sweep) ignores the retry backoff; the 15-minute retry job
    honours it. A row another process is sending is never taken unless its lease ran out.
    """
    import sqlalchemy as sa

    from .extensions import db
    from .models import Nudge

    ready = sa.or_(
        sa.and_(
            Nudge.status == "pending",
            sa.true() if force else sa.or_(Nudge.next_attempt_at.is_(None), Nudge.next_attempt_at <= now),
        ),
        sa.and_(Nudge.status == SENDING, Nudge.next_attempt_at < now),
    )
    candidates = db.session.scalars(
        sa.select(Nudge.id)
        .where(Nudge.recipient_id == recipient_id, ready)
        .order_by(Nudge.id)
        .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite serialises writers anyway
    ).all()
    if not candidates:
        db.session.commit()
        return []
    claimed = db.session.scalars(
        sa.update(Nudge)
        .where(Nudge.id.in_(candidates), ready)
        .values(status=SENDING, next_attempt_at=now + LEASE)
        .returning(Nudge.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def deliver(today: date, config: Mapping, *, force: bool = True, now: datetime | None = None) -> DeliveryResult:
    """Send pending nudges, one email per recipient. Commits after each recipient."""
    import sqlalchemy as sa

    from . import mail
    from .extensions import db
    from .models import Nudge

    result = DeliveryResult()
    now = now or _utcnow()
    max_attempts = int(config.get("NUDGE_MAX_ATTEMPTS", 5))
    recipients = db.session.scalars(
        sa.select(Nudge.recipient_id).where(Nudge.status.in_(OPEN_STATUSES)).distinct().order_by(Nudge.recipient_id)
    ).all()
    unreachable: str | None = None
    for recipient_id in recipients:
        if unreachable:
            # The mail server is down: leave the rest queued, untouched, for the next try.
            result.failed += db.session.scalar(
                sa.select(sa.func.count()).where(Nudge.recipient_id == recipient_id, Nudge.status == "pending")
            )
            continue
        ids = _claim(recipient_id, now, force)
        if not ids:
            continue
        rows = db.session.scalars(sa.select(Nudge).where(Nudge.id.in_(ids)).order_by(Nudge.id)).all()
        wanted = []
        for row in rows:
            if still_wanted(row, today):
                wanted.append(row)
            else:
                row.status = "skipped"
                row.next_attempt_at = None
                result.skipped += 1
        if not wanted:
            db.session.commit()
            continue
        recipient = wanted[0].recipient
        try:
            subject, text, html = render_email(recipient, wanted, today, config)
            mail.send(config, recipient.email, subject, text, html)
        except mail.MailError as exc:
            error = str(exc) or type(exc).__name__
            for row in wanted:
                row.attempts += 1
                row.last_error = error[:2000]
                if row.attempts >= max_attempts:
                    row.status = "failed"
                    row.next_attempt_at = None
                else:
                    row.status = "pending"
                    row.next_attempt_at = now + backoff(row.attempts, int(config.get("NUDGE_RETRY_BASE_MINUTES", 15)))
            result.failed += len(wanted)
            result.errors.append(f"{recipient.email}: {error}")
            log.warning("nudge email to user %s failed (%d nudges): %s", recipient_id, len(wanted), error)
            if isinstance(exc, mail.MailConnectionError):
                unreachable = error
        else:
            sent_at = _utcnow()
            for row in wanted:
                row.attempts += 1
                row.status = "sent"
                row.sent_at = sent_at
                row.next_attempt_at = None
                row.last_error = None
            result.sent += len(wanted)
            result.emails += 1
            log.info("nudge email sent to user %s: %s", recipient_id, ", ".join(f"{r.kind}#{r.id}" for r in wanted))
        db.session.commit()
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


def _item(nudge, today: date, config: Mapping, url) -> dict:
    """What a template needs to say about one nudge."""
    from . import plans as plan_mod

    item = {"kind": nudge.kind, "id": nudge.id}
    if nudge.kind == "digest":
        rows = []
        for plan in _sponsored(nudge.recipient_id):
            if plan.status != "active":
                continue
            progress = plan_mod.progress(plan, today)
            overdue = [m for m in plan.milestones if m.status == "todo" and m.due_date < today]
            upcoming = [m for m in plan.milestones if m.status == "todo" and today <= m.due_date <= today + timedelta(days=7)]
            last = max((c.held_on for c in plan.checkins), default=None)
            anchor = max(d for d in (last, plan.start_date) if d is not None)
            rows.append(
                {
                    "leader": plan.leader.name,
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
    plan = nudge.plan
    item.update(leader=plan.leader.name, plan_url=url["plan"](plan.id))
    if nudge.kind == "checkin_due":
        last = max((c.held_on for c in plan.checkins), default=None)
        item.update(
            cadence=plan.checkin_cadence_days,
            last=long_date(last) if last else None,
            url=url["new_checkin"](plan.id),
            headline=f"Check-in due with {plan.leader.name}",
        )
        return item
    m = nudge.milestone
    late = plan_facts(plan, config).calendar_for(m.owner).working_days_between(m.due_date, today)
    item.update(
        title=m.title,
        due=long_date(m.due_date),
        working_days_late=max(0, late),
        url=url["milestone"](plan.id, m.id),
        headline={
            "due_soon": f"Due soon: {m.title}",
            "overdue": f"Overdue: {m.title}",
            "escalation": f"{plan.leader.name}'s milestone is overdue: {m.title}",
        }[nudge.kind],
    )
    return item


def render_email(recipient, nudges: Sequence, today: date, config: Mapping) -> tuple[str, str, str]:
    """Subject, text and HTML of the one email that carries these nudges."""
    from flask import current_app

    url = links(config)
    items = sorted((_item(n, today, config, url) for n in nudges), key=lambda i: (KINDS.index(i["kind"]), i["id"]))
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
