"""The leader's own records on a plan: stakeholders, clinician priority interviews and
goals. Create, update and delete them (each with an audit event), summarise them
(stakeholders per quadrant, themes that recur across interviews), and load the plans a
page shows with everything it needs in a fixed number of queries. Callers commit.

Values arrive as plain dicts (from a web form or the API) and are checked here too, so
no caller can store a power of 9 or a 10,000-character name.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    GOAL_STATUSES,
    STANCES,
    CheckIn,
    ClinicianInterview,
    Goal,
    Milestone,
    Plan,
    PlaybookVersion,
    Stakeholder,
)
from ..people import access, audit
from . import planning

NAME_MAX = 120
TITLE_MAX = 200
TEXT_MAX = 5000
LINK_MAX = 500
THEME_MAX = 60


class RecordError(ValueError):
    """Input that cannot be stored; ``field`` names the offending value."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- parsing helpers --------------------------------------------------------------------------


def parse_lines(text: str | None) -> list[str]:
    """One item per non-blank line, trimmed: how priorities are typed in a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_themes(text: str | Iterable[str] | None) -> list[str]:
    """'Discharge,  Log-in time, discharge' -> ['discharge', 'log-in time'].

    Lower-cased with inner spaces collapsed so the same theme typed twice counts once
    and matches across interviews; first-seen order is kept."""
    items = text.split(",") if isinstance(text, str) else list(text or [])
    seen: list[str] = []
    for item in items:
        theme = re.sub(r"\s+", " ", str(item)).strip().lower()
        if theme and theme not in seen:
            seen.append(theme)
    return seen


def is_web_link(value: str) -> bool:
    """An absolute http or https address with a host: the only links we render as links."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value.strip())


# --- validation -----------------------------------------------------------------------------


def _text(values: dict, name: str, limit: int, required: bool = False, label: str | None = None) -> str:
    value = values.get(name)
    value = "" if value is None else str(value).strip()
    label = label or name.replace("_", " ")
    if required and not value:
        raise RecordError(f"Enter the {label}", name)
    if len(value) > limit:
        raise RecordError(f"The {label} must be {limit} characters or fewer", name)
    return value


def _score(values: dict, name: str) -> int:
    try:
        value = int(values.get(name))
    except (TypeError, ValueError):
        raise RecordError(f"Select a {name} score from 1 to 5", name) from None
    if not 1 <= value <= 5:
        raise RecordError(f"The {name} score must be from 1 to 5", name)
    return value


def _date(values: dict, name: str, required: bool = False, label: str | None = None) -> date | None:
    value = values.get(name)
    label = label or name.replace("_", " ")
    if value in (None, ""):
        if required:
            raise RecordError(f"Enter the {label}", name)
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise RecordError(f"The {label} must be a real date", name) from None
    if problem := planning.date_problem(day, f"The {label}"):
        raise RecordError(problem, name)
    return day


