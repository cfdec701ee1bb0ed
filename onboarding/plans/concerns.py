"""Concerns a leader raises in confidence: to HR and, if they choose, their mentor; never the
sponsor. Raising one queues an email to each recipient through the outbox (no text in it:
they read it on its page); HR records that it was followed up, which closes it.

The audit trail notes that a concern was raised or followed up, with ids only: never the text
or the note. Who may read or do what is access.py's (can_read_concern and the rest); callers
commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import plans
from ..extensions import db
from ..models import Concern, Plan, User, get_by_id, utcnow
from ..models.storable import is_storable
from ..people import access, audit

TEXT_MAX = 5000


class ConcernError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ConcernError(field, f"Enter {what}")
    if len(text) > TEXT_MAX:
        raise ConcernError(field, f"{what[0].upper()}{what[1:]} must be {TEXT_MAX:,} characters or fewer")
    if not is_storable(text):
        raise ConcernError(field, f"{what[0].upper()}{what[1:]} must not contain control characters such as NUL")
    return text


def recipients(concern: Concern) -> list[User]:
    """Who is told a concern was raised: every active HR user and, if the leader chose, the
    mentor; never the plan's sponsor or leader, even one with HR rights."""
    plan = concern.plan
    hr = db.session.scalars(sa.select(User).where(User.is_hr, User.active).order_by(User.id)).all()
    found = [u for u in hr if u.id not in (plan.sponsor_id, plan.leader_id)]
    mentor = plan.mentor
    if concern.share_with_mentor and mentor is not None and mentor.active and mentor.id not in {u.id for u in found}:
        found.append(mentor)
    return found


def raise_concern(plan: Plan, leader, text: str | None, share_with_mentor: bool,
                  remote_addr: str | None = None, today: date | None = None) -> Concern:
    """Record the leader's concern and queue its emails, in one transaction (the caller
    commits). The mentor can be told only on a plan that has one."""
    text = _text(text, "text", "your concern")
    concern = Concern(plan=plan, raised_by_id=leader.id, text=text,
                      share_with_mentor=bool(share_with_mentor and plan.mentor_id is not None))
    db.session.add(concern)
    db.session.flush()
    audit.record(leader, "concern.raise", concern, remote_addr, plan_id=plan.id)
    from ..nudges import outbox  # at call time: the nudges package imports the plans package

    outbox.concern(concern, [u.id for u in recipients(concern)], today or plans.today())
    return concern


def follow_up(concern: Concern, user, note: str | None, remote_addr: str | None = None) -> None:
    """HR records what was done about the concern; it is then closed."""
    if concern.followed_up_at is not None:
        raise ConcernError("note", "This concern has already been followed up")
    concern.follow_up_note = _text(note, "note", "what was done to follow it up")
    concern.followed_up_at = utcnow()
    concern.followed_up_by_id = user.id
    audit.record(user, "concern.follow_up", concern, remote_addr, plan_id=concern.plan_id)


def get(user, plan: Plan, concern_id: int) -> Concern | None:
    """The plan's concern if the user may read it, else None (a 404)."""
    concern = get_by_id(Concern, concern_id)
    if concern is None or concern.plan_id != plan.id or not access.can_read_concern(user, concern):
        return None
    return concern


def raised_by(user, plan: Plan) -> list[Concern]:
    """The concerns this leader raised on this plan, newest first."""
    return db.session.scalars(
        sa.select(Concern).where(Concern.plan_id == plan.id, Concern.raised_by_id == user.id)
        .order_by(Concern.created_at.desc(), Concern.id.desc())
    ).all()


@dataclass(frozen=True)
class OpenConcern:
    concern_id: int
    plan_id: int
    leader_name: str
    raised_at: datetime
    share_with_mentor: bool


def open_for(user) -> list[OpenConcern]:
    """Concerns not yet followed up that this user may follow up (HR, never about a plan they
    lead or sponsor), the oldest first. One query."""
    leader = aliased(User)
    rows = db.session.execute(
        sa.select(Concern.id, Concern.plan_id, leader.name, Concern.created_at, Concern.share_with_mentor)
        .join(Plan, Plan.id == Concern.plan_id)
        .join(leader, leader.id == Plan.leader_id)
        .where(Concern.followed_up_at.is_(None), access.follows_up_concerns(user))
        .order_by(Concern.created_at, Concern.id)
    )
    return [OpenConcern(*row) for row in rows]
