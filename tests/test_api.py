"""The JSON API drives every endpoint with a token of each role and gets the outcomes
of the access table in docs/architecture.md (404 for what the user may not see or do)."""
from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, Plan
from onboarding.people import tokens

from .conftest import counting_statements, make_user

PEOPLE = ("leader_a", "sponsor_a", "mentor_a", "hr", "leader_b", "other_sponsor")
READERS_OF_A = {"leader_a", "sponsor_a", "mentor_a", "hr"}


@pytest.fixture
def api(cast, client):
    """api(who, method, path, **kwargs) calls the API with a token of that cast member."""
    raw_tokens = {}

    def call(who, method, path, **kwargs):
        if who not in raw_tokens:
            _, raw_tokens[who] = tokens.create(cast[who], f"test {who}")
            db.session.commit()
        headers = {"Authorization": f"Bearer {raw_tokens[who]}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def new_plan_body(**overrides):
    body = {"leader": "new.leader@example.nhs.uk", "sponsor": "sponsor.a@example.nhs.uk",
            "mentor": "mentor.a@example.nhs.uk", "playbook": "compressed-13-weeks", "start": "2026-10-05",
            "months": 4, "working_days": ["mon", "tue", "thu"]}
    return body | overrides


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token onb_x"])
def test_missing_or_wrong_token_is_401_with_a_challenge(cast, client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(f"/api/v1/plans/{cast['plan_a'].id}", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.is_json and response.get_json()["message"]


def test_revoked_token_stops_working(api, cast, client):
    token, raw = tokens.create(cast["hr"], "to revoke")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/plans", headers=headers).status_code == 200
    tokens.revoke(token)
    db.session.commit()
    response = client.get("/api/v1/plans", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_of_a_deactivated_user_stops_working(cast, client):
    _, raw = tokens.create(cast["leader_a"])
    cast["leader_a"].active = False
    db.session.commit()
    assert client.get("/api/v1/plans", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_signed_in_browser_session_is_not_accepted(cast, client, login):
    login(cast["hr"])
    assert client.get("/account/calendar").status_code == 200  # the session works on the pages
    assert client.get("/api/v1/plans").status_code == 401
    response = client.post("/api/v1/plans", json=new_plan_body())
    assert response.status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2


def test_token_use_is_recorded(api, cast):
    api("leader_a", "GET", "/plans")
    [token] = tokens.list_tokens(cast["leader_a"])
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_api_answers_unknown_paths_with_json_404(api):
    response = api("hr", "GET", "/nothing/here")
    assert response.status_code == 404 and response.get_json() == {"message": "Not found"}


# --- plans ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_get_plan_follows_the_access_table(api, cast, who):
    plan = cast["plan_a"]
    response = api(who, "GET", f"/plans/{plan.id}")
    if who in READERS_OF_A:
        assert response.status_code == 200
        assert response.get_json() == plans.as_json(plan)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who, expected", [
    ("leader_a", {"a"}), ("sponsor_a", {"a"}), ("mentor_a", {"a"}), ("hr", {"a", "b"}),
    ("leader_b", {"b"}), ("other_sponsor", {"b"}),
])
def test_plan_list_has_only_the_plans_the_user_may_read(api, cast, who, expected):
    data = api(who, "GET", "/plans").get_json()
    ids = {cast["plan_a"].id: "a", cast["plan_b"].id: "b"}
    assert {ids[p["id"]] for p in data["items"]} == expected
    assert data["total"] == len(expected)


def _statements_for(api, who, path) -> int:
    """How many SQL statements one API request runs (from an empty identity map)."""
    db.session.expire_all()
    with counting_statements() as statements:
        assert api(who, "GET", path).status_code == 200
    return len(statements)


def test_plan_list_queries_do_not_grow_with_the_page(api, cast):
    """5 plans and 50 plans on one page cost the same number of statements (each plan
    with its own leader and its own milestones, so nothing comes from the identity map)."""
    version = cast["plan_a"].playbook_version

    def add_plans(n, first):
        for i in range(first, first + n):
            leader = make_user(f"bulk.leader{i}@example.nhs.uk", f"Bulk Leader {i}")
            plans.create_plan(leader=leader, sponsor=cast["sponsor_a"], mentor=cast["mentor_a"], version=version,
                              start=date(2026, 1, 5), months=3)
        db.session.commit()

    api("hr", "GET", "/plans")  # the token's first use writes its last-used time; measure later calls
    add_plans(3, 0)
    five = _statements_for(api, "hr", "/plans?per_page=100")
    add_plans(45, 3)
    fifty = _statements_for(api, "hr", "/plans?per_page=100")
    assert len(api("hr", "GET", "/plans?per_page=100").get_json()["items"]) == 50
    assert five == fifty


def test_plan_list_pages_and_filters_by_status(api, cast):
    plans.close(cast["plan_b"], cast["hr"], "withdrawn")
    db.session.commit()
    first = api("hr", "GET", "/plans?per_page=1").get_json()
    second = api("hr", "GET", "/plans?per_page=1&page=2").get_json()
    assert (first["total"], first["pages"]) == (2, 2)
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [cast["plan_a"].id, cast["plan_b"].id]
    withdrawn = api("hr", "GET", "/plans?status=withdrawn").get_json()
    assert [p["id"] for p in withdrawn["items"]] == [cast["plan_b"].id]
    for query, field in (("per_page=1000", "per_page"), ("page=0", "page"), ("status=lost", "status")):
        response = api("hr", "GET", f"/plans?{query}")
        assert response.status_code == 422 and response.get_json()["field"] == field


def test_hr_creates_a_plan_identical_to_the_cli(api, cast, runner):
    from tests.conftest import make_user

    make_user("new.leader@example.nhs.uk", "New Leader")
    response = api("hr", "POST", "/plans", json=new_plan_body())
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/plans/{created['id']}")
    assert api("hr", "GET", f"/plans/{created['id']}").get_json() == created

    result = runner.invoke(args=["plans", "create", "--leader", "new.leader@example.nhs.uk",
                                 "--sponsor", "sponsor.a@example.nhs.uk", "--mentor", "mentor.a@example.nhs.uk",
                                 "--playbook", "compressed-13-weeks", "--start", "2026-10-05", "--months", "4",
                                 "--working-days", "mon,tue,thu"])
    assert result.exit_code == 0, result.output
    cli_id = int(result.output.strip().splitlines()[-1])
    shown = json.loads(runner.invoke(args=["plans", "show", str(cli_id), "--json"]).output)
    assert {k: v for k, v in created.items() if k != "id"} == {k: v for k, v in shown.items() if k != "id"}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "plan.create",
                                                         AuditEvent.object_id == created["id"])).actor_id == cast["hr"].id


def test_working_days_may_be_a_comma_separated_string(api, cast):
    body = new_plan_body(leader="leader.b@example.nhs.uk", sponsor="sponsor.b@example.nhs.uk", mentor=None,
                         working_days="mon,wed")
    response = api("hr", "POST", "/plans", json=body)
    assert response.status_code == 201
    assert response.get_json()["working_days"] == ["mon", "wed"]
    assert response.get_json()["on_site_days"] == [], "no on-site days given: on site every working day"


def test_a_hybrid_leaders_on_site_days_come_back_in_the_plan(api, cast):
    body = new_plan_body(leader="leader.b@example.nhs.uk", sponsor="sponsor.b@example.nhs.uk", mentor=None,
                         working_days=["mon", "tue", "wed", "thu"], on_site_days=["tue", "thu"])
    created = api("hr", "POST", "/plans", json=body)
    assert created.status_code == 201
    assert created.get_json()["on_site_days"] == ["tue", "thu"]
    path = created.headers["Location"].removeprefix("/api/v1")
    assert api("hr", "GET", path).get_json()["on_site_days"] == ["tue", "thu"]


@pytest.mark.parametrize("who", ["leader_a", "sponsor_a", "mentor_a", "leader_b"])
def test_only_hr_creates_plans(api, cast, who):
    response = api(who, "POST", "/plans", json=new_plan_body(leader="leader.b@example.nhs.uk"))
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2


@pytest.mark.parametrize("change, field", [
    ({"leader": "nobody@example.nhs.uk"}, "leader"),
    ({"sponsor": "leader.a@example.nhs.uk", "leader": "leader.a@example.nhs.uk"}, "sponsor"),
    ({"mentor": "sponsor.a@example.nhs.uk", "leader": "leader.b@example.nhs.uk"}, "mentor"),
    ({"playbook": "no-such-playbook", "leader": "leader.b@example.nhs.uk"}, "playbook"),
    ({"months": 7, "leader": "leader.b@example.nhs.uk"}, "months"),
    ({"months": "four", "leader": "leader.b@example.nhs.uk"}, "months"),
    ({"start": "5 October 2026", "leader": "leader.b@example.nhs.uk"}, "start"),
    ({"working_days": ["sat"], "leader": "leader.b@example.nhs.uk"}, "working_days"),
    ({"colour": "blue", "leader": "leader.b@example.nhs.uk"}, "colour"),
])
def test_invalid_plan_input_is_422_naming_the_field(api, cast, change, field):
    response = api("hr", "POST", "/plans", json=new_plan_body(**change))
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert response.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2


def test_missing_field_and_malformed_bodies(api, cast):
    body = new_plan_body(leader="leader.b@example.nhs.uk")
    del body["start"]
    response = api("hr", "POST", "/plans", json=body)
    assert (response.status_code, response.get_json()["field"]) == (422, "start")
    assert api("hr", "POST", "/plans", data="{not json", content_type="application/json").status_code == 400
    assert api("hr", "POST", "/plans").status_code == 400
    assert api("hr", "POST", "/plans", data="leader=x", content_type="application/x-www-form-urlencoded").status_code == 415
    assert api("hr", "POST", "/plans", json=["a list"]).status_code == 422


# --- milestones -----------------------------------------------------------------------------


def _milestone(plan, owner):
    return next(m for m in plan.milestones if m.owner == owner)


def _may_change(who, owner):
    role = {"leader_a": "leader", "sponsor_a": "sponsor", "mentor_a": "mentor"}.get(who)
    return who == "hr" or (role == owner and owner != "hr")


@pytest.mark.parametrize("owner", ["leader", "sponsor", "mentor", "hr"])
@pytest.mark.parametrize("who", PEOPLE)
def test_complete_and_reopen_follow_the_owner_rules(api, cast, who, owner):
    plan = cast["plan_a"]
    m = _milestone(plan, owner)
    response = api(who, "POST", f"/plans/{plan.id}/milestones/{m.key}/complete",
                   json={"evidence_note": "Met the board", "evidence_link": "https://example.nhs.uk/notes"})
    db.session.refresh(m)
    if not _may_change(who, owner):
        assert response.status_code == 404
        assert m.status == "todo"
        plans.complete_milestone(m, cast["hr"])
        db.session.commit()
        assert api(who, "POST", f"/plans/{plan.id}/milestones/{m.key}/reopen").status_code == 404
        return
    assert response.status_code == 200
    data = response.get_json()
    assert (data["status"], data["evidence_note"], data["completed_by"]) == ("done", "Met the board", cast[who].email)
    assert m.status == "done" and m.evidence_link == "https://example.nhs.uk/notes"
    assert api(who, "POST", f"/plans/{plan.id}/milestones/{m.key}/complete").status_code == 409
    response = api(who, "POST", f"/plans/{plan.id}/milestones/{m.key}/reopen")
    assert response.status_code == 200 and response.get_json()["status"] == "todo"
    assert api(who, "POST", f"/plans/{plan.id}/milestones/{m.key}/reopen").status_code == 409
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == m.id,
                                                                    AuditEvent.object_type == "milestone")).all()
    assert actions == ["milestone.complete", "milestone.reopen"]