def _choice(values: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    value = values.get(name) or default
    if value not in choices:
        raise RecordError(f"Choose a {name.replace('_', ' ')} from the list", name)
    return value


def clean_stakeholder(values: dict) -> dict[str, Any]:
    return {
        "name": _text(values, "name", NAME_MAX, required=True),
        "role": _text(values, "role", NAME_MAX),
        "organisation": _text(values, "organisation", NAME_MAX),
        "power": _score(values, "power"),
        "interest": _score(values, "interest"),
        "stance": _choice(values, "stance", STANCES, "neutral"),
        "last_met": _date(values, "last_met", label="date you last met"),
        "notes": _text(values, "notes", TEXT_MAX),
        "notes_private": bool(values.get("notes_private")),
    }


def clean_interview(values: dict) -> dict[str, Any]:
    priorities = values.get("priorities")
    priorities = parse_lines(priorities) if isinstance(priorities, str) or priorities is None else [str(p).strip() for p in priorities if str(p).strip()]
    if sum(len(p) for p in priorities) > TEXT_MAX:
        raise RecordError(f"The priorities must be {TEXT_MAX} characters or fewer", "priorities")
    themes = parse_themes(values.get("themes"))
    if any(len(t) > THEME_MAX for t in themes):
        raise RecordError(f"Each theme must be {THEME_MAX} characters or fewer", "themes")
    if len(themes) > 30:
        raise RecordError("Enter 30 themes or fewer", "themes")
    return {
        "name": _text(values, "name", NAME_MAX, required=True),
        "role": _text(values, "role", NAME_MAX),
        "specialty": _text(values, "specialty", NAME_MAX, label="specialty or division"),
        "interviewed_on": _date(values, "interviewed_on", required=True, label="date of the interview"),
        "priorities": priorities,
        "themes": themes,
        "follow_up": _text(values, "follow_up", TEXT_MAX, label="follow-up"),
    }


def clean_goal(values: dict) -> dict[str, Any]:
    return {
        "title": _text(values, "title", TITLE_MAX, required=True),
        "objective": _text(values, "objective", TITLE_MAX, label="organisational objective"),
        "measure": _text(values, "measure", TEXT_MAX),
        "target_date": _date(values, "target_date", label="target date"),
        "status": _choice(values, "status", GOAL_STATUSES, "not_started"),
    }


# --- create, update, delete -----------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    model: type
    collection: str
    action: str  # audit prefix
    clean: Any


KINDS = {
    "stakeholder": _Kind(Stakeholder, "stakeholders", "stakeholder", clean_stakeholder),
    "interview": _Kind(ClinicianInterview, "interviews", "interview", clean_interview),
    "goal": _Kind(Goal, "goals", "goal", clean_goal),
}


def _check_open(plan: Plan) -> None:
    if access.plan_is_closed(plan):
        raise RecordError(f"This plan is {plan.status}; its records can be read but not changed")


def create(kind: str, plan: Plan, actor, values: dict, remote_addr: str | None = None):
    """Add a stakeholder, interview or goal to a plan."""
    spec = KINDS[kind]
    _check_open(plan)
    clean = spec.clean(values)
    record = spec.model(plan=plan, **clean)
    db.session.add(record)
    db.session.flush()  # the audit event needs the id
    audit.record(actor, f"{spec.action}.create", record, remote_addr, plan=plan.id, name=_label(record))
    return record


def update(kind: str, record, actor, values: dict, remote_addr: str | None = None):
    spec = KINDS[kind]
    _check_open(record.plan)
    clean = spec.clean(values)
    changed = sorted(k for k, v in clean.items() if getattr(record, k) != v)
    for key, value in clean.items():
        setattr(record, key, value)
    audit.record(actor, f"{spec.action}.update", record, remote_addr, plan=record.plan_id, changed=changed)
    return record


def delete(kind: str, record, actor, remote_addr: str | None = None) -> None:
    spec = KINDS[kind]
    _check_open(record.plan)
    audit.record(actor, f"{spec.action}.delete", record, remote_addr, plan=record.plan_id, name=_label(record))
    db.session.delete(record)


def get(kind: str, plan: Plan, record_id: int):
    """The record if it belongs to this plan, else None: another plan's id in the URL is a 404."""
    record = db.session.get(KINDS[kind].model, record_id)
    return record if record is not None and record.plan_id == plan.id else None


def _label(record) -> str:
    return getattr(record, "name", None) or getattr(record, "title", "")


# --- summaries ------------------------------------------------------------------------------


# Power runs down the page (high power on top), interest across: the conventional
# Mendelow grid, listed in reading order so the HTML order matches the picture.
QUADRANTS = (
    ("keep_satisfied", "Keep satisfied", "High power, lower interest: keep them content and consult on what touches them."),
    ("manage_closely", "Manage closely", "High power, high interest: engage fully and meet regularly."),
    ("monitor", "Monitor", "Lower power, lower interest: keep an eye on them with little effort."),
    ("keep_informed", "Keep informed", "Lower power, high interest: keep them informed and listen for issues."),
)
QUADRANT_TITLES = {key: title for key, title, _ in QUADRANTS}


@dataclass
class Quadrant:
    key: str
    title: str
    advice: str
    stakeholders: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.stakeholders)

    @property
    def met(self) -> int:
        return sum(1 for s in self.stakeholders if s.last_met is not None)


def quadrant_summary(stakeholders: Iterable[Stakeholder]) -> list[Quadrant]:
    """The four quadrants in grid reading order, each with its stakeholders (strongest first).
    Stakeholders not scored yet are in none of them (see ``not_scored``)."""
    quadrants = {key: Quadrant(key, title, advice) for key, title, advice in QUADRANTS}
    for s in stakeholders:
        if s.quadrant in quadrants:
            quadrants[s.quadrant].stakeholders.append(s)
    for q in quadrants.values():
        q.stakeholders.sort(key=lambda s: (-s.power, -s.interest, s.name.lower()))
    return list(quadrants.values())


