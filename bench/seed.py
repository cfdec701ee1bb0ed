"""Seed a benchmark database directly, with bulk inserts, at a chosen scale.

The shape aims at a national cohort: every plan has its own leader, sponsors hold 25
leaders each (at least the first one always does), most plans have a mentor, and the
plans started at different times over the last seven months, so some are finished,
most are running with a few overdue milestones, and a few are paused or withdrawn.
Milestone due dates come from the real planner (onboarding.plans.planning.lay_out) over the
default playbooks, so the data looks like what `onboarding plans create` makes.

Everything is generated from a fixed random seed, so two runs at one scale seed the
same rows. Rows go in with SQLAlchemy Core ``insert()`` executemany, in one
transaction; ids are assigned here so children can point at parents without a round
trip, and PostgreSQL's sequences are moved past them afterwards.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.models import (
    CheckIn,
    ClinicianInterview,
    Goal,
    Milestone,
    Plan,
    PlaybookVersion,
    Stakeholder,
    User,
)
from onboarding.plans import next_due, planning

PASSWORD = "benchmark-password-2026"
DOMAIN = "bench.nhs.uk"
LEADERS_PER_SPONSOR = 25
MAX_SPONSORS = 400
HR_USERS = 10
PLANS_PER_MENTOR = 8
CHUNK_PLANS = 1000  # plans generated and inserted per batch, to keep memory flat

# (slug, share of plans, plan lengths in months). The scale is 25 milestones a
# plan: the CDIO/CIO playbook has exactly 25, laid out over 3 to 6 months. The other
# default playbooks are loaded too (HR's playbook filter lists them) but hold no plans.
PLAYBOOK_MIX = (
    ("cdio-cio-26-weeks", 1, (6, 6, 6, 5, 4, 3)),
)
WORKING_PATTERNS = ("mon,tue,wed,thu,fri",) * 17 + ("mon,tue,wed,thu",) * 2 + ("mon,tue,wed",)
STANCES = ("champion", "supporter", "supporter", "neutral", "neutral", "sceptic", "opponent")
RAGS = ("green",) * 14 + ("amber",) * 4 + ("red",) * 2
SPECIALTIES = ("Emergency medicine", "Cardiology", "Acute medicine", "Radiology", "Paediatrics",
               "General practice", "Nursing", "Pharmacy", "Oncology", "Mental health")
PRIORITIES = ("Fewer logins", "Faster results", "Reliable Wi-Fi on wards", "Shared care records",
              "Less duplicate data entry", "Better rota tools", "Decision support", "Remote monitoring")
ORGANISATIONS = ("Trust board", "ICB", "Clinical divisions", "Finance", "Operations", "Nursing",
                 "Estates", "Local authority", "NHS England region")


@dataclass
class Seeded:
    """What the benchmark needs to know about a seeded database."""

    plans: int
    milestones: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    leader_email: str = ""
    sponsor_email: str = ""
    hr_email: str = ""
    sponsor_leaders: int = 0
    anchor: date | None = None
    plan_id: int = 0  # the measured leader's plan (the plan page is measured as its sponsor)


def anchor_day(today: date) -> date:
    """The most recent working Monday on or before ``today``: the data is laid out as of
    that day, and the nudge sweep runs on it (a Monday sweep also sends the weekly
    sponsor digest, so it is the heaviest of the week)."""
    cal = planning.Calendar()
    day = today - timedelta(days=today.weekday())
    while not cal.is_working_day(day):
        day -= timedelta(days=7)
    return day


def load_playbooks(app) -> dict[str, PlaybookVersion]:
    playbooks.load(playbooks.default_paths(app.config["PLAYBOOK_DIR"]))
    return {slug: playbooks.get_playbook(slug).latest for slug, _, _ in PLAYBOOK_MIX}


def _template_rows(version: PlaybookVersion) -> list[dict]:
    return [
        {
            "key": t.key, "title": t.title, "description": t.description, "phase": t.phase,
            "phase_title": version.phase_title(t.phase), "category": t.category, "owner": t.owner,
            "week": t.week, "pinned": t.pinned, "required": t.required, "evidence_prompt": t.evidence_prompt,
        }
        for t in version.templates
    ]


def _max_id(model) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))


def _insert(model, rows: list[dict], counts: dict[str, int]) -> None:
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        _copy(model, rows)
    else:
        db.session.execute(sa.insert(model), rows)
    counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)


def _copy(model, rows: list[dict]) -> None:
    """PostgreSQL's COPY, on the session's own connection (so in the same transaction):
    executemany of INSERTs manages a few thousand rows a second there, COPY ~100 times that."""
    from psycopg.types.json import Json

    table = model.__table__
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, sa.JSON)}
    raw = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c in json_columns else row[c] for c in columns])


def user_rows(first_id: int, prefix: str, count: int, password_hash: str, is_hr=False, rng=None) -> list[dict]:
    """``count`` users named ``prefix.N@bench.nhs.uk``, sharing one password hash (argon2
    is deliberately slow, so hashing thousands of passwords would dominate seeding)."""
    rng = rng or random.Random(0)
    now = datetime(2026, 1, 5, 9, 0)
    rows = []
    for i in range(count):
        mode = rng.choices(("all", "digest", "mute"), (93, 5, 2))[0]
        rows.append(
            {
                "id": first_id + i,
                "email": f"{prefix}.{i + 1}@{DOMAIN}",
                "name": f"{prefix.title()} {i + 1}",
                "password_hash": password_hash,
                "is_hr": is_hr,
                "active": True,
                "timezone": "Europe/London",
                "nudge_mode": mode,
                "security_stamp": secrets.token_hex(16),
                "created_at": now,
                "last_login_at": None,
            }
        )
    return rows


def seed(app, n_plans: int, today: date, password_hash: str, seed_value: int = 2026) -> Seeded:
    """Fill an empty, migrated database with ``n_plans`` plans and everything around
    them; commit once. Runs inside an app context."""
    import time as clock

    started = clock.perf_counter()
    rng = random.Random(seed_value)
    anchor = anchor_day(today)
    versions = load_playbooks(app)
    templates = {slug: _template_rows(v) for slug, v in versions.items()}
    slots = {slug: [planning.Slot(t.week, t.pinned) for t in v.templates] for slug, v in versions.items()}
    weeks = {slug: v.weeks for slug, v in versions.items()}
    mix = [slug for slug, share, _ in PLAYBOOK_MIX for _ in range(share)]
    lengths = {slug: months for slug, _, months in PLAYBOOK_MIX}

    @cache
    def due_dates(slug: str, start: date, months: int, pattern: str) -> tuple[date, ...]:
        end = planning.plan_end(start, months)
        return tuple(planning.lay_out(slots[slug], weeks[slug], start, end, pattern.split(",")))

    counts: dict[str, int] = {}
    n_sponsors = max(1, min(MAX_SPONSORS, -(-n_plans // LEADERS_PER_SPONSOR)))
    n_mentors = max(1, n_plans // PLANS_PER_MENTOR)
    uid = _max_id(User) + 1
    hr = user_rows(uid, "hr", HR_USERS, password_hash, is_hr=True, rng=rng)
    sponsors = user_rows(uid + HR_USERS, "sponsor", n_sponsors, password_hash, rng=rng)
    mentors = user_rows(uid + HR_USERS + n_sponsors, "mentor", n_mentors, password_hash, rng=rng)
    leaders = user_rows(uid + HR_USERS + n_sponsors + n_mentors, "leader", n_plans, password_hash, rng=rng)
    for rows in (hr, sponsors, mentors, leaders):
        _insert(User, rows, counts)

    ids = {model: _max_id(model) + 1 for model in (Plan, Milestone, CheckIn, Stakeholder, ClinicianInterview, Goal)}
    first_plan_id = ids[Plan]
    monday = anchor - timedelta(days=anchor.weekday())
    for chunk_start in range(0, n_plans, CHUNK_PLANS):
        batch: dict[type, list[dict]] = {m: [] for m in ids}
        for i in range(chunk_start, min(n_plans, chunk_start + CHUNK_PLANS)):
            if i == 0:
                # The leader whose page is measured: a full 26-week plan, ten weeks in, with a mentor.
                slug, months, pattern, start, status = "cdio-cio-26-weeks", 6, WORKING_PATTERNS[0], monday - timedelta(weeks=10), "active"
                mentor = mentors[0]["id"]
            else:
                slug = mix[i % len(mix)]
                months = rng.choice(lengths[slug])
                pattern = rng.choice(WORKING_PATTERNS)
                # Most start on a Monday, between four weeks from now and thirty weeks ago.
                start = monday - timedelta(weeks=rng.randint(-4, 30)) + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
                mentor = mentors[rng.randrange(n_mentors)]["id"] if rng.random() < 0.75 else None
                status = "active"
            end = planning.plan_end(start, months)
            if i and end < anchor:
                status = "completed" if rng.random() < 0.85 else "active"  # some run over
            elif i and start <= anchor:
                status = rng.choices(("active", "paused", "withdrawn"), (95, 4, 1))[0]
            plan_id = ids[Plan] + i
            leader_id = leaders[i]["id"]
            # The first 25 plans share the first sponsor, whose dashboard is measured.
            sponsor_id = sponsors[(i // LEADERS_PER_SPONSOR) % n_sponsors]["id"]
            hr_id = hr[i % HR_USERS]["id"]
            owner_ids = {"leader": leader_id, "sponsor": sponsor_id, "mentor": mentor or hr_id, "hr": hr_id}
            batch[Plan].append(
                {
                    "id": plan_id, "leader_id": leader_id, "sponsor_id": sponsor_id, "mentor_id": mentor,
                    "hr_contact_id": hr_id, "playbook_version_id": versions[slug].id, "start_date": start,
                    "months": months, "end_date": end, "working_days": pattern, "status": status,
                    "checkin_cadence_days": 14,
                    "paused_on": anchor - timedelta(days=rng.randint(1, 20)) if status == "paused" else None,
                    "created_at": datetime.combine(start - timedelta(days=21), time(10)),
                    "closed_at": datetime.combine(end, time(16)) if status in ("completed", "withdrawn") else None,
                }
            )
            for position, (t, due) in enumerate(zip(templates[slug], due_dates(slug, start, months, pattern))):
                if status == "completed":
                    state = "done" if t["required"] or rng.random() < 0.8 else "todo"
                elif due < anchor:
                    state = rng.choices(("done", "todo"), (87, 13))[0]
                else:
                    state = "done" if rng.random() < 0.05 else "todo"
                done = state == "done"
                batch[Milestone].append(
                    {
                        "id": ids[Milestone], "plan_id": plan_id, "position": position, **t,
                        "due_date": due, "status": state,
                        "completed_at": datetime.combine(min(due, anchor), time(15)) if done else None,
                        "completed_by_id": owner_ids[t["owner"]] if done else None,
                        "evidence_note": "Notes shared with my sponsor." if done and rng.random() < 0.5 else None,
                        "evidence_link": "https://example.nhs.uk/evidence" if done and rng.random() < 0.2 else None,
                    }
                )
                ids[Milestone] += 1
            if start > anchor:
                continue  # nothing recorded before the first day
            last_day = min(anchor, end)
            held = start + timedelta(days=14)
            while held <= last_day:
                if rng.random() < 0.8:
                    batch[CheckIn].append(
                        {
                            "id": ids[CheckIn], "plan_id": plan_id, "sponsor_id": sponsor_id, "held_on": held,
                            "rag": rng.choice(RAGS),
                            "summary": "Good progress on stakeholder meetings; board paper next.",
                            "private_note": "Watch workload." if rng.random() < 0.3 else "",
                            "actions": "Introduce to the CCIO.\nShare last year's digital strategy.",
                            "next_checkin_on": held + timedelta(days=14),
                            "created_at": datetime.combine(held, time(11)), "updated_at": None,
                        }
                    )
                    ids[CheckIn] += 1
                held += timedelta(days=14)
            weeks_in = (last_day - start).days // 7
            for _ in range(min(14, 3 + weeks_in // 2 + rng.randint(0, 3))):
                batch[Stakeholder].append(
                    {
                        "id": ids[Stakeholder], "plan_id": plan_id, "name": f"Stakeholder {ids[Stakeholder]}",
                        "role": "Director", "organisation": rng.choice(ORGANISATIONS),
                        "power": rng.randint(1, 5), "interest": rng.randint(1, 5), "stance": rng.choice(STANCES),
                        "last_met": last_day - timedelta(days=rng.randint(0, 60)) if rng.random() < 0.7 else None,
                        "notes": "Prefers a one-page brief before meetings.",
                        "created_at": datetime.combine(start, time(12)),
                    }
                )
                ids[Stakeholder] += 1
            for _ in range(min(8, weeks_in // 3 + rng.randint(0, 2))):
                batch[ClinicianInterview].append(
                    {
                        "id": ids[ClinicianInterview], "plan_id": plan_id,
                        "name": f"Dr Clinician {ids[ClinicianInterview]}", "role": "Consultant",
                        "specialty": rng.choice(SPECIALTIES),
                        "interviewed_on": last_day - timedelta(days=rng.randint(0, max(0, (last_day - start).days))),
                        "priorities": rng.sample(PRIORITIES, 3), "themes": rng.sample(("access", "safety", "workload", "data"), 2),
                        "follow_up": "Send the EPR optimisation plan.",
                        "created_at": datetime.combine(start, time(13)),
                    }
                )
                ids[ClinicianInterview] += 1
            for g in range(rng.randint(2, 5)):
                batch[Goal].append(
                    {
                        "id": ids[Goal], "plan_id": plan_id, "title": f"Goal {g + 1}: digital maturity",
                        "objective": "Deliver the trust's digital strategy", "measure": "What good looks like score",
                        "target_date": end, "status": rng.choice(("not_started", "on_track", "on_track", "at_risk", "achieved")),
                        "created_at": datetime.combine(start, time(14)),
                    }
                )
                ids[Goal] += 1
        for model in (Plan, Milestone, CheckIn, Stakeholder, ClinicianInterview, Goal):
            _insert(model, batch[model], counts)
    next_due.refresh(db.session)  # as the app keeps it: the milestones went in in bulk
    _advance_sequences()
    db.session.commit()
    return Seeded(
        plans=n_plans,
        milestones=counts.get("milestone", 0),
        rows=counts,
        seconds=clock.perf_counter() - started,
        leader_email=leaders[0]["email"],
        sponsor_email=sponsors[0]["email"],
        hr_email=hr[0]["email"],
        sponsor_leaders=sum(1 for i in range(n_plans) if (i // LEADERS_PER_SPONSOR) % n_sponsors == 0),
        anchor=anchor,
        plan_id=first_plan_id,
    )


def _advance_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them on so later inserts
    (plans created through the app) get fresh ids."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (User, Plan, Milestone, CheckIn, Stakeholder, ClinicianInterview, Goal):
        table = model.__tablename__
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
        )


def add_users(prefix: str, count: int, password_hash: str) -> list[int]:
    """More users (for the plan-creation run); returns their ids. The caller commits."""
    first = _max_id(User) + 1
    rows = user_rows(first, prefix, count, password_hash)
    db.session.execute(sa.insert(User), rows)
    _advance_sequences()
    return [r["id"] for r in rows]


def default_playbook_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "playbooks"
