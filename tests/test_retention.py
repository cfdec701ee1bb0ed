"""Retention (issue 17 part B): closed plans past RETENTION_YEARS are anonymised, the people they
freed deleted, in one audited run; a dry run changes nothing. A fixed "now" stands in for the
clock: plan A closed seven years before it, plan B five."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn, Concern, Nudge, Plan, PlanSupporter, Pulse, SentEmail, User
from onboarding.nudges import scheduler
from onboarding.people import audit, user_admin
from onboarding.plans import checkins, cohort, equity, records, retention, retention_people, retention_rules, tailoring

from .conftest import make_user

NOW = datetime(2034, 3, 15, 12, 0)
SEVEN_YEARS_AGO, FIVE_YEARS_AGO = datetime(2027, 3, 10, 9, 0), datetime(2029, 3, 10, 9, 0)


def words(tag: str) -> list[str]:
    """The names and free text seeded on one plan, each carrying its tag."""
    return [f"{w} {tag}" for w in ("Zebedee Quill", "Quillshire Trust", "Quill note", "Xanthe Vole", "Vole priority",
                                   "Vole theme", "Vole follow-up", "Wombat goal", "Wombat objective", "Narwhal evidence",
                                   "Ocelot reason", "Pangolin summary", "Pangolin private", "Pangolin action",
                                   "Axolotl agenda", "Axolotl reflection", "Tapir pulse", "Tapir concern",
                                   "Tapir follow-up", "Meet Dr Quill", "Newt response")]


def seed(plan: Plan, hr: User, tag: str) -> None:
    """Everything a person writes on a plan, through the domain where it audits."""
    w = dict(zip(("name", "org", "note", "clinician", "priority", "theme", "follow", "goal", "objective", "evidence",
                  "reason", "summary", "private", "action", "agenda", "reflection", "pulse", "concern", "followup",
                  "added", "response"), words(tag)))
    leader = plan.leader
    records.create("stakeholder", plan, leader, {"name": w["name"], "role": "Chief Nurse", "organisation": w["org"],
                                                 "power": "5", "interest": "4", "notes": w["note"]})
    records.create("interview", plan, leader, {"name": w["clinician"], "specialty": "Cardiology", "interviewed_on": "2026-10-01",
                                               "priorities": w["priority"], "themes": w["theme"], "follow_up": w["follow"]})
    records.create("goal", plan, leader, {"title": w["goal"], "objective": w["objective"], "measure": "Faster"})
    plans.complete_milestone(plan.milestones[0], leader, note=w["evidence"], link=f"https://evidence.example/{tag}")
    tailoring.mark_not_applicable(plan.milestones[3], hr, w["reason"])
    tailoring.add_milestone(plan, hr, title=w["added"], description=w["added"], owner="leader", due=date(2026, 12, 1),
                            phase=plan.milestones[0].phase, reason=w["reason"])
    checkin = checkins.log_checkin(plan, plan.sponsor, checkins.CheckInInput(
        date(2026, 10, 1), "amber", w["summary"], w["private"], w["action"]), today=date(2026, 10, 2))
    checkin.leader_response = w["response"]
    plan.leader_agenda, plan.leader_reflection = w["agenda"], w["reflection"]
    db.session.add(Pulse(plan_id=plan.id, key="2", due_on=date(2026, 9, 18), answered_at=datetime(2026, 9, 18),
                         expectations=4, sponsor_support=2, reach=3, belonging=3, confidence=4, comment=w["pulse"]))
    db.session.add(Concern(plan_id=plan.id, raised_by_id=leader.id, text=w["concern"], follow_up_note=w["followup"],
                           followed_up_by_id=hr.id, followed_up_at=datetime(2026, 10, 3)))
    buddy = make_user(f"buddy.{tag.lower()}@example.nhs.uk", f"Buddy {tag}")
    db.session.add(PlanSupporter(plan_id=plan.id, user_id=buddy.id, role="buddy"))
    db.session.add(Nudge(recipient_id=plan.sponsor_id, kind="escalation", subject_type="milestone",
                         subject_id=plan.milestones[1].id, period="1", plan_id=plan.id, milestone_id=plan.milestones[1].id,
                         recorded_on=date(2026, 10, 5), status="failed", last_error=f"550 {leader.email} unknown"))
    plan.pause_reason = f"Pause {tag}"
    db.session.commit()


def close(plan: Plan, hr: User, at: datetime) -> None:
    plans.close(plan, hr, "completed")
    plan.closed_at = at
    db.session.commit()


@pytest.fixture
def world(cast):
    hr = cast["hr"]
    # Names no playbook text contains ("the leader a safe place..."), to search for.
    for key, name in (("leader_a", "Lavinia Leaderson"), ("sponsor_a", "Sebastian Sponsorby"),
                      ("mentor_a", "Minerva Mentorson")):
        cast[key].name = name
    seed(cast["plan_a"], hr, "A7")
    seed(cast["plan_b"], hr, "B5")
    close(cast["plan_a"], hr, SEVEN_YEARS_AGO)
    close(cast["plan_b"], hr, FIVE_YEARS_AGO)
    for leader in (cast["leader_a"], cast["leader_b"]):  # both left long ago
        leader.active = False
        leader.created_at = datetime(2026, 9, 1)
    db.session.add(SentEmail(recipient=cast["leader_a"].email, subject="Overdue: Meet Dr Quill A7", kind="overdue",
                             sent_at=datetime(2026, 10, 6)))
    db.session.commit()
    return cast


def rows_tied_to(plan_id: int) -> list[tuple[str, dict]]:
    """Every row of every table that belongs to the plan: by its id, its plan_id, or (audit
    events, posts) the retention rules' own tie."""
    found = []
    for name, spec in retention_rules.PLAN_TABLES.items():
        table = db.metadata.tables.get(name)
        if table is not None:
            rows = db.session.execute(sa.select(table).where(retention._tie(table, spec.tie, plan_id))).mappings()
            found += [(name, dict(row)) for row in rows]
    return found


