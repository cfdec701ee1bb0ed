"""Subject access: everything the service holds about one person, gathered for a request under
UK GDPR Article 15, as JSON (``data.json``) and a page a person can read (``index.html``).

What is theirs goes in whole; what someone else wrote about them goes in only where the law
and the access rules agree it is theirs to have. So: a check-in's private note only for the
sponsor who wrote it (never the leader it is about, nor a later sponsor); HR's follow-up note on
a concern only for the HR user who wrote it; equality answers only the person's own. No password
hash, session or token hash, feed token or security stamp, ever: the account's fields are named
one by one, so a secret column added later stays out until someone decides otherwise.

Shared by ``onboarding users export`` and HR's subject access page; each export is audited."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import (
    ApiToken,
    AuditEvent,
    CheckIn,
    Concern,
    Milestone,
    Nudge,
    Plan,
    PlanSupporter,
    Pulse,
    SentEmail,
    User,
    UserSession,
)
from . import access, audit, audit_review, equality, mfa
from .access_review import ROLE_LABELS

ACCOUNT_FIELDS = ("id", "name", "email", "is_hr", "active", "timezone", "nudge_mode", "created_at",
                  "last_login_at", "feed_token_created_at", "welcome_dismissed_at",
                  "oidc_issuer", "oidc_subject",  # the single sign-on account linked to them (people.sso)
                  "esr_number", "external_id", "nudge_channel")
PULSE_FIELDS = ("key", "due_on", "answered_at", "expectations", "sponsor_support", "reach", "belonging",
                "confidence", "comment", "shared_with_sponsor")


def _plain(value):
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fields(row, names) -> dict:
    return {name: _plain(getattr(row, name)) for name in names}


def find(email: str) -> User | None:
    """The user with this email address, active or not (a former user may ask too)."""
    return db.session.scalar(sa.select(User).where(User.email == User.normalise_email(email)))


def plans_of(user: User) -> list[Plan]:
    """Every plan the person holds a role on, whatever its status or theirs. Not access.in_role,
    which grants nothing to a deactivated user: a former user's record still has to be found."""
    columns = access.ROLE_COLUMNS.values()
    supported = sa.exists().where(PlanSupporter.plan_id == Plan.id, PlanSupporter.user_id == user.id)
    return list(db.session.scalars(sa.select(Plan).where(sa.or_(*(c == user.id for c in columns), supported))
                                   .order_by(Plan.start_date, Plan.id)))


def roles_on(user: User, plan: Plan) -> list[str]:
    """The person's roles on the plan as its record names them (the columns and supporter rows
    that access.roles reads), whether or not they are active now."""
    held = {role for role, column in access.ROLE_COLUMNS.items() if getattr(plan, column.key) == user.id}
    held |= {s.role for s in plan.supporters if s.user_id == user.id}
    return [label for role, label in ROLE_LABELS.items() if role in held]


def _plans(user: User, plans: list[Plan]) -> list[dict]:
    return [{"id": p.id, "leader": p.leader.name, "status": p.status, "playbook": p.playbook_version.title,
             "start_date": _plain(p.start_date), "end_date": _plain(p.end_date), "roles": roles_on(user, p),
             # the plan's own identifiers in HR's systems, where the person leads it
             **(_fields(p, ("esr_number", "external_id")) if p.leader_id == user.id else {})}
            for p in plans]


def _checkins(user: User, led: list[int]) -> list[dict]:
    """Check-ins they logged (as sponsor, with their own private note) or that were about them
    (as leader, without the sponsor's private note)."""
    rows = db.session.scalars(sa.select(CheckIn).where(sa.or_(CheckIn.sponsor_id == user.id, CheckIn.plan_id.in_(led)))
                              .order_by(CheckIn.held_on, CheckIn.id))
    found = []
    for c in rows:
        item = {"plan_id": c.plan_id, "held_on": _plain(c.held_on), "logged_by": c.sponsor.name, "rag": c.rag,
                "summary": c.summary, "actions": c.actions, "actions_done": c.actions_done,
                "next_checkin_on": _plain(c.next_checkin_on)}
        if c.sponsor_id == user.id:
            item["private_note"] = c.private_note
        if c.plan_id in led:
            item |= {"agenda": c.leader_agenda, "reflection": c.leader_reflection, "response": c.leader_response,
                     "acknowledged_at": _plain(c.acknowledged_at)}
        found.append(item)
    return found


def _leader_records(plans: list[Plan], led: list[int]) -> dict:
    """The stakeholder maps, interviews, goals and pulse answers of the plans they lead: theirs."""
    mine = [p for p in plans if p.id in led]
    pulses = db.session.scalars(sa.select(Pulse).where(Pulse.plan_id.in_(led), Pulse.answered_at.is_not(None))
                                .order_by(Pulse.due_on))
    return {
        "stakeholders": [{"plan_id": p.id, **_fields(s, ("name", "role", "organisation", "power", "interest",
                                                         "stance", "last_met", "notes", "notes_private"))}
                         for p in mine for s in p.stakeholders],
        "interviews": [{"plan_id": p.id, **_fields(i, ("name", "role", "specialty", "interviewed_on", "priorities",
                                                       "themes", "follow_up"))} for p in mine for i in p.interviews],
        "goals": [{"plan_id": p.id, **_fields(g, ("title", "objective", "measure", "target_date", "status"))}
                  for p in mine for g in p.goals],
        "pulses": [{"plan_id": p.plan_id, **_fields(p, PULSE_FIELDS)} for p in pulses],
    }