def test_complete_needs_no_body_but_checks_the_link(api, cast):
    plan = cast["plan_a"]
    m = _milestone(plan, "leader")
    bad = api("leader_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete", json={"evidence_link": "javascript:alert(1)"})
    assert (bad.status_code, bad.get_json()["field"]) == (422, "evidence_link")
    assert api("leader_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete").status_code == 200
    assert api("leader_a", "POST", f"/plans/{plan.id}/milestones/no-such-key/complete").status_code == 404


def test_milestones_of_a_closed_plan_cannot_change(api, cast):
    plan = cast["plan_a"]
    plans.close(plan, cast["hr"], "completed")
    db.session.commit()
    m = _milestone(plan, "leader")
    response = api("leader_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete")
    assert response.status_code == 409
    assert api("leader_a", "GET", f"/plans/{plan.id}").status_code == 200


def test_a_milestone_someone_else_owns_stays_hidden_when_the_plan_closes(api, cast):
    """Not theirs to change is 404 whatever the plan's state; closed is 409 only for its owner."""
    plan = cast["plan_a"]
    plans.close(plan, cast["hr"], "withdrawn")
    db.session.commit()
    m = _milestone(plan, "sponsor")
    assert api("leader_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete").status_code == 404
    response = api("sponsor_a", "POST", f"/plans/{plan.id}/milestones/{m.key}/complete")
    assert (response.status_code, response.get_json()) == (
        409, {"message": "This plan is withdrawn, so its milestones can no longer change"})


