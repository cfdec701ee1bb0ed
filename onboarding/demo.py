"""Demo data: an HR user, two sponsors, a mentor and three leaders at different stages."""
from __future__ import annotations

from datetime import date, timedelta

from . import plans, playbooks
from .extensions import db
from .models import CheckIn, ClinicianInterview, Goal, Plan, Stakeholder
from .people import accounts
from .plans import directory, planning

DEMO_PASSWORD = "demo-onboarding-2026"
DOMAIN = "example.nhs.uk"

PEOPLE = [
    # role label, local part, name, is_hr
    ("HR", "hr", "Harriet Rowe", True),
    ("Sponsor (chief executive)", "sponsor.ceo", "Samuel Okafor", False),
    ("Sponsor (chief operating officer)", "sponsor.coo", "Priya Natarajan", False),
    ("Mentor", "mentor", "Morgan Ellis", False),
    ("Leader (CDIO, month 4)", "leader.cdio", "Dana Whitfield", False),
    ("Leader (data director, week 3)", "leader.data", "Kwame Mensah", False),
    ("Leader (CIO, compressed, done)", "leader.cio", "Alex Moreau", False),
]


# Who holds the suggested roles in the demo trust; the staff network chairs are left for HR to fill.
WHOS_WHO = {
    "Chair": "Margaret Lowe",
    "Chief Executive": "Samuel Okafor",
    "Medical Director": "Dr Anita Rao",
    "Chief Nurse": "Joanne Pritchard",
    "Finance Director": "Graham Pike",
    "Caldicott Guardian": "Dr Peter Lang",
    "Senior Information Risk Owner (SIRO)": "Graham Pike",
    "Data Protection Officer": "Fiona Marsh",
    "Chief Clinical Information Officer (CCIO)": "Dr Ruth Adeyemi",
    "Chief Nursing Information Officer (CNIO)": "Sam Whitaker",
    "Clinical Safety Officer": "Dr Lucy Evans",
    "Freedom to Speak Up Guardian": "Mark Osei",
    "ICB digital lead": "Tom Hale",
}


def _user(local: str, name: str, is_hr: bool):
    email = f"{local}@{DOMAIN}"
    user = accounts.find_user(email)
    if user is None:
        user = accounts.create_user(email, name, is_hr=is_hr, password=DEMO_PASSWORD)
    return user


def seed(today: date | None = None) -> list[tuple[str, str]]:
    """Create the demo people and plans unless they exist; commit; return the logins."""
    today = today or plans.today()
    users = {local: _user(local, name, hr) for _, local, name, hr in PEOPLE}
    if not directory.entries():
        directory.add_suggested(users["hr"], names=WHOS_WHO)
    has_plans = db.session.scalar(db.select(Plan.id).where(Plan.leader_id == users["leader.cdio"].id).limit(1))
    if not has_plans:
        _plans(users, today)
    db.session.commit()
    return [(label, f"{local}@{DOMAIN}") for label, local, _, _ in PEOPLE]


def _version(slug: str):
    playbook = playbooks.get_playbook(slug)
    if playbook is None or playbook.latest is None:
        raise RuntimeError(f"playbook {slug!r} is not loaded: run `onboarding init` first")
    return playbook.latest


def _complete_before(plan: Plan, cutoff: date, leave_open: int, user_by_role: dict) -> None:
    """Mark milestones due before ``cutoff`` done, leaving the last ``leave_open`` overdue."""
    due = [m for m in plan.milestones if m.due_date < cutoff]
    for m in due[: max(0, len(due) - leave_open)]:
        plans.complete_milestone(m, user_by_role[m.owner], note="Done; notes shared with my sponsor.")


