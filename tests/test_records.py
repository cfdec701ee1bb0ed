"""The leader's records: validation, create/update/delete with audit events, summaries."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, ClinicianInterview, Stakeholder
from onboarding.plans import records


def _stakeholder(**overrides):
    values = {"name": "Dr Ruth Adeyemi", "role": "CCIO", "organisation": "The trust", "power": 5, "interest": 4,
              "stance": "champion", "last_met": None, "notes": ""}
    return values | overrides


def _actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_parse_themes_normalises_and_deduplicates():
    assert records.parse_themes(" Discharge,log-in  Time ,discharge,, ") == ["discharge", "log-in time"]
    assert records.parse_themes(["Handover", "handover "]) == ["handover"]
    assert records.parse_themes("") == []


def test_parse_lines_drops_blank_lines():
    assert records.parse_lines("Faster log-in\n\n  Fewer forms  \n") == ["Faster log-in", "Fewer forms"]


@pytest.mark.parametrize("value, ok", [
    ("https://example.nhs.uk/doc", True), ("http://intranet/page", True),
    ("javascript:alert(1)", False), ("ftp://example.com", False), ("example.com", False), ("https://", False),
])
def test_is_web_link(value, ok):
    assert records.is_web_link(value) is ok


def test_stakeholder_lifecycle_is_audited(cast):
    plan = cast["plan_a"]
    leader = cast["leader_a"]
    s = records.create("stakeholder", plan, leader, _stakeholder(), "10.0.0.1")
    db.session.commit()
    assert s.quadrant == "manage_closely"
    records.update("stakeholder", s, leader, _stakeholder(power=1, last_met=date(2026, 9, 10)))
    db.session.commit()
    assert (s.power, s.last_met, s.quadrant) == (1, date(2026, 9, 10), "keep_informed")
    records.delete("stakeholder", s, leader)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Stakeholder.id))) == 0
    assert [a for a in _actions() if a.startswith("stakeholder.")] == [
        "stakeholder.create", "stakeholder.update", "stakeholder.delete"]


@pytest.mark.parametrize("overrides, field", [
    ({"name": "  "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"power": 0}, "power"),
    ({"interest": 6}, "interest"),
    ({"power": "high"}, "power"),
    ({"stance": "enemy"}, "stance"),
    ({"last_met": "2026-02-30"}, "last_met"),
    ({"notes": "x" * 5001}, "notes"),
])
def test_invalid_stakeholder_is_refused(cast, overrides, field):
    with pytest.raises(records.RecordError) as error:
        records.create("stakeholder", cast["plan_a"], cast["leader_a"], _stakeholder(**overrides))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Stakeholder.id))) == 0


def test_interview_text_becomes_lists(cast):
    interview = records.create("interview", cast["plan_a"], cast["leader_a"], {
        "name": "Dr Amir Shah", "interviewed_on": "2026-09-20",
        "priorities": "Faster log-in\nFewer duplicate forms\n", "themes": "Log-in time, duplicate data entry",
    })
    db.session.commit()
    assert interview.priorities == ["Faster log-in", "Fewer duplicate forms"]
    assert interview.themes == ["log-in time", "duplicate data entry"]
    assert interview.interviewed_on == date(2026, 9, 20)


def test_interview_needs_a_date(cast):
    with pytest.raises(records.RecordError) as error:
        records.create("interview", cast["plan_a"], cast["leader_a"], {"name": "Dr Shah"})
    assert error.value.field == "interviewed_on"


def test_goal_status_must_be_known(cast):
    with pytest.raises(records.RecordError) as error:
        records.create("goal", cast["plan_a"], cast["leader_a"], {"title": "Cut log-in time", "status": "done-ish"})
    assert error.value.field == "status"


def test_closed_plans_are_read_only(cast):
    from onboarding import plans

    plan = cast["plan_a"]
    plans.close(plan, cast["hr"], "completed")
    db.session.commit()
    with pytest.raises(records.RecordError):
        records.create("goal", plan, cast["leader_a"], {"title": "Too late"})


def test_get_refuses_a_record_of_another_plan(cast):
    s = records.create("stakeholder", cast["plan_a"], cast["leader_a"], _stakeholder())
    db.session.commit()
    assert records.get("stakeholder", cast["plan_a"], s.id) is s
    assert records.get("stakeholder", cast["plan_b"], s.id) is None


def test_quadrant_counts_and_met():
    people = [
        Stakeholder(name="A", power=5, interest=5, last_met=date(2026, 9, 8)),
        Stakeholder(name="B", power=3, interest=3),
        Stakeholder(name="C", power=4, interest=1, last_met=date(2026, 9, 9)),
        Stakeholder(name="D", power=1, interest=5),
        Stakeholder(name="E", power=2, interest=2),
        Stakeholder(name="F", power=1, interest=1, last_met=date(2026, 9, 9)),
    ]
    summary = {q.key: (q.count, q.met) for q in records.quadrant_summary(people)}
    assert summary == {"manage_closely": (2, 1), "keep_satisfied": (1, 1), "keep_informed": (1, 0), "monitor": (2, 1)}
    # Grid reading order: high power on the top row, high interest on the right.
    assert [q.key for q in records.quadrant_summary([])] == ["keep_satisfied", "manage_closely", "monitor", "keep_informed"]


def test_people_not_scored_yet_are_outside_the_grid():
    people = [Stakeholder(id=7, name="", role="Chief Nurse"), Stakeholder(id=3, name="Margaret Lowe", role="Chair"),
              Stakeholder(id=9, name="A", power=5, interest=5), Stakeholder(id=4, name="Half", power=4)]
    summary = {q.key: q.count for q in records.quadrant_summary(people)}
    assert summary == {"manage_closely": 1, "keep_satisfied": 0, "keep_informed": 0, "monitor": 0}
    # In the who's who's order, which is the order they were copied in.
    assert [s.id for s in records.not_scored(people)] == [3, 4, 7]


# Wednesday 9 December 2026: 30 days before is Monday 9 November.
TODAY = date(2026, 12, 9)


@pytest.mark.parametrize("power, interest, last_met, flagged", [
    (5, 5, date(2026, 11, 9), True),  # 30 days ago: not met in the last 30 days
    (5, 5, date(2026, 11, 10), False),  # 29 days ago
    (5, 5, date(2026, 12, 9), False),  # today
    (3, 3, None, True),  # never met
    (5, 2, None, False),  # keep satisfied: not flagged
    (2, 5, date(2026, 1, 5), False),  # keep informed: not flagged
    (None, None, None, False),  # not scored yet
])
def test_manage_closely_people_not_met_for_30_days_are_flagged(cast, power, interest, last_met, flagged):
    s = Stakeholder(plan=cast["plan_a"], name="Dr Ruth Adeyemi", power=power, interest=interest, last_met=last_met)
    db.session.add(s)
    assert records.not_met_recently(s, TODAY) is flagged


def test_a_closed_plan_flags_nobody(cast):
    plan = cast["plan_a"]
    plan.status = "completed"
    s = Stakeholder(plan=plan, name="Dr Ruth Adeyemi", power=5, interest=5, last_met=date(2026, 9, 1))
    db.session.add(s)
    assert records.not_met_recently(s, TODAY) is False


def test_the_map_shows_stance_tags_and_the_30_day_flag(cast, client, login):
    plan = cast["plan_a"]
    leader = cast["leader_a"]
    today = plans.today()
    for name, power, stance, days in (("Ruth Long Ago", 5, "champion", 30), ("Sam Lately", 5, "sceptic", 29),
                                      ("Nia Never", 4, "opponent", None), ("Keep Satisfied", 4, "neutral", 90)):
        records.create("stakeholder", plan, leader, _stakeholder(
            name=name, power=power, interest=5 if name != "Keep Satisfied" else 1, stance=stance,
            last_met=today - timedelta(days=days) if days is not None else None))
    db.session.commit()
    login(cast["sponsor_a"])
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/plans/{plan.id}/stakeholders").get_data(as_text=True)))
    grid = page[page.index("Manage closely"):page.index("Stakeholders met in each quadrant")]
    assert "Ruth Long Ago, CCIO Champion Not met for 30 days" in grid
    assert "Sam Lately, CCIO Sceptic (" not in grid and "Sam Lately, CCIO Sceptic" in grid
    assert "Nia Never, CCIO Opponent Not met yet" in grid
    assert "Keep Satisfied, CCIO Neutral" in page and "Keep Satisfied, CCIO Neutral Not met" not in page


def test_recurring_themes_are_counted_per_interview_and_sorted():
    interviews = [
        ClinicianInterview(name="1", themes=["discharge", "handover", "Discharge"]),
        ClinicianInterview(name="2", themes=["handover", "log-in time"]),
        ClinicianInterview(name="3", themes=["handover", "discharge"]),
        ClinicianInterview(name="4", themes=[]),
    ]
    summary = [(t.theme, t.count, t.recurring) for t in records.theme_summary(interviews)]
    assert summary == [("handover", 3, True), ("discharge", 2, True), ("log-in time", 1, False)]
    assert [t.theme for t in records.recurring_themes(interviews)] == ["handover", "discharge"]
