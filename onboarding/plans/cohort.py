"""The HR cohort: every plan, filtered and paginated, and the same rows as CSV.

A page costs a fixed number of queries whatever the number of plans: one count,
then dashboards.plan_rows (plans with people and playbook, milestone counts,
latest check-ins) over the page.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import plans as plans_mod
from ..extensions import db
from ..models import PLAN_STATUSES, Plan, Playbook, PlaybookVersion, User
from . import dashboards
from .dashboards import PlanRow

PER_PAGE = 25
CSV_HEADER = (
    "plan id", "leader", "leader email", "sponsor", "mentor", "playbook", "version", "status",
    "start", "end", "week", "of weeks", "percent complete", "overdue", "last check-in", "last RAG",
    "next check-in due", "esr assignment number", "external id", "leader esr assignment number",
    "leader external id", "inactive people",
)


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    playbook: str | None = None  # slug
    overdue_only: bool = False

    def __post_init__(self):
        if self.status is not None and self.status not in PLAN_STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


@dataclass
class Page:
    rows: list[PlanRow]
    page: int
    pages: int
    total: int
    per_page: int = PER_PAGE
    # plan id -> "sponsor"/"mentor" when that person is deactivated on an open plan
    inactive_people: dict[int, list[str]] = field(default_factory=dict)


def _filtered(filters: Filters, today: date) -> sa.Select:
    query = sa.select(Plan)
    if filters.status:
        query = query.where(Plan.status == filters.status)
    if filters.playbook:
        query = query.where(
            Plan.playbook_version_id.in_(
                sa.select(PlaybookVersion.id).join(Playbook).where(Playbook.slug == filters.playbook)
            )
        )
    if filters.overdue_only:
        # An open milestone due before today, read from the plan's earliest open due date
        # (plans/next_due.py). A closed plan has nothing overdue in the sense HR acts on.
        query = query.where(Plan.next_open_due < today, Plan.is_open)
    return query


def _order(query: sa.Select) -> sa.Select:
    return query.order_by(Plan.start_date.desc(), Plan.id.desc())


def page(filters: Filters, number: int = 1, per_page: int = PER_PAGE, today: date | None = None) -> Page:
    """One page of the cohort; a page number past the end gives the last page."""
    today = today or plans_mod.today()
    query = _filtered(filters, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    ids = _page_ids(query, per_page, (number - 1) * per_page)
    return Page(dashboards.plan_rows(ids, today), number, pages, total, per_page, inactive_people(ids))


def page_window(current: int, pages: int, around: int = 1) -> list[int | None]:
    """The page numbers the pagination links to: the first, the last, and ``around`` either side
    of the current one, with None where numbers are left out (an ellipsis). At most
    5 + 2 * around entries whatever the number of pages: at 10,000 plans the list of every page
    was 400 links, most of the cohort page's time."""
    shown = {1, pages, *range(current - around, current + around + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= pages)
    window: list[int | None] = []
    for n in numbers:
        if window and n - window[-1] == 2:
            window.append(n - 1)  # one number left out: show it rather than an ellipsis
        elif window and n - window[-1] > 2:
            window.append(None)
        window.append(n)
    return window


def inactive_people(plan_ids: list[int] | sa.Select) -> dict[int, list[str]]:
    """The open plans among ``plan_ids`` (a list, or a select of ids) whose sponsor or mentor
    is deactivated (nobody may be able to log their check-ins), each with who: ["sponsor"],
    ["mentor"] or both. One query."""
    sponsor, mentor = dashboards.SPONSOR, dashboards.MENTOR
    rows = db.session.execute(
        sa.select(Plan.id, sponsor.active, mentor.active)
        .join(sponsor, Plan.sponsor_id == sponsor.id)
        .outerjoin(mentor, Plan.mentor_id == mentor.id)
        .where(Plan.id.in_(plan_ids), Plan.is_open, sa.or_(sponsor.active.is_(False), mentor.active.is_(False)))
    )
    return {plan_id: [who for who, active in (("sponsor", s), ("mentor", m)) if active is False]
            for plan_id, s, m in rows}


def identifiers(plan_ids: list[int]) -> dict[int, tuple]:
    """Each plan's ESR assignment number and external id, then its leader's (people.identifiers). One query."""
    leader = aliased(User)
    rows = db.session.execute(
        sa.select(Plan.id, Plan.esr_number, Plan.external_id, leader.esr_number, leader.external_id)
        .join(leader, Plan.leader_id == leader.id).where(Plan.id.in_(plan_ids)))
    return {plan_id: tuple(values) for plan_id, *values in rows}


def _page_ids(query: sa.Select, limit: int, offset: int) -> list[int]:
    # Pick the page's plans first and join their people afterwards: joining first makes
    # the database join every matching plan before it can keep the 25 it shows.
    return list(db.session.scalars(_order(query.with_only_columns(Plan.id)).limit(limit).offset(offset)))


def all_rows(filters: Filters, today: date | None = None, batch: int = 500) -> Iterator[tuple[PlanRow, list[str], tuple]]:
    """Every row matching ``filters`` with its deactivated people (as ``Page.inactive_people``)
    and its ``identifiers``, fetched in batches of five queries (for the CSV export)."""
    today = today or plans_mod.today()
    offset = 0
    while True:
        ids = _page_ids(_filtered(filters, today), batch, offset)
        rows = dashboards.plan_rows(ids, today)
        inactive = inactive_people(ids) if ids else {}
        found = identifiers(ids) if ids else {}
        for row in rows:
            yield row, inactive.get(row.plan_id, []), found.get(row.plan_id, (None,) * 4)
        if len(rows) < batch:
            return
        offset += batch


def safe_cell(value) -> str:
    """Stop spreadsheet programs reading a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _inactive_text(row: PlanRow, who: list[str]) -> str:
    """The deactivated people as the page flags them: "Sam Sponsor (sponsor); Mo Mentor (mentor)"."""
    names = {"sponsor": row.sponsor_name, "mentor": row.mentor_name}
    return "; ".join(f"{names[role]} ({role})" for role in who)


def to_csv(rows: Iterable[tuple[PlanRow, list[str], tuple]]) -> str:
    """The rows of ``all_rows`` as CSV, a line per plan under CSV_HEADER."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r, who, ids in rows:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    r.plan_id, r.leader_name, r.leader_email, r.sponsor_name, r.mentor_name or "",
                    r.playbook_slug, r.playbook_version, r.status,
                    r.start_date.isoformat(), r.end_date.isoformat(), r.progress.week, r.progress.weeks,
                    r.progress.percent, r.progress.overdue,
                    r.last_checkin_on.isoformat() if r.last_checkin_on else "", r.last_rag or "",
                    r.next_checkin_due.isoformat() if r.next_checkin_due else "",
                    *(value or "" for value in ids), _inactive_text(r, who),
                )
            ]
        )
    return out.getvalue()


def playbook_choices() -> list[tuple[str, str]]:
    """(slug, title of the latest version) for the filter."""
    rows = db.session.execute(
        sa.select(Playbook.slug, PlaybookVersion.title)
        .join(PlaybookVersion, PlaybookVersion.playbook_id == Playbook.id)
        .order_by(Playbook.slug, PlaybookVersion.number.desc())
    )
    seen: dict[str, str] = {}
    for slug, title in rows:
        seen.setdefault(slug, title)
    return list(seen.items())