def not_scored(stakeholders: Iterable[Stakeholder]) -> list[Stakeholder]:
    """Stakeholders copied from the who's who whom the leader has not scored yet, in the who's
    who's order (they were copied in it)."""
    return sorted((s for s in stakeholders if s.quadrant == "not_scored"), key=lambda s: s.id)


NOT_MET_DAYS = 30


def not_met_recently(stakeholder: Stakeholder, today: date) -> bool:
    """Someone to manage closely whom the leader has never met, or last met 30 or more days
    before ``today`` (plans.today()): the map flags them "Not met for 30 days". A closed plan
    is a record and flags nobody."""
    if stakeholder.quadrant != "manage_closely" or access.plan_is_closed(stakeholder.plan):
        return False
    return stakeholder.last_met is None or stakeholder.last_met <= today - timedelta(days=NOT_MET_DAYS)


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    count: int  # interviews that raised it

    @property
    def recurring(self) -> bool:
        return self.count >= 2


def theme_summary(interviews: Iterable[ClinicianInterview]) -> list[ThemeCount]:
    """Every theme with the number of interviews that raised it, most frequent first."""
    counts: dict[str, int] = {}
    for interview in interviews:
        for theme in parse_themes(interview.themes or []):
            counts[theme] = counts.get(theme, 0) + 1
    return [ThemeCount(t, n) for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def recurring_themes(interviews: Iterable[ClinicianInterview]) -> list[ThemeCount]:
    return [t for t in theme_summary(interviews) if t.recurring]


# --- loading plans for pages ----------------------------------------------------------------


def _plan_options():
    """Everything a plan page or list reads, loaded up front so the number of queries
    does not grow with the number of plans, milestones or check-ins."""
    return (
        joinedload(Plan.leader),
        joinedload(Plan.sponsor),
        joinedload(Plan.mentor),
        joinedload(Plan.playbook_version).joinedload(PlaybookVersion.playbook),
        selectinload(Plan.milestones).joinedload(Milestone.completed_by),
        selectinload(Plan.checkins).joinedload(CheckIn.sponsor),
    )


def plan_page(user, page: int, per_page: int, status: str | None = None, esr_number: str | None = None,
              external_id: str | None = None) -> tuple[list[Plan], int]:
    """One page of the plans the user may read (of one status, ESR assignment number or external
    id if given), by id, with what plans.as_json reads loaded in a fixed number of queries; and
    how many there are in all."""
    query = access.visible_plans(user)
    for column, value in ((Plan.status, status), (Plan.esr_number, esr_number), (Plan.external_id, external_id)):
        if value is not None:
            query = query.where(column == value)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Plan.id).limit(per_page).offset((page - 1) * per_page).options(
            joinedload(Plan.leader), joinedload(Plan.sponsor), joinedload(Plan.mentor),
            joinedload(Plan.playbook_version).joinedload(PlaybookVersion.playbook), selectinload(Plan.milestones))
    ).unique()
    return list(rows), total


def readable_plan(user, plan_id: int) -> Plan | None:
    """The plan, fully loaded, if the user may read it; None means answer 404."""
    return access.plan_for(user, plan_id, *_plan_options())


def _ordered(plans: list[Plan]) -> list[Plan]:
    """Active first, then paused, then closed; newest start first within each."""
    rank = {"active": 0, "paused": 1, "completed": 2, "withdrawn": 3}
    return sorted(plans, key=lambda p: (rank.get(p.status, 9), -p.start_date.toordinal(), -p.id))


def plans_led_by(user) -> list[Plan]:
    query = access.plans_in_role(user, "leader").options(*_plan_options())
    return _ordered(list(db.session.scalars(query).unique()))


def plans_mentored_by(user) -> list[Plan]:
    query = access.plans_in_role(user, "mentor").options(*_plan_options())
    return _ordered(list(db.session.scalars(query).unique()))


def milestones_by_phase(plan: Plan) -> list[tuple[str, list[Milestone]]]:
    """[(phase title, milestones)], phases in the order their first milestone appears."""
    groups: dict[str, tuple[str, list[Milestone]]] = {}
    for m in plan.milestones:
        groups.setdefault(m.phase, (m.phase_title or m.phase, []))[1].append(m)
    return list(groups.values())

