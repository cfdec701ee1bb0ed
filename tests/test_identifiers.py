"""Employee identifiers (an ESR assignment number and an external id) on users and plans: HR's
pages, the API and its filter, the CSV downloads and `plans show --json`."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, Plan, User
from onboarding.people import identifiers

from . import test_api
from .conftest import make_user
from .test_api import new_plan_body

api = test_api.api  # the fixture: a call with a token of a cast member


def error_next_to(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>\s*(.*?)\s*</span>',
                      page, re.S)
    assert found, f"no error next to {field}"
    return found.group(1)


@pytest.mark.parametrize("typed, stored", [("10949595", "10949595"), (" 10949595-4 ", "10949595-4"),
                                           ("10949595-12", "10949595-12"), ("", None), ("   ", None)])
def test_an_esr_assignment_number_is_8_digits_with_an_optional_suffix(ctx, typed, stored):
    assert identifiers.check(User, None, typed, None).esr_number == stored


@pytest.mark.parametrize("typed", ["1094959", "109495951", "10949595-", "10949595-123", "1094959a", "10949595/4"])
def test_other_esr_shapes_are_refused_saying_what_one_looks_like(ctx, typed):
    with pytest.raises(identifiers.IdentifierError) as refused:
        identifiers.check(User, None, typed, None)
    assert refused.value.field == "esr_number"
    assert str(refused.value) == ("Enter the ESR assignment number as 8 digits, with -N for a second or later "
                                  "assignment, for example 10949595 or 10949595-2")


def test_hr_sets_a_users_identifiers_unique_where_given(cast, client, login):
    login(cast["hr"])
    leader, other = cast["leader_a"], cast["leader_b"]
    users = client.get("/hr/users").get_data(as_text=True)
    assert f'href="/hr/users/{leader.id}"' in users
    saved = client.post(f"/hr/users/{leader.id}/identifiers",
                        data={"ids-esr_number": "10949595-2", "ids-external_id": "HR-0042"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (leader.esr_number, leader.external_id) == ("10949595-2", "HR-0042")
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="user.identifiers", object_id=leader.id))
    assert event.detail["after"] == {"esr_number": "10949595-2", "external_id": "HR-0042"}

    taken = client.post(f"/hr/users/{other.id}/identifiers",
                        data={"ids-esr_number": "10949595-2", "ids-external_id": ""})
    page = taken.get_data(as_text=True)
    assert taken.status_code == 400
    assert error_next_to(page, "ids-esr_number") == "ESR assignment number 10949595-2 is already used by another user"
    assert 'href="#ids-esr_number"' in page
    # Empty is no identifier: any number of people may have none.
    for user in (other, cast["sponsor_a"]):
        assert client.post(f"/hr/users/{user.id}/identifiers",
                           data={"ids-esr_number": " ", "ids-external_id": ""}).status_code == 302
    bad = client.post(f"/hr/users/{other.id}/identifiers", data={"ids-esr_number": "", "ids-external_id": "a\tb"})
    assert error_next_to(bad.get_data(as_text=True), "ids-external_id").startswith("External id must not contain")


def test_hr_sets_a_plans_identifiers_on_its_admin_page(cast, client, login):
    login(cast["hr"])
    plan_a, plan_b = cast["plan_a"], cast["plan_b"]
    page = client.get(f"/hr/plans/{plan_a.id}").get_data(as_text=True)
    assert 'id="ids-esr_number"' in page
    assert client.post(f"/hr/plans/{plan_a.id}/identifiers",
                       data={"ids-esr_number": "", "ids-external_id": "PLAN-7"}).status_code == 302
    taken = client.post(f"/hr/plans/{plan_b.id}/identifiers", data={"ids-esr_number": "", "ids-external_id": "PLAN-7"})
    assert taken.status_code == 400
    assert error_next_to(taken.get_data(as_text=True), "ids-external_id") == "External id PLAN-7 is already used by another plan"


def test_the_api_sets_shows_and_filters_by_a_plans_identifiers(api, cast):
    plan_a, plan_b = cast["plan_a"], cast["plan_b"]
    make_user("new.leader@example.nhs.uk")
    created = api("hr", "POST", "/plans", json=new_plan_body(esr_number="12345678", external_id="SF-1"))
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["esr_number"], created.get_json()["external_id"]) == ("12345678", "SF-1")
    assert api("hr", "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk", esr_number="12345678")
               ).get_json() == {"message": "ESR assignment number 12345678 is already used by another plan",
                                "field": "esr_number"}

    changed = api("hr", "PATCH", f"/plans/{plan_a.id}", json={"esr_number": "87654321-1"})
    assert changed.status_code == 200 and changed.get_json()["esr_number"] == "87654321-1"
    assert api("hr", "PATCH", f"/plans/{plan_b.id}", json={"external_id": "x" * 65}).status_code == 422
    assert api("sponsor_a", "PATCH", f"/plans/{plan_a.id}", json={"esr_number": None}).status_code == 404

    found = api("sponsor_a", "GET", "/plans?esr=87654321-1").get_json()
    assert [p["id"] for p in found["items"]] == [plan_a.id] and found["total"] == 1
    assert api("hr", "GET", "/plans?external_id=SF-1").get_json()["items"][0]["leader"] == "new.leader@example.nhs.uk"
    assert api("leader_b", "GET", "/plans?esr=87654321-1").get_json()["total"] == 0  # not a plan they may read
    # Clearing: null or empty.
    assert api("hr", "PATCH", f"/plans/{plan_a.id}", json={"esr_number": ""}).get_json()["esr_number"] is None


def test_the_csv_downloads_carry_the_identifiers(cast, client, login):
    plan_a, leader = cast["plan_a"], cast["leader_a"]
    plan_a.esr_number, plan_a.external_id = "11112222", "=HYPERLINK(1)"
    leader.esr_number = "33334444-3"
    db.session.commit()
    login(cast["hr"])
    cohort = list(csv.DictReader(io.StringIO(client.get("/hr/cohort.csv").get_data(as_text=True))))
    row = next(r for r in cohort if r["plan id"] == str(plan_a.id))
    assert (row["esr assignment number"], row["external id"], row["leader esr assignment number"],
            row["leader external id"]) == ("11112222", "'=HYPERLINK(1)", "33334444-3", "")
    plan_rows = list(csv.DictReader(io.StringIO(client.get(f"/plans/{plan_a.id}/export.csv").get_data(as_text=True))))
    assert {(r["ESR assignment number"], r["External id"]) for r in plan_rows} == {("11112222", "'=HYPERLINK(1)")}


def test_plans_show_json_has_the_identifiers(cast, runner):
    plan = db.session.get(Plan, cast["plan_a"].id)
    plan.esr_number = "11112222"
    db.session.commit()
    shown = json.loads(runner.invoke(args=["plans", "show", str(plan.id), "--json"]).output)
    assert (shown["esr_number"], shown["external_id"]) == ("11112222", None)


def test_a_value_stored_meanwhile_is_refused_by_the_unique_key(cast):
    leader, other = cast["leader_a"], cast["leader_b"]
    checked = identifiers.check(User, leader.id, "10949595", None)
    other.esr_number = "10949595"  # another request, between the check and the write
    db.session.commit()
    with pytest.raises(identifiers.IdentifierError, match="10949595 is already used by another user"):
        identifiers.apply(leader, checked, cast["hr"])
    assert leader.esr_number is None
    db.session.commit()  # the session is still usable
