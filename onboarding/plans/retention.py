"""Retention: closed plans are kept in full for RETENTION_YEARS after closing, then anonymised;
deactivated people whom no plan kept in full names any more are then deleted.

One transaction per run (``run``): every plan past the cutoff, then every person it freed, then
the sent-email log's rows older than the cutoff, then one audit event with the counts. All or
nothing: a failure half way leaves every plan as it was, to be tried again next week. A dry run
does the same work and rolls it back, so what it reports is exactly what a run would do.

What happens to each column is decided in ``retention_rules``. A person is replaced by one
placeholder user ("Anonymised person", inactive, no password, an address under the reserved
.invalid domain), so every page, export and report still works on an anonymised plan and the
audit trail can tell "a person since deleted" from the system (actor NULL)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Plan, User, utcnow
from ..people import audit
from . import planning
from . import retention_rules as rules
from .dates import counted
from .retention_people import deletable_people, delete_person

PLACEHOLDER_EMAIL = User.PLACEHOLDER_EMAIL
PLACEHOLDER_NAME = "Anonymised person"


@dataclass
class RunResult:
    cutoff: datetime
    dry_run: bool
    plans: list[int] = field(default_factory=list)  # anonymised, oldest closed first
    rows: Counter = field(default_factory=Counter)  # table -> rows changed or deleted
    users: list[int] = field(default_factory=list)  # deleted
    kept: dict[int, str] = field(default_factory=dict)  # deactivated people kept, and why
    sent_emails: int = 0  # sent-email log rows deleted

    @property
    def summary(self) -> str:
        verb = "would anonymise" if self.dry_run else "anonymised"
        return (f"{verb} {counted(len(self.plans), 'plan', 'plans')} closed before {self.cutoff:%Y-%m-%d}, "
                f"{'would delete' if self.dry_run else 'deleted'} {counted(len(self.users), 'person', 'people')} and "
                f"{counted(self.sent_emails, 'sent-email log row', 'sent-email log rows')}")


def cutoff(years: int, now: datetime | None = None) -> datetime:
    """``years`` before ``now`` (29 February to the 28th): a plan closed, or a person last active,
    before it is past retention."""
    now = now or utcnow()
    return datetime.combine(planning.add_months(now.date(), -12 * int(years)), now.time())


def run(years: int, *, dry_run: bool = False, now: datetime | None = None, actor: User | None = None) -> RunResult:
    """Anonymise every closed plan past the cutoff and delete the people it freed; commit once
    (or, for a dry run, roll everything back)."""
    if int(years) < 1:
        raise ValueError(f"RETENTION_YEARS must be at least 1, not {years!r}")
    now = now or utcnow()
    result = RunResult(cutoff=cutoff(years, now), dry_run=dry_run)
    try:
        placeholder = _placeholder()
        for plan_id in due_plans(result.cutoff):
            anonymise(plan_id, placeholder, now, result)
            result.plans.append(plan_id)
        for user_id in deletable_people(result.cutoff, placeholder, result.kept):
            delete_person(user_id, placeholder, result.rows)
            result.users.append(user_id)
        sent = db.metadata.tables["sent_email"]
        result.sent_emails = db.session.execute(sa.delete(sent).where(sent.c.sent_at < result.cutoff)).rowcount
        if dry_run:
            db.session.rollback()
            return result
        audit.record(actor, "retention.run", None, years=int(years), cutoff=result.cutoff.isoformat(),
                     plans=len(result.plans), people=len(result.users), sent_emails=result.sent_emails,
                     kept_people=len(result.kept), rows=dict(result.rows))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    return result


def due_plans(before: datetime) -> list[int]:
    return list(db.session.scalars(
        sa.select(Plan.id).where(
            Plan.is_closed, Plan.anonymised_at.is_(None),
            # A plan closed before closing times were recorded counts from its end date.
            sa.or_(Plan.closed_at < before, sa.and_(Plan.closed_at.is_(None), Plan.end_date < before.date())))
        .order_by(Plan.closed_at, Plan.id)))


def _placeholder() -> int:
    user_id = db.session.scalar(sa.select(User.id).where(User.email == PLACEHOLDER_EMAIL))
    if user_id is None:
        person = User(email=PLACEHOLDER_EMAIL, name=PLACEHOLDER_NAME, active=False, password_hash=None, nudge_mode="mute")
        db.session.add(person)
        db.session.flush()
        user_id = person.id
    return user_id


# --- one plan ----------------------------------------------------------------------------------

def anonymise(plan_id: int, placeholder: int, now: datetime, result: RunResult) -> None:
    people = _people_of(plan_id)
    for name, spec in rules.PLAN_TABLES.items():
        table = db.metadata.tables.get(name)
        if table is None:
            continue  # a feature not installed here
        where = _tie(table, spec.tie, plan_id)
        if all(rule == rules.DELETE for rule in spec.columns.values()):
            result.rows[name] += db.session.execute(sa.delete(table).where(where)).rowcount
            continue
        rows = db.session.execute(sa.select(table).where(where).order_by(*table.primary_key.columns)).mappings().all()
        taken = _taken_nudge_keys(table, rows, placeholder) if name == "nudge" else None
        for number, row in enumerate(rows, start=1):
            values = _new_values(name, spec, row, number, placeholder, people)
            key = table.primary_key.columns
            match = sa.and_(*(column == row[column.name] for column in key))
            if taken is not None and values.get("recipient_id") == placeholder:
                nudge_key = (row["kind"], row["subject_type"], row["subject_id"], row["period"])
                if nudge_key in taken:  # the placeholder has this one already: one is enough
                    db.session.execute(sa.delete(table).where(match))
                    result.rows[name] += 1
                    continue
                taken.add(nudge_key)
            if values:
                db.session.execute(sa.update(table).where(match).values(**values))
                result.rows[name] += 1
    db.session.execute(sa.update(Plan).where(Plan.id == plan_id).values(anonymised_at=now))


def _people_of(plan_id: int) -> set[int]:
    """Everyone the plan names: their audit events on it become the placeholder's."""
    tables = db.metadata.tables
    plan, supporter, checkin, concern = (tables[t] for t in ("plan", "plan_supporter", "checkin", "concern"))
    ids = set(db.session.execute(sa.select(plan.c.leader_id, plan.c.sponsor_id, plan.c.mentor_id, plan.c.hr_contact_id)
                                 .where(plan.c.id == plan_id)).one())
    ids.update(db.session.scalars(sa.select(supporter.c.user_id).where(supporter.c.plan_id == plan_id)))
    ids.update(db.session.scalars(sa.select(checkin.c.sponsor_id).where(checkin.c.plan_id == plan_id)))
    ids.update(db.session.scalars(sa.select(concern.c.raised_by_id).where(concern.c.plan_id == plan_id)))
    ids.discard(None)
    return ids