# --- check-ins ------------------------------------------------------------------------------


def checkin_body(**overrides):
    return {"held_on": plans.today().isoformat(), "rag": "amber", "summary": "Good start; board paper late",
            "private_note": "Worried about workload", "actions": "Book the CCIO"} | overrides


@pytest.mark.parametrize("who", PEOPLE)
def test_only_the_plans_sponsor_logs_check_ins(api, cast, who):
    plan = cast["plan_a"]
    response = api(who, "POST", f"/plans/{plan.id}/checkins", json=checkin_body())
    if who == "sponsor_a":
        assert response.status_code == 201
        assert response.get_json()["private_note"] == "Worried about workload"
    else:
        assert response.status_code == 404
        assert plan.checkins == []


@pytest.mark.parametrize("who", PEOPLE)
def test_check_in_list_shows_private_notes_to_the_sponsor_and_hr_only(api, cast, who):
    plan = cast["plan_a"]
    assert api("sponsor_a", "POST", f"/plans/{plan.id}/checkins", json=checkin_body()).status_code == 201
    response = api(who, "GET", f"/plans/{plan.id}/checkins")
    if who not in READERS_OF_A:
        assert response.status_code == 404
        return
    [item] = response.get_json()["items"]
    assert item["summary"] == "Good start; board paper late"
    if who in ("sponsor_a", "hr"):
        assert item["private_note"] == "Worried about workload"
    else:
        assert "private_note" not in item
        assert "Worried" not in response.get_data(as_text=True)