def everything() -> str:
    """The whole database as text (every column of every row of every table)."""
    dump = []
    for table in db.metadata.sorted_tables:
        dump += [json.dumps(dict(row), default=str) for row in db.session.execute(sa.select(table)).mappings()]
    return "\n".join(dump).lower()


def cohort_figures(plan_id: int) -> tuple:
    row = next(r for r in cohort.page(cohort.Filters(), today=date(2034, 3, 15)).rows if r.plan_id == plan_id)
    return (row.status, row.progress.done, row.progress.total, row.progress.percent, row.last_checkin_on, row.last_rag,
            row.start_date, row.end_date)


def test_a_plan_past_retention_is_anonymised_and_its_counts_kept(world):
    a, b = world["plan_a"], world["plan_b"]
    a_id, b_id, leader_a_id, leader_a_email = a.id, b.id, world["leader_a"].id, world["leader_a"].email
    before_a, before_b = cohort_figures(a_id), cohort_figures(b_id)
    equity_before = equity.report(date(2026, 1, 1), date(2026, 12, 31), today=date(2034, 3, 15)).as_json()
    b_rows = rows_tied_to(b_id)
    tied = "\n".join(json.dumps(row, default=str) for _, row in rows_tied_to(a_id)).lower()
    assert all(word.lower() in tied for word in words("A7")[:3])  # the scan sees what was seeded

    result = retention.run(6, now=NOW)

    assert result.plans == [a_id]
    assert result.users == [leader_a_id]  # leader B is still named by plan B, kept in full
    tied = "\n".join(json.dumps(row, default=str) for _, row in rows_tied_to(a_id)).lower()
    for word in words("A7") + ["lavinia", leader_a_email, "sebastian", "minerva", "buddy a7", "cardiology",
                               "chief nurse", "evidence.example", "pause a7"]:
        assert word.lower() not in tied, word
    whole = everything()
    assert leader_a_email not in whole and "lavinia" not in whole  # deleted, and quoted nowhere
    assert "meet dr quill a7" not in whole  # the sent-email log's old rows went too
    assert db.session.get(User, leader_a_id) is None
    plan = db.session.get(Plan, a_id)
    assert plan.anonymised_at == NOW and plan.leader.name == retention.PLACEHOLDER_NAME
    assert [s.name for s in plan.stakeholders] == ["Stakeholder 1"] and plan.supporters == []
    assert cohort_figures(a_id) == before_a  # status, progress, check-ins: counted as before
    assert equity.report(date(2026, 1, 1), date(2026, 12, 31), today=date(2034, 3, 15)).as_json() == equity_before
    # The pauses, check-ins and escalation the equity report counts are still there.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nudge).where(Nudge.plan_id == a_id,
                                                                                Nudge.kind == "escalation")) == 1
    assert db.session.scalar(sa.select(CheckIn.rag).where(CheckIn.plan_id == a_id)) == "amber"
    # Plan B, closed five years ago, is untouched.
    assert rows_tied_to(b_id) == b_rows and cohort_figures(b_id) == before_b
    assert "zebedee quill b5" in whole
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "retention.run")).one()
    assert (event.actor_id, event.detail["plans"], event.detail["people"], event.detail["years"]) == (None, 1, 1, 6)


