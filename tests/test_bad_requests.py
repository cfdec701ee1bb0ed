"""Every bad request is answered 4xx, never 500: huge ids and NUL in URLs, NUL in any
form field, deeply nested or unknown JSON, and bodies over the size limit."""
from __future__ import annotations

import io

import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import CheckIn, Goal, Plan, Stakeholder, User

from .test_api import api, checkin_body, new_plan_body  # noqa: F401  (api is a fixture)
from .test_hr_pages import _plan_form
from .test_leader_pages import GOAL, STAKEHOLDER

HUGE_IDS = ["99999999999999999999", str(2**31), str(2**63), "9" * 5000]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- URLs ---------------------------------------------------------------------------------------


# Tests loop over their values rather than being parametrised: every case would otherwise
# pay for a new app, database and cast.


def test_huge_ids_in_urls_are_404(api, cast, client, login):  # noqa: F811
    plan_id = cast["plan_a"].id
    login(cast["hr"])
    for huge in HUGE_IDS:
        for url in (f"/plans/{huge}", f"/hr/plans/{huge}", f"/plans/{plan_id}/stakeholders/{huge}/edit",
                    f"/plans/{plan_id}/checkins/{huge}/edit", f"/plans/{huge}/export.csv",
                    f"/hr/playbooks/compressed-13-weeks/v{huge}"):
            assert client.get(url).status_code == 404, url[:80]
        for url in (f"/hr/tokens/{huge}/revoke", f"/hr/outbox/{huge}/resend", f"/hr/users/{huge}/deactivate"):
            assert client.post(url).status_code == 404, url[:80]
        response = api("hr", "GET", f"/plans/{huge}")
        assert response.status_code == 404 and response.get_json() == {"message": "Not found"}


def test_nul_and_control_characters_in_urls_are_404(cast, client, login):
    login(cast["hr"])
    for path in ["/hr/playbooks/a%00b", "/hr/playbooks/compressed-13-weeks%00/v1", "/set-password/x%00y",
                 "/hr/playbooks/a%07b/copy"]:
        assert client.get(path).status_code == 404, path


def test_nul_in_an_api_url_is_a_json_404(api, cast):  # noqa: F811
    response = api("hr", "GET", "/playbooks/a%00b")
    assert response.status_code == 404 and response.get_json() == {"message": "Not found"}


# --- NUL in form fields -------------------------------------------------------------------------


def test_nul_in_sign_in_fields_is_a_field_error(cast, client):
    response = client.post("/login", data={"email": "hr@example.nhs.uk\x00", "password": "x"})
    assert response.status_code in (200, 400)
    text = response.get_data(as_text=True)
    assert 'href="#email"' in text and "must not contain control characters such as NUL" in text


def test_nul_in_a_form_field_is_a_field_error_and_saves_nothing(cast, client, login):
    plan_id = cast["plan_a"].id
    before = {model: count(model) for model in (User, Plan, Stakeholder, Goal, CheckIn)}
    for who, url, data, field in [
        ("hr", "/hr/users/invite", {"name": "Nul\x00Name", "email": "nul@example.nhs.uk"}, "name"),
        ("hr", "/hr/plans/new", _plan_form(cast, leader="nul@example.nhs.uk", new_leader="y", leader_name="New\x00Leader",
                                           step="confirm"), "leader_name"),
        ("leader_a", f"/plans/{plan_id}/stakeholders/new", STAKEHOLDER | {"notes": "a\x00b"}, "notes"),
        ("leader_a", f"/plans/{plan_id}/goals/new", GOAL | {"title": "\x00"}, "title"),
        ("sponsor_a", f"/plans/{plan_id}/checkins/new", checkin_body(summary="Fine\x00", private_note=""), "summary"),
    ]:
        login(cast[who])
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert f'href="#{field}"' in text and "must not contain control characters such as NUL" in text, url
    assert {model: count(model) for model in before} == before


def test_a_bad_cohort_filter_is_a_field_error(cast, client, login):
    login(cast["hr"])
    for query in ["status=%20%20%20", "playbook=%20", "status=lost", "status=%00"]:
        response = client.get(f"/hr/cohort?{query}")
        assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True), query