def _plans(users: dict, today: date) -> None:
    hr, ceo, coo, mentor = users["hr"], users["sponsor.ceo"], users["sponsor.coo"], users["mentor"]
    cal = planning.Calendar()

    # A CDIO four months into a six-month plan, with two milestones overdue.
    start = cal.on_or_after(planning.add_months(today, -4))
    cdio = plans.create_plan(leader=users["leader.cdio"], sponsor=ceo, mentor=mentor,
                             version=_version("cdio-cio-26-weeks"), start=start, months=6, actor=hr)
    roles = {"leader": users["leader.cdio"], "sponsor": ceo, "mentor": mentor, "hr": hr}
    _complete_before(cdio, today, 2, roles)
    for name, role, org, power, interest, stance, met in [
        ("Dr Ruth Adeyemi", "Chief Clinical Information Officer", "The trust", 5, 5, "champion", 20),
        ("Graham Pike", "Chief Finance Officer", "The trust", 5, 2, "sceptic", 45),
        ("Sister Jo Fenwick", "Matron, emergency department", "The trust", 2, 5, "supporter", 12),
        ("Tom Hale", "ICB digital lead", "Integrated care board", 4, 4, "neutral", None),
        ("Staff-side chair", "Unison branch", "The trust", 2, 2, "neutral", None),
    ]:
        db.session.add(Stakeholder(plan=cdio, name=name, role=role, organisation=org, power=power, interest=interest,
                                   stance=stance, last_met=today - timedelta(days=met) if met else None))
    for name, role, specialty, days_ago, priorities, themes in [
        ("Dr Amir Shah", "Consultant", "Emergency medicine", 70, ["Faster log-in to the EPR", "Fewer duplicate forms"], ["log-in time", "duplicate data entry"]),
        ("Claire Booth", "Ward manager", "Acute medicine", 64, ["Reliable handover lists", "Fewer duplicate forms"], ["duplicate data entry", "handover"]),
        ("Dr Helen Cho", "GP liaison", "Community services", 58, ["Discharge letters reach GPs the same day"], ["discharge communication"]),
    ]:
        db.session.add(ClinicianInterview(plan=cdio, name=name, role=role, specialty=specialty,
                                          interviewed_on=today - timedelta(days=days_ago), priorities=priorities, themes=themes))
    db.session.add(Goal(plan=cdio, title="Cut EPR log-in time to under 10 seconds", objective="Support people",
                        measure="Median log-in time from the audit log", target_date=today + timedelta(days=60), status="on_track"))
    for weeks_ago, rag, summary in [(10, "green", "Settling in well; expectations agreed."), (5, "amber", "Stakeholder map strong; interviews behind schedule.")]:
        held = cal.on_or_before(today - timedelta(weeks=weeks_ago))
        db.session.add(CheckIn(plan=cdio, sponsor=ceo, held_on=held, rag=rag, summary=summary,
                               private_note="Watch workload.", actions="Book remaining clinician interviews.",
                               next_checkin_on=held + timedelta(days=14)))

    # A data director in week three.
    start = cal.on_or_after(today - timedelta(weeks=2))
    data = plans.create_plan(leader=users["leader.data"], sponsor=coo, mentor=mentor,
                             version=_version("director-data-analytics-16-weeks"), start=start, months=4,
                             working_days="mon,tue,wed,thu", actor=hr)
    directory.copy_to_map(data, hr)  # as plan_start.start does: a map of the who's who, not scored yet
    _complete_before(data, today, 0, {"leader": users["leader.data"], "sponsor": coo, "mentor": mentor, "hr": hr})

    # A CIO whose compressed plan is complete.
    start = cal.on_or_after(planning.add_months(today, -4))
    cio = plans.create_plan(leader=users["leader.cio"], sponsor=ceo, version=_version("compressed-13-weeks"),
                            start=start, months=3, actor=hr)
    _complete_before(cio, cio.end_date + timedelta(days=1), 0, {"leader": users["leader.cio"], "sponsor": ceo, "mentor": ceo, "hr": hr})
    db.session.add(CheckIn(plan=cio, sponsor=ceo, held_on=cal.on_or_before(cio.end_date), rag="green",
                           summary="Transition complete; annual objectives set.", private_note="", actions=""))
    plans.close(cio, hr, "completed")