def test_an_address_typed_in_capitals_goes_too_and_the_placeholder_is_nobody_hr_manages(world):
    typed = world["leader_a"].email.title()  # a failed sign-in keeps the address as typed
    audit.record(None, "user.login_failed", None, email=typed)
    db.session.commit()
    retention.run(6, now=NOW)
    assert typed.lower() not in everything()
    placeholder = db.session.scalars(sa.select(User).where(User.email == User.PLACEHOLDER_EMAIL)).one()
    assert placeholder.is_placeholder and placeholder not in user_admin.listing()
    with pytest.raises(user_admin.AccountError, match="cannot be reactivated"):
        user_admin.set_active(placeholder, True, world["hr"])
    assert not placeholder.active


def test_a_dry_run_changes_nothing(world, runner, monkeypatch):
    before = everything()
    monkeypatch.setattr(retention, "utcnow", lambda: NOW)
    out = runner.invoke(args=["retention", "run", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert f"would anonymise plan {world['plan_a'].id}" in out.output
    assert f"would delete user {world['leader_a'].id}" in out.output
    assert "nothing changed (dry run)" in out.output
    assert everything() == before
    out = runner.invoke(args=["retention", "run"])
    assert "anonymised 1 plan closed before 2028-03-15, deleted 1 person and 0 sent-email log rows" in out.output
    assert "change 1 checkin row\n" in out.output and "change 4 webhook_event rows\n" in out.output
    assert everything() != before


def test_recently_deactivated_people_are_kept_until_the_period_has_passed(cast):
    gone = make_user("left.recently@example.nhs.uk", "Left Recently")
    gone.active = False
    db.session.commit()
    gone_id = gone.id
    assert retention.run(6).users == []  # created today: kept six more years
    assert retention.run(6, now=datetime(2040, 1, 1)).users == [gone_id]


def test_every_column_of_a_plan_and_every_reference_to_a_person_has_a_decision(app):
    undecided = []
    for name, spec in retention_rules.PLAN_TABLES.items():
        table = db.metadata.tables.get(name)
        if table is not None:
            undecided += [f"{name}.{c.name}" for c in table.columns if c.name not in spec.columns]
    tied = {t.name for t in db.metadata.sorted_tables if "plan_id" in t.c or t.name == "plan"}
    undecided += [f"{name} (a table with plan_id)" for name in tied - set(retention_rules.PLAN_TABLES)]
    undecided += [f"{t.name}.{c.name} (points at a user)" for t, c, rule in retention_people.user_references() if rule is None]
    assert undecided == [], "decide in onboarding/plans/retention_rules.py what retention does to these"


def test_the_weekly_job_is_scheduled(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    job = scheduler.configure(BackgroundScheduler(), app).get_job(scheduler.RETENTION_JOB)
    assert job.name == "Weekly retention run" and str(job.trigger) == "cron[day_of_week='sun', hour='3', minute='0']"
