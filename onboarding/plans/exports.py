"""A plan as CSV and as the content of a printable review page."""
from __future__ import annotations

import csv
import io
from datetime import date
from itertools import groupby

from .. import plans
from ..models import Plan
from ..people import access
from . import checkins, records
from .supporters import completed_by

CSV_COLUMNS = ("Plan", "Leader", "Phase", "Milestone", "Category", "Owner", "Due", "Status",
               "Completed on", "Completed by", "Evidence note", "Evidence link",
               "ESR assignment number", "External id")  # the plan's (people.identifiers)
STATE_LABELS = {"done": "Done", "overdue": "Overdue", "due_soon": "Due soon",
                "not_started": "Not started", "not_applicable": "Not applicable"}
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def plan_csv(plan: Plan, today: date | None = None) -> str:
    today = today or plans.today()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for m in plan.milestones:
        writer.writerow([safe_cell(v) for v in (
            plan.id,
            plan.leader.name,
            m.phase_title or m.phase,
            m.title,
            label(m.category),
            label(m.owner) if m.owner != "hr" else "HR",
            m.due_date.isoformat(),
            STATE_LABELS[plans.milestone_state(m, today)],
            m.completed_at.date().isoformat() if m.completed_at else "",
            completed_by(m),  # "Ann Assistant for Lee Leader" when done on the leader's behalf
            m.evidence_note or "",
            m.evidence_link or "",
            plan.esr_number or "",
            plan.external_id or "",
        )])
    return out.getvalue()


def csv_filename(plan: Plan) -> str:
    return f"onboarding-plan-{plan.id}.csv"


def review(plan: Plan, today: date | None = None, recent_checkins: int = 3) -> dict:
    """What the printable page shows: progress, milestones by phase, recent check-ins
    (summaries only: private notes stay off paper)."""
    today = today or plans.today()
    phases = [
        {"title": title, "milestones": [{"m": m, "state": plans.milestone_state(m, today),
                                         "state_label": STATE_LABELS[plans.milestone_state(m, today)]} for m in items]}
        for title, items in groupby(plan.milestones, key=lambda m: m.phase_title or m.phase)
    ]
    return {
        "plan": plan,
        "progress": plans.progress(plan, today),
        "phases": phases,
        "checkins": checkins.history(plan)[:recent_checkins],
        "stakeholders": stakeholders(plan),
        "today": today,
    }


def stakeholders(plan: Plan) -> list[dict]:
    """The stakeholder map on paper: each person, their quadrant and the notes paper may carry
    (never private ones, whoever prints)."""
    return [{"s": s, "quadrant": records.QUADRANT_TITLES.get(s.quadrant, "Not scored yet"),
             "notes": s.notes if access.can_read_stakeholder_notes(None, s) else ""} for s in plan.stakeholders]
