"""Each user's calendar feed (RFC 5545): the open milestones they own and their next
check-ins, as all-day events with stable UIDs so a calendar that polls the feed
updates events in place rather than adding copies."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from icalendar import Calendar, Event

from ..extensions import db
from ..models import Milestone, Plan, User, new_token, utcnow
from ..people import access, audit
from ..people.tokens import hash_token
from . import checkins


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 64 or "\x00" in token:
        return None
    user = db.session.scalar(sa.select(User).where(User.feed_token_hash == hash_token(token)))
    return user if user is not None and user.active else None


def create_address(user: User, remote_addr: str | None = None) -> str:
    """Give the user a new feed token, ending any old one, and return it. Only its hash is
    kept, so this is the one time it can be shown. The caller commits."""
    replaced = user.feed_token_hash is not None
    token = new_token()
    user.feed_token_hash = hash_token(token)
    user.feed_token_created_at = utcnow()
    audit.record(user, "user.feed_reset" if replaced else "user.feed_create", user, remote_addr)
    return token


def owned_milestones(user: User) -> list[Milestone]:
    """Open milestones whose owner role the user holds on a running plan (HR-owned ones
    belong to the plan's HR contact)."""
    owns = access.owns_milestone(user)
    query = (
        sa.select(Milestone)
        .join(Plan, Milestone.plan_id == Plan.id)
        # Closed plans have nothing left to schedule.
        .where(Plan.is_open, Milestone.is_open, owns)
        .order_by(Milestone.due_date, Milestone.id)
    )
    return list(db.session.scalars(query))


def checkin_plans(user: User) -> list[Plan]:
    """Running plans where the user meets for check-ins: as leader or sponsor."""
    query = (
        sa.select(Plan)
        .where(Plan.is_open, access.in_role(user, "leader", "sponsor"))
        .order_by(Plan.id)
    )
    return list(db.session.scalars(query))


def _all_day(event: Event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: do not block the day


def build(user: User, base_url: str, now: datetime | None = None) -> bytes:
    """The user's feed as iCalendar bytes."""
    host = urlsplit(base_url).hostname or "onboarding"
    base = base_url.rstrip("/")
    stamp = now or datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", "-//NHS leader onboarding//calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Leader onboarding")
    cal.add("x-published-ttl", "PT1H")
    for m in owned_milestones(user):
        plan = m.plan
        event = Event()
        event.add("uid", f"milestone-{m.id}@{host}")
        event.add("dtstamp", stamp)
        _all_day(event, m.due_date)
        event.add("summary", f"Due: {m.title} ({plan.leader.name})")
        event.add("description", f"{m.phase_title or m.phase}. {m.description}".strip()
                  + f"\n\nOnboarding plan of {plan.leader.name}: {base}/plans/{plan.id}")
        event.add("url", f"{base}/plans/{plan.id}")
        event.add("categories", ["Onboarding milestone"])
        cal.add_component(event)
    for plan in checkin_plans(user):
        last = checkins.latest(plan)
        if last is None or last.next_checkin_on is None:
            continue
        other = plan.sponsor if plan.leader_id == user.id else plan.leader
        event = Event()
        # One event per plan: when a new check-in sets a new date, the event moves.
        event.add("uid", f"checkin-plan-{plan.id}@{host}")
        event.add("dtstamp", stamp)
        _all_day(event, last.next_checkin_on)
        event.add("summary", f"Onboarding check-in: {plan.leader.name} with {plan.sponsor.name}")
        event.add("description", f"Next check-in with {other.name}, set at the check-in of "
                  f"{last.held_on:%-d %B %Y}.\n\n{base}/plans/{plan.id}")
        event.add("url", f"{base}/plans/{plan.id}")
        event.add("categories", ["Onboarding check-in"])
        cal.add_component(event)
    return cal.to_ical()
