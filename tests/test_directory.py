"""HR's who's who: HR keeps it (list, add, change, remove, reorder, the suggested roles); a new
plan's stakeholder map starts with a copy of it, unscored, whichever way the plan is started
(page, API, CLI); changing it later leaves existing maps alone; the interview page suggests the
clinical people nobody has interviewed yet."""
import html
import re

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, DirectoryEntry, Plan, Stakeholder
from onboarding.people import tokens
from onboarding.plans import directory, plan_start, records

GOOD = {"leader": "leader.b@example.nhs.uk", "sponsor": "sponsor.a@example.nhs.uk", "mentor": "mentor.a@example.nhs.uk",
        "playbook": "compressed-13-weeks", "start": "2026-10-05", "months": 3, "working_days": ["mon", "wed", "thu"]}


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _text(response) -> str:
    """The page as a reader hears it: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _page(response)))


def _entries():
    db.session.expire_all()
    return [(e.role, e.name, e.email, e.organisation, e.clinical) for e in directory.entries()]


@pytest.fixture
def whos_who(cast):
    """Three entries, in this order: the Chair (named), the Medical Director (clinical, named)
    and the Chief Nurse (clinical, no name yet)."""
    hr = cast["hr"]
    made = [directory.add(values, hr) for values in (
        {"role": "Chair", "name": "Margaret Lowe"},
        {"role": "Medical Director", "name": "Dr Anita Rao", "email": "Anita.Rao@example.nhs.uk", "clinical": True},
        {"role": "Chief Nurse", "clinical": True},
    )]
    db.session.commit()
    return made


# --- HR keeps the who's who ------------------------------------------------------------------


def test_hr_adds_changes_reorders_and_removes_entries_on_the_page(cast, client, login):
    login(cast["hr"])
    page = _page(client.get("/hr/directory"))
    assert "Nobody is in the who's who yet" in page and "Who's who" in page

    response = client.post("/hr/directory/new", data={"role": "Caldicott Guardian", "name": "Dr Peter Lang",
                                                      "email": "", "organisation": "", "clinical": "y"})
    assert response.status_code == 302
    client.post("/hr/directory/new", data={"role": "Digital lead", "organisation": "Integrated care board"})
    assert _entries() == [("Caldicott Guardian", "Dr Peter Lang", None, "", True),
                          ("Digital lead", "", None, "Integrated care board", False)]
    caldicott, digital = directory.entries()

    client.post(f"/hr/directory/{digital.id}/edit", data={"role": "ICB digital lead", "name": "Tom Hale",
                                                          "email": "Tom.Hale@Example.nhs.uk", "organisation": "Integrated care board"})
    client.post(f"/hr/directory/{digital.id}/up")
    assert _entries() == [("ICB digital lead", "Tom Hale", "tom.hale@example.nhs.uk", "Integrated care board", False),
                          ("Caldicott Guardian", "Dr Peter Lang", None, "", True)]
    table = _text(client.get("/hr/directory")).split("Suggested roles")[0].split("Actions", 1)[1]
    assert table.index("ICB digital lead") < table.index("Caldicott Guardian")
    assert "Move up ICB digital lead" not in table and "Move down ICB digital lead" in table
    assert "Move up Caldicott Guardian" in table and "Move down Caldicott Guardian" not in table

    assert "You are about to remove Caldicott Guardian (Dr Peter Lang) from" in _text(client.get(f"/hr/directory/{caldicott.id}/remove"))
    assert client.post(f"/hr/directory/{caldicott.id}/remove").status_code == 302
    assert [role for role, *_ in _entries()] == ["ICB digital lead"]
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("directory.%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["directory.create", "directory.create", "directory.update", "directory.move", "directory.delete"]


@pytest.mark.parametrize("values, message", [
    ({"role": "  "}, "Enter the role"),
    ({"role": "x" * 121}, "Role must be 120 characters or fewer"),
    ({"role": "Chair", "email": "not an email"}, "Enter an email address like name@nhs.net"),
    ({"role": "Chair", "name": "n" * 121}, "Name must be 120 characters or fewer"),
])
def test_bad_entries_are_refused_next_to_the_field_and_nothing_is_written(cast, client, login, values, message):
    login(cast["hr"])
    response = client.post("/hr/directory/new", data=values)
    assert response.status_code == 400
    assert message in _page(response)
    assert _entries() == []


@pytest.mark.parametrize("values, field", [({"role": ""}, "role"), ({"role": "Chair", "email": "x@y"}, "email"),
                                           ({"role": "Chair", "organisation": "o" * 121}, "organisation")])
def test_the_domain_refuses_the_same_input(cast, values, field):
    with pytest.raises(directory.DirectoryError) as refused:
        directory.add(values, cast["hr"])
    assert refused.value.field == field


def test_suggested_roles_are_added_once_without_names(cast, client, login):
    login(cast["hr"])
    directory.add({"role": "Chair", "name": "Margaret Lowe"}, cast["hr"])
    db.session.commit()
    response = client.post("/hr/directory/suggested")
    assert response.status_code == 302
    assert "15 suggested roles are added" in _page(client.get("/hr/directory"))
    found = _entries()
    assert len(found) == 16 and found[0] == ("Chair", "Margaret Lowe", None, "", False)
    assert [role for role, *_ in found[1:4]] == ["Chief Executive", "Medical Director", "Chief Nurse"]
    assert found[-1] == ("ICB digital lead", "", None, "Integrated care board", False)
    assert {role for role, _, _, _, clinical in found if clinical} == {
        "Medical Director", "Chief Nurse", "Chief Clinical Information Officer (CCIO)",
        "Chief Nursing Information Officer (CNIO)", "Clinical Safety Officer"}
    client.post("/hr/directory/suggested")
    assert len(_entries()) == 16, "nothing added twice"


def test_the_who_s_who_is_in_hr_s_navigation_only(cast, client, login):
    login(cast["hr"])
    assert 'href="/hr/directory"' in _page(client.get("/hr/attention"))
    login(cast["leader_a"])
    assert 'href="/hr/directory"' not in _page(client.get("/my-plan"))
    assert client.get("/hr/directory").status_code == 404


# --- a new plan's map starts with it -----------------------------------------------------------


def _via_page(client, login, cast):
    login(cast["hr"])
    form = {k: v for k, v in GOOD.items() if k != "start"} | {
        "start-day": "5", "start-month": "10", "start-year": "2026", "months": "3",
        "step": "confirm", "warned": "leader,mentor,start,months"}
    response = client.post("/hr/plans/new", data=form)
    assert response.status_code == 302, _page(response)[:2000]


def _via_api(client, login, cast):
    _, raw = tokens.create(cast["hr"], "test")
    db.session.commit()
    response = client.post("/api/v1/plans", json=GOOD, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201, response.get_json()


def _via_cli(client, login, cast, runner):
    result = runner.invoke(args=["plans", "create", "--leader", GOOD["leader"], "--sponsor", GOOD["sponsor"],
                                 "--mentor", GOOD["mentor"], "--playbook", GOOD["playbook"], "--start", GOOD["start"],
                                 "--months", "3", "--working-days", "mon,wed,thu"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("channel", ["page", "api", "cli"])
def test_a_new_plan_starts_with_the_who_s_who_unscored(cast, whos_who, client, login, runner, channel):
    if channel == "cli":
        _via_cli(client, login, cast, runner)
    else:
        {"page": _via_page, "api": _via_api}[channel](client, login, cast)
    db.session.expire_all()
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.id.desc())).first()
    assert plan.id not in (cast["plan_a"].id, cast["plan_b"].id)
    copied = sorted(plan.stakeholders, key=lambda s: s.id)
    assert [(s.name, s.role, s.organisation, s.power, s.interest, s.quadrant, s.directory_entry_id) for s in copied] == [
        ("Margaret Lowe", "Chair", "", None, None, "not_scored", whos_who[0].id),
        ("Dr Anita Rao", "Medical Director", "", None, None, "not_scored", whos_who[1].id),
        ("", "Chief Nurse", "", None, None, "not_scored", whos_who[2].id),
    ]
    # The map lists them outside the grid, "Not scored yet", for the leader to score.
    login(cast["leader_b"])
    page = _page(client.get(f"/plans/{plan.id}/stakeholders"))
    unscored = page[page.index('id="not-scored"'):page.index("Stakeholders met in each quadrant")]
    assert "3 people from your organisation's who's who" in unscored
    for who in ("Margaret Lowe, Chair", "Dr Anita Rao, Medical Director", "Chief Nurse (name not known yet)"):
        assert who in unscored
    grid = page[page.index("Power and interest grid"):page.index('id="not-scored"')]
    assert grid.count("<strong>0</strong> stakeholders") == 4
    assert page.count("Not scored yet") >= 1 + 3 * 3  # the list's heading; power, interest and quadrant of each


def test_an_empty_who_s_who_gives_an_empty_map(cast):
    checked = plan_start.check(leader=GOOD["leader"], sponsor=GOOD["sponsor"], mentor=None, playbook=GOOD["playbook"],
                               start=cast["plan_a"].start_date, months=3)
    plan = plan_start.start(checked, actor=cast["hr"])
    db.session.commit()
    assert plan.stakeholders == []


def test_the_leader_must_score_a_copied_person_to_save_them(cast, whos_who, client, login):
    directory.copy_to_map(cast["plan_a"])
    db.session.commit()
    nurse = next(s for s in cast["plan_a"].stakeholders if s.role == "Chief Nurse")
    login(cast["leader_a"])
    page = _page(client.get(f"/plans/{cast['plan_a'].id}/stakeholders/{nurse.id}/edit"))
    assert "Chief Nurse is on your map from your organisation's who's who" in page
    url = f"/plans/{cast['plan_a'].id}/stakeholders/{nurse.id}/edit"
    refused = client.post(url, data={"name": "Joanne Pritchard", "role": "Chief Nurse", "stance": "supporter"})
    assert refused.status_code == 400
    assert "Select a power score from 1 to 5" in _page(refused) and "Select an interest score from 1 to 5" in _page(refused)
    assert client.post(url, data={"name": "Joanne Pritchard", "role": "Chief Nurse", "power": "4", "interest": "5",
                                  "stance": "supporter"}).status_code == 302
    db.session.expire_all()
    assert (nurse.name, nurse.power, nurse.interest, nurse.quadrant) == ("Joanne Pritchard", 4, 5, "manage_closely")


# --- editing the who's who leaves existing maps alone -----------------------------------------


def test_changing_the_who_s_who_never_changes_an_existing_map(cast, whos_who, client, login):
    # Ids read now: once the entry is removed, its expired instance can no longer load them.
    chair, medical, nurse = (entry.id for entry in whos_who)
    directory.copy_to_map(cast["plan_a"])
    db.session.commit()
    before = sorted((s.id, s.name, s.role, s.organisation, s.power, s.interest) for s in cast["plan_a"].stakeholders)

    login(cast["hr"])
    client.post(f"/hr/directory/{chair}/edit", data={"role": "Chair of the board", "name": "Someone Else"})
    client.post(f"/hr/directory/{medical}/remove")
    client.post("/hr/directory/new", data={"role": "SIRO", "name": "Graham Pike"})
    client.post(f"/hr/directory/{nurse}/up")
    assert [role for role, *_ in _entries()] == ["Chief Nurse", "Chair of the board", "SIRO"]

    db.session.expire_all()
    stakeholders = db.session.scalars(sa.select(Stakeholder).where(Stakeholder.plan_id == cast["plan_a"].id)).all()
    assert sorted((s.id, s.name, s.role, s.organisation, s.power, s.interest) for s in stakeholders) == before
    # The removed entry's copy stays on the map; only its link back to the who's who goes.
    assert {s.role: s.directory_entry_id for s in stakeholders} == {
        "Chair": chair, "Medical Director": None, "Chief Nurse": nurse}
    assert db.session.get(DirectoryEntry, medical) is None


# --- interview suggestions --------------------------------------------------------------------


def test_the_interview_page_suggests_clinical_people_not_interviewed_yet(cast, whos_who, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    page = _page(client.get(f"/plans/{plan.id}/interviews"))
    assert "Suggested: Medical Director — Dr Anita Rao" in page
    assert "Suggested: Chief Nurse (" in page
    assert "Suggested: Chair" not in page, "not clinical"
    # Each suggestion opens the interview form with their name and role filled in.
    medical = whos_who[1]
    assert f'href="/plans/{plan.id}/interviews/new?entry={medical.id}"' in page
    form = _page(client.get(f"/plans/{plan.id}/interviews/new?entry={medical.id}"))
    assert 'value="Dr Anita Rao"' in form and 'value="Medical Director"' in form
    for other in (whos_who[0].id, 99999, "x"):  # not clinical, no such entry, not an id: an empty form
        assert 'value="Margaret Lowe"' not in _page(client.get(f"/plans/{plan.id}/interviews/new?entry={other}"))

    # An interview with someone of that name (however typed) answers the Medical Director;
    # with no name in the who's who, one with the role answers the Chief Nurse.
    records.create("interview", plan, cast["leader_a"], {"name": "dr anita  RAO", "interviewed_on": "2026-09-14"})
    db.session.commit()
    assert [e.role for e in directory.interview_suggestions(plan)] == ["Chief Nurse"]
    records.create("interview", plan, cast["leader_a"], {"name": "Joanne Pritchard", "role": "Chief nurse",
                                                         "interviewed_on": "2026-09-15"})
    db.session.commit()
    db.session.expire_all()
    assert directory.interview_suggestions(db.session.get(Plan, plan.id)) == []
    assert "Suggested from your organisation's who's who" not in _page(client.get(f"/plans/{plan.id}/interviews"))


def test_the_leader_may_remove_someone_copied_without_a_name(cast, whos_who, client, login):
    directory.copy_to_map(cast["plan_a"])
    db.session.commit()
    nurse = next(s for s in cast["plan_a"].stakeholders if s.role == "Chief Nurse")
    url = f"/plans/{cast['plan_a'].id}/stakeholders/{nurse.id}/remove"
    login(cast["leader_a"])
    assert "You are about to remove Chief Nurse . This cannot be undone." in _text(client.get(url))
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert sorted(s.role for s in db.session.get(Plan, cast["plan_a"].id).stakeholders) == ["Chair", "Medical Director"]
    assert [e.role for e in directory.entries()] == ["Chair", "Medical Director", "Chief Nurse"], "the who's who keeps them"