@pytest.mark.parametrize("change, field", [
    ({"rag": "purple"}, "rag"), ({"summary": ""}, "summary"), ({"held_on": "2999-01-01"}, "held_on"),
    ({"next_checkin_on": "2000-01-01"}, "next_checkin_on"), ({"held_on": "yesterday"}, "held_on"),
])
def test_invalid_check_in_is_422(api, cast, change, field):
    response = api("sponsor_a", "POST", f"/plans/{cast['plan_a'].id}/checkins", json=checkin_body(**change))
    assert (response.status_code, response.get_json()["field"]) == (422, field)


def test_no_check_in_on_a_closed_plan(api, cast):
    plans.close(cast["plan_a"], cast["hr"], "withdrawn")
    db.session.commit()
    assert api("sponsor_a", "POST", f"/plans/{cast['plan_a'].id}/checkins", json=checkin_body()).status_code == 409


# --- playbooks ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_playbooks_are_for_hr(api, who):
    paths = ("/playbooks", "/playbooks/compressed-13-weeks", "/playbooks/compressed-13-weeks/export")
    statuses = [api(who, "GET", path).status_code for path in paths]
    assert statuses == ([200, 200, 200] if who == "hr" else [404, 404, 404])


def test_playbook_get_and_export(api, runner):
    listed = api("hr", "GET", "/playbooks").get_json()["items"]
    assert "compressed-13-weeks" in [p["slug"] for p in listed]
    playbook = api("hr", "GET", "/playbooks/compressed-13-weeks").get_json()
    assert playbook["version"] == 1 and playbook["milestones"][0]["key"]
    export = api("hr", "GET", "/playbooks/compressed-13-weeks/export")
    assert export.mimetype == "text/yaml"
    assert export.get_data(as_text=True) == runner.invoke(args=["playbooks", "export", "compressed-13-weeks"]).output
    assert api("hr", "GET", "/playbooks/nothing").status_code == 404


# --- description ----------------------------------------------------------------------------


def test_openapi_and_docs_pages(cast, client, login):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert client.get("/api/v1/docs").status_code == 302  # a page of the service: sign in first
    login(cast["leader_a"])
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "POST /api/v1/plans/{plan_id}/milestones/{key}/complete" in page
    assert page.count("<h1") == 1


def test_api_needs_no_csrf_token_while_pages_do(api, app, cast, client, login):
    app.config["WTF_CSRF_ENABLED"] = True
    from tests.conftest import PASSWORD, make_user

    make_user("new.leader@example.nhs.uk", "New Leader")
    assert api("hr", "POST", "/plans", json=new_plan_body()).status_code == 201
    # The right password, so only the missing CSRF token can be why the page refuses.
    login_page = client.post("/login", data={"email": cast["hr"].email, "password": PASSWORD})
    assert login_page.status_code == 400  # the pages still insist on a CSRF token
    assert "Your form expired or was not sent from this site" in login_page.get_data(as_text=True)
    assert client.get("/hr/cohort").status_code == 302, "not signed in"


