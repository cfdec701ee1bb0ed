"""HR's user administration: deactivate and reactivate, grant and remove HR.

Nobody can lock the service out of HR: HR cannot deactivate themselves or drop their own
HR rights, and each change is made only while its actor is still an active HR user, checked
in the same statement with both rows locked, so two HR users removing each other at the
same moment cannot both succeed. Deactivation and losing HR rights end the user's sessions.
Nobody who sponsors, mentors or supports (buddy, assistant, peer mentor) an open plan is
deactivated: that plan would be left with nobody able to log check-ins or do their milestones,
so HR reassigns or removes them first. Callers commit."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from ..extensions import db
from ..models import Plan, PlanSupporter, User, new_token
from . import audit, sessions
from .accounts import AccountError

NO_LONGER_HR = "You no longer have HR rights, so nothing was changed"


class OpenPlansError(AccountError):
    """Deactivation refused: ``plans`` are the open plans the user sponsors, mentors or supports."""

    def __init__(self, user: User, plans: list[Plan]):
        self.plans = plans
        count = f"{len(plans)} open plan{'s' if len(plans) != 1 else ''}"
        leaders = ", ".join(p.leader.name for p in plans)
        super().__init__(f"{user.name} sponsors, mentors or supports {count} ({leaders}); "
                         "reassign or remove them on each before deactivating them", "user")


def _supports(user: User):
    return sa.exists().where(PlanSupporter.plan_id == Plan.id, PlanSupporter.user_id == user.id)


def open_plans_supported_by(user: User) -> list[Plan]:
    """The open (active or paused) plans ``user`` sponsors, mentors or supports, by leader name."""
    return list(db.session.scalars(
        sa.select(Plan).join(Plan.leader)
        .where(Plan.is_open, sa.or_(Plan.sponsor_id == user.id, Plan.mentor_id == user.id, _supports(user)))
        .order_by(User.name, Plan.id)
    ))


def _change(user: User, actor: User, **values) -> None:
    """Write ``values`` to ``user`` if ``actor`` is still an active HR user (access.is_hr,
    read from the database at this moment), else AccountError."""
    # Lock both rows in id order (PostgreSQL; SQLite has one writer at a time anyway), so
    # the check below waits for, and then sees, a change another HR user is making to us.
    db.session.execute(
        sa.select(User.id).where(User.id.in_({user.id, actor.id})).order_by(User.id).with_for_update()
    ).all()
    acting = aliased(User)
    actor_is_hr = sa.exists().where(acting.id == actor.id, acting.is_hr.is_(True), acting.active.is_(True))
    changed = db.session.execute(
        sa.update(User).where(User.id == user.id, actor_is_hr).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise AccountError(NO_LONGER_HR, "user")
    db.session.expire(user, list(values))


def set_active(user: User, active: bool, actor: User, remote_addr=None) -> None:
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account", "user")
    if user.active == active:
        return
    if user.is_placeholder:
        raise AccountError("This account stands in for people removed under the retention rules; it cannot be reactivated", "user")
    if not active and (plans := open_plans_supported_by(user)):
        raise OpenPlansError(user, plans)
    if active:
        _change(user, actor, active=True)
    else:
        _change(user, actor, active=False, security_stamp=new_token())  # the new stamp spends invite links
        sessions.end_all_for_user(user)
    audit.record(actor, "user.reactivate" if active else "user.deactivate", user, remote_addr, email=user.email)


def set_hr(user: User, is_hr: bool, actor: User, remote_addr=None) -> None:
    if user.id == actor.id and not is_hr:
        raise AccountError("You cannot remove your own HR rights; ask another HR user", "user")
    if user.is_hr == is_hr:
        return
    _change(user, actor, is_hr=is_hr)
    if not is_hr:
        sessions.end_all_for_user(user)  # pages they have open must not keep HR's view
    audit.record(actor, "user.grant_hr" if is_hr else "user.remove_hr", user, remote_addr, email=user.email)


def listing() -> list[User]:
    """Everyone HR manages: not the retention placeholder, which is nobody."""
    return list(db.session.scalars(sa.select(User).where(User.email != User.PLACEHOLDER_EMAIL)
                                   .order_by(User.active.desc(), User.name, User.email)))


def active_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name, User.email)))


@dataclass
class Involvement:
    """What a person is part of, for the deactivation page: the plans they lead, sponsor,
    mentor and support (open first, then by leader), whether they have HR rights, and the open
    plans they sponsor, mentor or support, which block deactivation until reassigned."""

    user: User
    leads: list[Plan]
    sponsors: list[Plan]
    mentors: list[Plan]
    supports: list[Plan]

    @property
    def blocking(self) -> list[Plan]:
        plans = {p.id: p for p in self.sponsors + self.mentors + self.supports if p.is_open}
        return sorted(plans.values(), key=lambda p: (p.leader.name, p.id))

    def role_on(self, plan: Plan) -> str:
        """What they are on a blocking plan, as the page names it."""
        if plan.sponsor_id == self.user.id:
            return "sponsor"
        if plan.mentor_id == self.user.id:
            return "mentor"
        return "supporter"

    @property
    def is_hr(self) -> bool:
        return self.user.is_hr


def involvement(user: User) -> Involvement:
    """One query for every plan ``user`` leads, sponsors, mentors or supports, with their leaders."""
    supports = _supports(user).label("supports")
    found = db.session.execute(
        sa.select(Plan, supports).join(Plan.leader).options(contains_eager(Plan.leader))
        .where(sa.or_(Plan.leader_id == user.id, Plan.sponsor_id == user.id, Plan.mentor_id == user.id, supports))
        .order_by(Plan.is_open.desc(), User.name, Plan.id)
    ).unique().all()
    plans = [p for p, _ in found]
    return Involvement(user, [p for p in plans if p.leader_id == user.id], [p for p in plans if p.sponsor_id == user.id],
                       [p for p in plans if p.mentor_id == user.id], [p for p, yes in found if yes])


MAX_MATCHES = 20
LISTED_PEOPLE = 200


def listed_people(limit: int = LISTED_PEOPLE) -> list[User] | None:
    """Every active user for the people pickers' built-in list (a <datalist>, for browsers
    without JavaScript), or None when there are more than ``limit``: then people type an
    email address, and the page's size does not grow with the organisation."""
    found = list(db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name, User.email).limit(limit + 1)))
    return None if len(found) > limit else found


def search(text: str, limit: int = MAX_MATCHES) -> list[User]:
    """Active users whose name or email contains ``text`` (any case), names starting with it
    first, at most ``limit``: one indexed-size query whatever the number of users."""
    text = (text or "").strip().lower()[:254]
    if not text:
        return []
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    name = sa.func.lower(User.name)
    starts = sa.case((name.like(literal + "%", escape="\\"), 0), else_=1)
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), sa.or_(name.like(f"%{literal}%", escape="\\"),
                                                             User.email.like(f"%{literal}%", escape="\\")))
        .order_by(starts, User.name, User.email).limit(max(1, min(limit, MAX_MATCHES)))
    ))
