"""Plan exports: CSV and the printable review page, with the access of reading the plan."""
from __future__ import annotations

import csv
import io

import pytest

from onboarding import plans
from onboarding.extensions import db

PEOPLE = ("leader_a", "sponsor_a", "mentor_a", "hr", "leader_b", "other_sponsor")


@pytest.mark.parametrize("who", PEOPLE)
def test_exports_have_the_access_of_reading_the_plan(cast, client, login, who):
    login(cast[who])
    plan_id = cast["plan_a"].id
    expected = 200 if who in ("leader_a", "sponsor_a", "mentor_a", "hr") else 404
    assert client.get(f"/plans/{plan_id}/export.csv").status_code == expected
    assert client.get(f"/plans/{plan_id}/print").status_code == expected


def test_anonymous_users_are_sent_to_sign_in(cast, client):
    assert client.get(f"/plans/{cast['plan_a'].id}/export.csv").status_code == 302
    assert client.get(f"/plans/{cast['plan_a'].id}/print").status_code == 302
    assert client.get("/plans/999999/print").status_code == 302


def test_csv_has_one_row_per_milestone_and_defuses_formulas(cast, client, login):
    plan = cast["plan_a"]
    m = plan.milestones[2]
    plans.complete_milestone(m, cast["hr"], note='=HYPERLINK("http://evil.example","click")', link="https://example.nhs.uk/x")
    db.session.commit()
    login(cast["leader_a"])
    response = client.get(f"/plans/{plan.id}/export.csv")
    assert response.mimetype == "text/csv"
    assert f"onboarding-plan-{plan.id}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(plan.milestones)
    assert [r["Milestone"] for r in rows] == [x.title for x in plan.milestones]
    assert [r["Due"] for r in rows] == [x.due_date.isoformat() for x in plan.milestones]
    done = rows[2]
    assert done["Status"] == "Done" and done["Completed by"] == "Helen HR"
    assert done["Evidence note"].startswith("'=")  # shown as text, never run as a formula
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_print_page_has_the_plan_and_no_private_notes(cast, client, login):
    from datetime import timedelta

    from onboarding.plans import checkins

    plan = cast["plan_a"]
    held = plans.today()
    checkins.log_checkin(plan, cast["sponsor_a"], checkins.CheckInInput(
        held_on=held, rag="green", summary="Strong first month", private_note="Secret concern",
        next_checkin_on=held + timedelta(days=14)))
    db.session.commit()
    login(cast["sponsor_a"])
    page = client.get(f"/plans/{plan.id}/print").get_data(as_text=True)
    assert "Onboarding review: Leader A" in page
    assert page.count("<h1") == 1
    assert plan.milestones[0].title in page
    assert "Strong first month" in page
    assert "Secret concern" not in page