# --- one definition for the document and the validation --------------------------------------


BODIES = [  # (who calls, the path as the document writes it, the body's model, a valid body)
    ("hr", "/plans", "NewPlan", new_plan_body(leader="leader.b@example.nhs.uk")),
    ("sponsor_a", "/plans/{plan_id}/checkins", "NewCheckIn", checkin_body()),
    ("leader_a", "/plans/{plan_id}/milestones/{key}/complete", "Evidence", {"evidence_note": "Done"}),
]


@pytest.mark.parametrize("who, path, model, body", BODIES)
def test_every_field_the_document_lists_is_the_models_and_is_checked(api, cast, client, who, path, model, body):
    """The document's request schema is the model's (same fields, same required ones), and
    each field it lists is validated: a JSON object where a string, number, date or list
    belongs is 422 naming that field; a field it does not list is 422 too."""
    from onboarding.web import api_models

    document = client.get("/api/v1/openapi.json").get_json()
    ref = document["paths"]["/api/v1" + path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == f"#/components/schemas/{model}"
    schema = document["components"]["schemas"][model]
    fields = getattr(api_models, model).model_fields
    assert set(schema["properties"]) == set(fields)
    assert set(schema.get("required", [])) == {name for name, f in fields.items() if f.is_required()}

    plan = cast["plan_a"]
    url = path.format(plan_id=plan.id, key=_milestone(plan, "leader").key)
    for name in schema["properties"]:
        response = api(who, "POST", url, json=body | {name: {"not": "this"}})
        assert (response.status_code, response.get_json()["field"]) == (422, name)
    response = api(who, "POST", url, json=body | {"colour": "blue"})
    assert response.get_json() == {"field": "colour",
                                   "message": f"unknown field 'colour'; expected {', '.join(fields)}"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2
    assert plan.checkins == [] and _milestone(plan, "leader").status == "todo"


@pytest.mark.parametrize("who, path, body, field, message", [
    ("hr", "/plans", new_plan_body(months="four"), "months", "months must be a whole number"),
    ("hr", "/plans", new_plan_body(months=True), "months", "months must be a whole number"),
    ("hr", "/plans", new_plan_body(sponsor=None), "sponsor", "The sponsor's email is required"),
    ("hr", "/plans", new_plan_body(start="5 October 2026"), "start",
     "start '5 October 2026' is not a date in the form YYYY-MM-DD"),
    ("hr", "/plans", new_plan_body(playbook="a\x00b"), "playbook",
     "Playbook must not contain control characters such as NUL, or lone surrogates"),
    ("hr", "/plans", new_plan_body(working_days=[1]), "working_days",
     "working_days must be a list or a comma-separated string of day names such as mon"),
    ("hr", "/plans", ["a list"], None, "the request body must be a JSON object"),
    ("hr", "/plans", new_plan_body(colour="blue"), "colour",
     "unknown field 'colour'; expected esr_number, external_id, leader, sponsor, mentor, playbook, start, months, working_days, "
     "on_site_days"),
    ("sponsor_a", "/plans/{plan_id}/checkins", checkin_body(summary="x" * 5001), "summary",
     "Summary must be 5000 characters or fewer"),
    ("leader_a", "/plans/{plan_id}/milestones/{key}/complete", {"evidence_link": "javascript:alert(1)"}, "evidence_link",
     "Evidence link must be a web address starting with http:// or https://"),
])
def test_shape_errors_are_worded_for_people(api, cast, who, path, body, field, message):
    plan = cast["plan_a"]
    response = api(who, "POST", path.format(plan_id=plan.id, key=_milestone(plan, "leader").key), json=body)
    assert response.status_code == 422
    assert response.get_json() == ({"message": message} | ({"field": field} if field else {}))


@pytest.mark.parametrize("query, field, message", [
    ("per_page=1000", "per_page", "per_page must be a whole number from 1 to 100"),
    ("page=%2B2", "page", "page must be a whole number from 1 to 100000"),
    ("status=lost", "status", "status must be one of active, paused, completed or withdrawn"),
    ("colour=blue", "colour", "unknown query parameter 'colour'; expected page, per_page, status, esr, external_id"),
])
def test_query_errors_are_worded_for_people(api, query, field, message):
    response = api("hr", "GET", f"/plans?{query}")
    assert (response.status_code, response.get_json()) == (422, {"message": message, "field": field})