def _concerns(user: User) -> list[dict]:
    """Concerns they raised (their text, not HR's note) and follow-ups they wrote (their note,
    not the leader's text)."""
    rows = db.session.scalars(sa.select(Concern).where(sa.or_(Concern.raised_by_id == user.id,
                                                              Concern.followed_up_by_id == user.id))
                              .order_by(Concern.created_at))
    found = []
    for c in rows:
        item = {"plan_id": c.plan_id, "raised_at": _plain(c.created_at), "followed_up_at": _plain(c.followed_up_at)}
        if c.raised_by_id == user.id:
            item |= {"raised_by_them": True, "text": c.text, "shared_with_mentor": c.share_with_mentor}
        if c.followed_up_by_id == user.id:
            item |= {"followed_up_by_them": True, "follow_up_note": c.follow_up_note}
        found.append(item)
    return found


def _audit(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(AuditEvent).where(sa.or_(
        AuditEvent.actor_id == user.id, sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)))
        .order_by(AuditEvent.at, AuditEvent.id))
    return [{"at": _plain(e.at), "action": audit_review.action_label(e.action), "by_them": e.actor_id == user.id,
             "object": audit_review.object_label(e.object_type), "object_id": e.object_id,
             "detail": audit_review.summary(e), "address": e.remote_addr} for e in rows]


def _account(user: User) -> dict:
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at))
    sessions = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                  .order_by(UserSession.created_at))
    return {
        **_fields(user, ACCOUNT_FIELDS),
        "two_factor": {"on": mfa.is_enabled(user), "recovery_codes_left": mfa.remaining_recovery_codes(user)},
        "api_tokens": [_fields(t, ("name", "created_at", "last_used_at", "revoked_at")) for t in tokens],
        "sessions": [_fields(s, ("created_at", "last_seen_at", "ended_at", "remote_addr")) for s in sessions],
    }


def _emails(user: User) -> dict:
    nudges = db.session.scalars(sa.select(Nudge).where(Nudge.recipient_id == user.id).order_by(Nudge.created_at))
    sent = db.session.scalars(sa.select(SentEmail).where(SentEmail.recipient == user.email).order_by(SentEmail.sent_at))
    return {
        "nudges": [_fields(n, ("kind", "plan_id", "recorded_on", "status", "attempts", "sent_at")) for n in nudges],
        "sent_emails": [_fields(e, ("sent_at", "subject", "kind")) for e in sent],
    }


EQUALITY_ELSEWHERE = ("Not in this bundle: the person's answers to the 'About you' questions are shown to no one but "
                      "them (not HR, who prepares this bundle), on their account page under 'About you', where they "
                      "can also change or delete them.")


def _equality(user: User) -> dict:
    """Whether they gave equality answers and where they see them; never the answers. The
    service promises they are on no page but the person's own and in no download (HR sees only
    rounded group counts), and HR is who downloads this bundle: the person's own page is where
    the answers themselves are given to them."""
    answers = equality.answers_of(user)
    held = any(getattr(answers, dim) is not None for dim in equality.DIMENSIONS)
    return {"held": held, "where": EQUALITY_ELSEWHERE if held else "They have given none."}


def gather(user: User, today: date | None = None) -> dict:
    """Everything held about ``user``, as JSON-ready values (see the module's docstring)."""
    plans = plans_of(user)
    led = [p.id for p in plans if p.leader_id == user.id]
    completed = db.session.scalars(sa.select(Milestone).where(Milestone.completed_by_id == user.id)
                                   .order_by(Milestone.completed_at))
    return {
        "about": f"Everything the onboarding tracker holds about {user.name} ({user.email})",
        "prepared_on": _plain(today or date.today()),
        "account": _account(user),
        "plans": _plans(user, plans),
        "milestones_completed": [{"plan_id": m.plan_id, **_fields(m, ("title", "completed_at", "evidence_note",
                                                                      "evidence_link"))} for m in completed],
        "checkins": _checkins(user, led),
        **_leader_records(plans, led),
        "concerns": _concerns(user),
        "equality_answers": _equality(user),
        "audit_events": _audit(user),
        **_emails(user),
    }


def to_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_html(data: dict) -> str:
    """The same, as one self-contained page (no scripts or links to the service: it travels).
    Straight from the app's (autoescaping) Jinja environment: no page context, no request needed."""
    return current_app.jinja_env.get_template("subject_access/bundle.html").render(data=data)


def to_zip(data: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("data.json", to_json(data))
        bundle.writestr("index.html", to_html(data))
    return out.getvalue()


def filename(user: User, today: date, suffix: str = ".zip") -> str:
    return f"subject-access-{user.id}-{today.isoformat()}{suffix}"


def export(user: User, actor: User | None, via: str, remote_addr: str | None = None, today: date | None = None) -> dict:
    """Gather ``user``'s data and audit that it was exported (the caller commits)."""
    data = gather(user, today)
    audit.record(actor, "user.subject_access", user, remote_addr, via=via)
    return data


def write(data: dict, directory: Path) -> list[Path]:
    """``data.json`` and ``index.html`` in ``directory`` (made if missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "data.json", directory / "index.html"]
    written[0].write_text(to_json(data), encoding="utf-8")
    written[1].write_text(to_html(data), encoding="utf-8")
    return written