def _tie(table: sa.Table, tie: str, plan_id: int):
    if tie == "id":
        return table.c.id == plan_id
    if tie == "plan_id":
        return table.c.plan_id == plan_id
    if tie == "plan events":
        return _plan_events(table, plan_id)
    if tie == "plan posts":
        nudge, event = db.metadata.tables["nudge"], db.metadata.tables.get("webhook_event")
        clauses = [table.c.nudge_id.in_(sa.select(nudge.c.id).where(nudge.c.plan_id == plan_id))]
        if event is not None:
            clauses.append(table.c.event_id.in_(sa.select(event.c.id).where(event.c.plan_id == plan_id)))
        return sa.or_(*clauses)
    raise ValueError(f"no way to tie {table.name} to a plan: {tie}")


def _plan_events(table: sa.Table, plan_id: int):
    """The plan's own events, and those about anything on it (their detail names the plan)."""
    clauses = [sa.and_(table.c.object_type == "plan", table.c.object_id == plan_id),
               table.c.detail["plan"].as_integer() == plan_id,
               table.c.detail["plan_id"].as_integer() == plan_id]
    if "plan_id" in table.c:  # the audit review's own column (issue 17, part A)
        clauses.append(table.c.plan_id == plan_id)
    return sa.or_(*clauses)


def _taken_nudge_keys(table: sa.Table, rows, placeholder: int) -> set[tuple]:
    subjects = {row["subject_id"] for row in rows}
    return set(db.session.execute(
        sa.select(table.c.kind, table.c.subject_type, table.c.subject_id, table.c.period)
        .where(table.c.recipient_id == placeholder, table.c.subject_id.in_(subjects))).tuples())


def _new_values(name: str, spec: rules.Table, row, number: int, placeholder: int, people: set[int]) -> dict:
    values = {}
    for column, rule in spec.columns.items():
        if column not in row:
            continue
        value, new = row[column], row[column]
        if rule == rules.NULL:
            new = None
        elif rule == rules.BLANK:
            new = ""
        elif rule == rules.EMPTY:
            new = []
        elif rule == rules.PERSON and value is not None and (name != "audit_event" or value in people):
            new = placeholder
        elif rule == rules.REMOVED_TEXT and value:
            new = rules.REMOVED
        elif rule == rules.ADDED_TEXT and row.get("added") and value:
            new = "" if column == "description" else "Milestone added for this plan"
        elif rule == rules.NUMBERED:
            new = f"{spec.label} {number}"
        elif rule == rules.SCRUB:
            new = scrub(value)
        if new != value:
            values[column] = new
    return values


def scrub(detail) -> dict:
    """An audit event's detail without names or free text: ids, keys, numbers and the
    SAFE_DETAIL_KEYS kept; ``"anonymised": true`` where anything went."""
    if not isinstance(detail, dict):
        return {}
    kept = {k: v for k, v in detail.items()
            if k in rules.SAFE_DETAIL_KEYS or v is None or isinstance(v, (bool, int, float))}
    if len(kept) != len(detail):
        kept["anonymised"] = True
    return kept
