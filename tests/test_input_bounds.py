"""Every date and number people send is kept within bounds, with a message naming the
field, on the pages, the API and the command line alike; the API reads YYYY-MM-DD dates
only, and judges evidence links by the pages' rule."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import CheckIn, ClinicianInterview, Goal, Milestone, Plan, Stakeholder
from onboarding.plans import planning

from .date_input import boxes
from .test_api import api, checkin_body, new_plan_body  # noqa: F401  (api is a fixture)
from .test_hr_pages import _plan_form
from .test_leader_pages import GOAL, INTERVIEW, STAKEHOLDER

OUT_OF_RANGE = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"]
RANGE_MESSAGE = "must be between 1 January 2000 and 31 December 2099"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- plan start dates ---------------------------------------------------------------------------
# Each test loops over its values rather than being parametrised: every case would
# otherwise pay for a new app, database and cast.


def test_a_plan_start_out_of_range_is_refused_on_the_page_the_api_and_the_cli(api, cast, client, login, runner):  # noqa: F811
    login(cast["hr"])
    for start in OUT_OF_RANGE:
        for step in ("preview", "confirm"):
            response = client.post("/hr/plans/new", data=_plan_form(cast, step=step, start=start))
            assert response.status_code == 400, start
            text = response.get_data(as_text=True)
            assert 'href="#start-day"' in text and f"Start date {RANGE_MESSAGE}" in text, start
        response = api("hr", "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk", start=start))
        assert response.status_code == 422, start
        assert response.get_json() == {"message": f"start {RANGE_MESSAGE}", "field": "start"}
        result = runner.invoke(args=["plans", "create", "--leader", "leader.b@example.nhs.uk", "--sponsor",
                                     "sponsor.a@example.nhs.uk", "--playbook", "compressed-13-weeks",
                                     "--start", start, "--months", "3"])
        assert result.exit_code != 0 and f"Invalid value for '--start': The date {RANGE_MESSAGE}" in result.output, start
    assert count(Plan) == 2


def test_the_domain_refuses_a_start_out_of_range_for_any_caller(cast):
    version = cast["plan_a"].playbook_version
    with pytest.raises(plans.PlanError) as raised:
        plans.create_plan(leader=cast["leader_b"], sponsor=cast["sponsor_a"], version=version,
                          start=date(1, 1, 1), months=3)
    assert raised.value.field == "start"
    db.session.rollback()
    assert count(Plan) == 2


def test_a_plan_may_start_late_in_2099_and_keeps_the_calendar_rules(api, cast):  # noqa: F811
    response = api("hr", "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk", start="2099-12-31",
                                                              months=6, working_days=["mon", "tue", "wed", "thu", "fri"]))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["end"] == "2100-06-30"
    cal = planning.Calendar()
    dues = [date.fromisoformat(m["due"]) for m in data["milestones"]]
    assert all(cal.is_working_day(d) for d in dues)
    assert date(2100, 1, 1) not in dues  # New Year's Day, a Friday


# --- check-in dates -----------------------------------------------------------------------------


def test_check_in_dates_out_of_range_are_field_errors(api, cast, client, login):  # noqa: F811
    plan = cast["plan_a"]
    login(cast["sponsor_a"])
    for field, value, message in [
        ("next_checkin_on", "9999-12-31", f"Date of the next check-in {RANGE_MESSAGE}"),
        ("next_checkin_on", "2100-01-01", f"Date of the next check-in {RANGE_MESSAGE}"),
        ("held_on", "1999-12-31", f"Date of the check-in {RANGE_MESSAGE}"),
        ("held_on", "0001-01-01", f"Date of the check-in {RANGE_MESSAGE}"),
    ]:
        form = {**boxes("held_on", plans.today()), "rag": "green", "summary": "Fine", **boxes(field, value)}
        response = client.post(f"/plans/{plan.id}/checkins/new", data=form)
        assert response.status_code == 400, value
        text = response.get_data(as_text=True)
        assert f'href="#{field}-day"' in text and message in text, value
        api_response = api("sponsor_a", "POST", f"/plans/{plan.id}/checkins", json=checkin_body(**{field: value}))
        assert api_response.status_code == 422 and api_response.get_json()["field"] == field, value
    assert count(CheckIn) == 0


# --- the leader's records -----------------------------------------------------------------------


def test_leader_record_dates_out_of_range_are_field_errors(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    for kind, data, field, message in [
        ("interviews", INTERVIEW | boxes("interviewed_on", "0001-01-01"), "interviewed_on", f"Date of the interview {RANGE_MESSAGE}"),
        ("interviews", INTERVIEW | boxes("interviewed_on", "9999-12-31"), "interviewed_on", f"Date of the interview {RANGE_MESSAGE}"),
        ("goals", GOAL | boxes("target_date", "9999-12-31"), "target_date", f"Target date {RANGE_MESSAGE}"),
        ("goals", GOAL | boxes("target_date", "1999-01-01"), "target_date", f"Target date {RANGE_MESSAGE}"),
        ("stakeholders", STAKEHOLDER | boxes("last_met", "1066-10-14"), "last_met", f"Last met {RANGE_MESSAGE}"),
    ]:
        response = client.post(f"/plans/{plan.id}/{kind}/new", data=data)
        assert response.status_code == 400, data
        text = response.get_data(as_text=True)
        assert f'href="#{field}-day"' in text and message in text, data
    assert count(ClinicianInterview) == count(Goal) == count(Stakeholder) == 0


def test_the_records_domain_refuses_dates_out_of_range(cast):
    from onboarding.plans import records

    for kind, values, field in [
        ("interview", {"name": "A", "interviewed_on": date(1, 1, 1)}, "interviewed_on"),
        ("goal", {"title": "A", "target_date": "9999-12-31"}, "target_date"),
        ("stakeholder", {"name": "A", "power": 3, "interest": 3, "last_met": date(2100, 1, 1)}, "last_met"),
    ]:
        with pytest.raises(records.RecordError) as raised:
            records.create(kind, cast["plan_a"], cast["leader_a"], values)
        assert raised.value.field == field and RANGE_MESSAGE in str(raised.value)


# --- numbers ------------------------------------------------------------------------------------


HUGE = "99999999999999999999"


def test_numbers_out_of_range_on_the_pages_say_what_is_allowed(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    for change, message in [
        ({"power": HUGE}, "Select a power score from 1 to 5"),
        ({"power": "0"}, "Select a power score from 1 to 5"),
        ({"interest": "6"}, "Select an interest score from 1 to 5"),
        ({"interest": "five"}, "Select an interest score from 1 to 5"),
    ]:
        response = client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER | change)
        assert response.status_code == 400 and message in response.get_data(as_text=True), change
    login(cast["hr"])
    for months in [HUGE, "-4", "2", "7", "four"]:
        response = client.post("/hr/plans/new", data=_plan_form(cast, step="confirm", months=months))
        assert response.status_code == 400 and "Choose a length of 3 to 6 months" in response.get_data(as_text=True), months
        extend = client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": months})
        assert extend.status_code == 400 and "Choose a new length from the list" in extend.get_data(as_text=True), months
    draft = client.post("/hr/playbooks/compressed-13-weeks/draft").headers["Location"]
    for week in [HUGE, "9" * 5000, "53", "-9"]:
        data = {"key": "new-one", "title": "New", "phase": "orientate", "category": "induction_governance",
                "owner": "leader", "week": week, "required": "y"}
        response = client.post(f"{draft}/milestones/new", data=data)
        assert response.status_code == 400 and "Enter a week from -8 to 52" in response.get_data(as_text=True), week[:30]
    db.session.refresh(plan)
    assert plan.months == 6 and count(Plan) == 2 and count(Stakeholder) == 0


def test_api_months_out_of_range_is_422(api, cast):  # noqa: F811
    for months in [HUGE, 10**400, 2.5, -1, True]:
        response = api("hr", "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk", months=months))
        assert (response.status_code, response.get_json()["field"]) == (422, "months"), months
    assert count(Plan) == 2


# --- API date format ----------------------------------------------------------------------------


def test_api_reads_only_yyyy_mm_dd_dates(api, cast):  # noqa: F811
    for value in ["20261005", "2026-W41-1", "2026-278", "2026-10-05T00:00", "２０２６-10-05", " 2026-10-5"]:
        response = api("hr", "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk", start=value))
        assert (response.status_code, response.get_json()["field"]) == (422, "start"), value
        assert "YYYY-MM-DD" in response.get_json()["message"], value
        checkin = api("sponsor_a", "POST", f"/plans/{cast['plan_a'].id}/checkins", json=checkin_body(held_on=value))
        assert (checkin.status_code, checkin.get_json()["field"]) == (422, "held_on"), value
    assert count(Plan) == 2 and count(CheckIn) == 0


# --- evidence links -----------------------------------------------------------------------------


def test_evidence_links_follow_one_rule_on_the_pages_and_the_api(api, cast, client, login):  # noqa: F811
    plan = cast["plan_a"]
    m = next(m for m in plan.milestones if m.owner == "leader")
    login(cast["leader_a"])
    for link in ["https://exa mple.nhs.uk/paper", "http://[", "https://example.nhs.uk/a\tb", "javascript:alert(1)", "https://"]:
        page = client.post(f"/plans/{plan.id}/milestones/{m.id}/complete", data={"evidence_note": "Done", "evidence_link": link})
        assert page.status_code == 400, link
        response = api("leader_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete",
                       json={"evidence_note": "Done", "evidence_link": link})
        assert (response.status_code, response.get_json()["field"]) == (422, "evidence_link"), link
    db.session.expire_all()
    assert db.session.get(Milestone, m.id).status == "todo"