def test_nul_in_a_token_form_is_a_field_error(cast, client, login):
    login(cast["hr"])
    response = client.post("/hr/tokens/", data={"email": "hr@example.nhs.uk\x00", "name": "Feed"})
    assert response.status_code == 400 and "must not contain control characters such as NUL" in response.get_data(as_text=True)


def test_nul_in_a_playbook_milestone_title_is_a_field_error(cast, client, login):
    login(cast["hr"])
    data = {"key": "new-one", "title": "A\x00B", "phase": "orientate", "category": "induction_governance",
            "owner": "leader", "week": "2", "required": "y"}
    draft = client.post("/hr/playbooks/compressed-13-weeks/draft").headers["Location"]
    response = client.post(f"{draft}/milestones/new", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#title"' in text and "Title must not contain control characters such as NUL" in text


# --- JSON bodies --------------------------------------------------------------------------------


def test_deeply_nested_json_is_400(api, cast):  # noqa: F811
    for body in ["[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000, '{"months": [[[[[[[[[[1]]]]]]]]]]}']:
        for who, path in (("hr", "/plans"), ("sponsor_a", f"/plans/{cast['plan_a'].id}/checkins")):
            response = api(who, "POST", path, data=body, content_type="application/json")
            assert response.status_code == 400, (path, body[:20])
            assert "nested more than 8 levels deep" in response.get_json()["message"]
    assert count(Plan) == 2 and count(CheckIn) == 0


def test_unknown_json_fields_are_422_naming_the_field(api, cast):  # noqa: F811
    plan = cast["plan_a"]
    response = api("sponsor_a", "POST", f"/plans/{plan.id}/checkins", json=checkin_body(mood="great"))
    assert response.status_code == 422 and response.get_json()["field"] == "mood"
    key = next(m.key for m in plan.milestones if m.owner == "leader")
    response = api("leader_a", "POST", f"/plans/{plan.id}/milestones/{key}/complete",
                   json={"evidence_note": "Done", "evidence_url": "https://example.nhs.uk"})
    assert response.status_code == 422 and response.get_json()["field"] == "evidence_url"
    long_name = "x" * 100_000
    response = api("hr", "POST", "/plans", json=new_plan_body(**{long_name: 1}))
    assert response.status_code == 422 and len(response.get_data()) < 1000
    assert count(CheckIn) == 0 and count(Plan) == 2


def test_unknown_query_parameters_are_422_naming_the_parameter(api, cast):  # noqa: F811
    response = api("hr", "GET", "/plans?page=1&statu=active")
    assert response.status_code == 422
    assert response.get_json()["field"] == "statu"
    assert api("hr", "GET", "/plans?page=1&status=active").status_code == 200


# --- body size ----------------------------------------------------------------------------------


def test_an_api_body_over_1_mb_is_413_in_json(api, cast):  # noqa: F811
    body = new_plan_body(leader="leader.b@example.nhs.uk", padding="x" * (1024 * 1024))
    response = api("hr", "POST", "/plans", json=body)
    assert response.status_code == 413
    assert response.get_json() == {"message": "The request is too large: this service accepts at most 1,024 KB at a time"}
    assert count(Plan) == 2


def test_a_form_over_1_mb_gets_the_nhs_error_page(cast, client, login):
    login(cast["leader_a"])
    response = client.post(f"/plans/{cast['plan_a'].id}/stakeholders/new", data=STAKEHOLDER | {"notes": "x" * (1024 * 1024)})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "What you sent is too large" in text and "at most 1,024 KB" in text and "nhsuk-header" in text
    assert count(Stakeholder) == 0


def test_a_playbook_upload_has_a_smaller_limit(cast, client, login):
    login(cast["hr"])
    response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(b"#" * (400 * 1024)), "big.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "at most 256 KB" in response.get_data(as_text=True)


def test_a_bad_request_gets_the_nhs_400_page(cast, client, login):
    login(cast["hr"])
    response = client.get("/hr/cohort.csv?status=lost")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Your request could not be read" in text and "nhsuk-header" in text
