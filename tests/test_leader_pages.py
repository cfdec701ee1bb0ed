"""The leader's pages and the shared plan pages, as the right and the wrong people."""
from datetime import date

import pytest
import sqlalchemy as sa
from markupsafe import escape

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn, ClinicianInterview, Goal, Milestone, Stakeholder

from .conftest import queries_in_request
from .date_input import boxes, fill_date

READERS = ["leader_a", "sponsor_a", "mentor_a", "hr"]
OUTSIDERS = ["leader_b", "other_sponsor"]
NOT_LEADER = ["sponsor_a", "mentor_a", "hr"]


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def milestone(plan, owner: str) -> Milestone:
    return next(m for m in plan.milestones if m.owner == owner)


def add_checkin(plan, sponsor):
    db.session.add(CheckIn(plan=plan, sponsor=sponsor, held_on=date(2026, 9, 18), rag="amber",
                           summary="Settling in; interviews behind.", private_note="Watch workload closely.",
                           actions="Book the remaining interviews.", next_checkin_on=date(2026, 10, 2)))
    db.session.commit()


STAKEHOLDER = {"name": "Dr Ruth Adeyemi", "role": "CCIO", "organisation": "The trust", "power": "5",
               "interest": "4", "stance": "champion", **boxes("last_met", date(2026, 9, 10)), "notes": "Ally on EPR."}


# --- My plan and the plan page ---------------------------------------------------------------


def test_my_plan_shows_the_plan(cast, client, login):
    plan = cast["plan_a"]
    add_checkin(plan, cast["sponsor_a"])
    login(cast["leader_a"])
    response = client.get("/my-plan")
    page = text(response)
    assert response.status_code == 200
    for expected in ("My plan", "7 September 2026", "Sponsor A", "Mentor A", "%</strong>",
                     "nhsuk-task-list", escape(plan.milestones[0].title), "Settling in; interviews behind.",
                     "Book the remaining interviews.", "2 October 2026"):
        assert expected in page, expected
    assert f"/plans/{plan.id}/milestones/{plan.milestones[0].id}" in page
    assert "Watch workload closely." not in page
    # Every phase of the playbook is a heading over its milestones.
    for title in {m.phase_title for m in plan.milestones}:
        assert f"<h3>{escape(title)}</h3>" in page


@pytest.mark.parametrize("cadence, wording", [(14, "every 14 days"), (1, "every day")])
def test_the_welcome_says_how_often_check_ins_are(cast, client, login, cadence, wording):
    cast["plan_a"].checkin_cadence_days = cadence  # a playbook may set anything from 1 to 90 days
    db.session.commit()
    login(cast["leader_a"])
    assert f"You meet for a check-in about {wording}.</li>" in text(client.get("/my-plan"))


def test_my_plan_week_and_percentage(cast, client, login, monkeypatch):
    plan = cast["plan_a"]
    monkeypatch.setattr(plans, "today", lambda: date(2026, 9, 21))  # the start of week 3
    first = plan.milestones[1]
    plans.complete_milestone(first, cast["leader_a"], note="done")
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Week 3 of 26" in page  # 7 Sep 2026 to 7 Mar 2027: 181 days, 26 weeks
    assert "<strong>3%</strong>" in page  # 1 of 34 milestones


def test_no_plan_is_a_friendly_page(cast, client, login):
    login(cast["sponsor_a"])
    response = client.get("/my-plan")
    assert response.status_code == 200
    assert "You do not have an onboarding plan yet" in text(response)


def test_several_plans_show_the_active_one_and_list_the_others(cast, client, login):
    from onboarding import playbooks

    old = plans.create_plan(leader=cast["leader_a"], sponsor=cast["other_sponsor"],
                            version=playbooks.get_playbook("compressed-13-weeks").latest,
                            start=date(2025, 9, 1), months=3, actor=cast["hr"])
    plans.close(old, cast["hr"], "completed")
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Your other plans" in page
    assert f'href="/plans/{old.id}"' in page
    assert "Sponsor A" in page  # the active plan is the one shown


def test_anonymous_is_sent_to_sign_in(cast, client):
    plan = cast["plan_a"]
    for url in ("/my-plan", f"/plans/{plan.id}", f"/plans/{plan.id}/stakeholders", "/mentoring"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", READERS)
def test_readers_see_every_plan_section(cast, client, login, who):
    plan = cast["plan_a"]
    login(cast[who])
    m = plan.milestones[0]
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/milestones/{m.id}", f"/plans/{plan.id}/stakeholders",
                f"/plans/{plan.id}/interviews", f"/plans/{plan.id}/goals"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'aria-label="Plan sections"' in text(response)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_other_plans_are_not_found(cast, client, login, who):
    plan = cast["plan_a"]
    login(cast[who])
    m = plan.milestones[0]
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/milestones/{m.id}", f"/plans/{plan.id}/stakeholders",
                f"/plans/{plan.id}/interviews", f"/plans/{plan.id}/goals", f"/plans/{plan.id}/goals/new",
                "/plans/999999"):
        assert client.get(url).status_code == 404, url
    for url in (f"/plans/{plan.id}/milestones/{m.id}/complete", f"/plans/{plan.id}/stakeholders/new"):
        assert client.post(url, data={"evidence_note": "x", **STAKEHOLDER}).status_code == 404, url
    assert count(Stakeholder) == 0 and plan.milestones[0].status == "todo"


@pytest.mark.parametrize("who, sees_private", [("leader_a", False), ("mentor_a", False), ("sponsor_a", True), ("hr", True)])
def test_private_notes_only_for_sponsor_and_hr(cast, client, login, who, sees_private):
    plan = cast["plan_a"]
    add_checkin(plan, cast["sponsor_a"])
    login(cast[who])
    page = text(client.get(f"/plans/{plan.id}"))
    assert "Settling in; interviews behind." in page
    assert ("Watch workload closely." in page) is sees_private


# --- milestones ------------------------------------------------------------------------------


def test_leader_completes_and_reopens_a_milestone(cast, client, login):
    plan = cast["plan_a"]
    m = milestone(plan, "leader")
    login(cast["leader_a"])
    page = text(client.get(f"/plans/{plan.id}/milestones/{m.id}"))
    assert "Mark as done" in page and escape(m.title) in page
    if m.evidence_prompt:
        assert escape(m.evidence_prompt) in page
    response = client.post(f"/plans/{plan.id}/milestones/{m.id}/complete",
                           data={"evidence_note": "Met the CCIO.", "evidence_link": "https://example.nhs.uk/notes"})
    assert response.status_code == 302
    db.session.refresh(m)
    assert (m.status, m.evidence_note, m.evidence_link) == ("done", "Met the CCIO.", "https://example.nhs.uk/notes")
    page = text(client.get(f"/plans/{plan.id}/milestones/{m.id}"))
    assert 'href="https://example.nhs.uk/notes"' in page and "Reopen milestone" in page
    assert client.post(f"/plans/{plan.id}/milestones/{m.id}/reopen").status_code == 302
    db.session.refresh(m)
    assert m.status == "todo"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "milestone", AuditEvent.object_id == m.id).order_by(AuditEvent.id)).all()
    assert actions == ["milestone.complete", "milestone.reopen"]


@pytest.mark.parametrize("data, message", [
    ({}, "Enter an evidence note or an evidence link"),
    ({"evidence_note": "  "}, "Enter an evidence note or an evidence link"),
    ({"evidence_link": "javascript:alert(1)"}, "starts with http:// or https://"),
    ({"evidence_link": "https://example.nhs.uk/" + "x" * 500}, "500 characters or fewer"),
    ({"evidence_note": "x" * 5001}, "5,000 characters or fewer"),
])
def test_invalid_evidence_saves_nothing(cast, client, login, data, message):
    plan = cast["plan_a"]
    m = milestone(plan, "leader")
    login(cast["leader_a"])
    response = client.post(f"/plans/{plan.id}/milestones/{m.id}/complete", data=data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and message in page
    db.session.refresh(m)
    assert m.status == "todo"


def test_owner_rules_for_milestones(cast, client, login):
    plan = cast["plan_a"]
    leader_m, sponsor_m, mentor_m = milestone(plan, "leader"), milestone(plan, "sponsor"), milestone(plan, "mentor")
    done = {"evidence_note": "Done."}
    # Readers who do not own the milestone: a 403 that says why, and nothing changes.
    login(cast["mentor_a"])
    page = text(client.get(f"/plans/{plan.id}/milestones/{leader_m.id}"))
    assert "Mark as done" not in page
    response = client.post(f"/plans/{plan.id}/milestones/{leader_m.id}/complete", data=done)
    assert response.status_code == 403 and "You cannot do that" in text(response)
    assert client.post(f"/plans/{plan.id}/milestones/{mentor_m.id}/complete", data=done).status_code == 302
    login(cast["leader_a"])
    assert client.post(f"/plans/{plan.id}/milestones/{sponsor_m.id}/complete", data=done).status_code == 403
    login(cast["sponsor_a"])
    assert client.post(f"/plans/{plan.id}/milestones/{sponsor_m.id}/complete", data=done).status_code == 302
    login(cast["hr"])
    assert client.post(f"/plans/{plan.id}/milestones/{leader_m.id}/complete", data=done).status_code == 302
    statuses = {m.id: m.status for m in db.session.scalars(sa.select(Milestone).where(Milestone.plan_id == plan.id))}
    assert statuses[leader_m.id] == statuses[sponsor_m.id] == statuses[mentor_m.id] == "done"


def test_milestone_of_another_plan_is_not_found(cast, client, login):
    other = cast["plan_b"].milestones[0]
    login(cast["leader_a"])
    plan = cast["plan_a"]
    assert client.get(f"/plans/{plan.id}/milestones/{other.id}").status_code == 404
    assert client.post(f"/plans/{plan.id}/milestones/{other.id}/complete", data={"evidence_note": "x"}).status_code == 404
    db.session.refresh(other)
    assert other.status == "todo"


def test_closed_plan_is_read_only_at_100_percent(cast, client, login):
    plan = cast["plan_a"]
    plans.close(plan, cast["hr"], "completed")
    db.session.commit()
    m = milestone(plan, "leader")
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "<strong>100%</strong>" in page and "This plan is completed" in page
    assert "Mark as done" not in text(client.get(f"/plans/{plan.id}/milestones/{m.id}"))
    assert client.post(f"/plans/{plan.id}/milestones/{m.id}/complete", data={"evidence_note": "x"}).status_code == 403
    assert "Add a stakeholder" not in text(client.get(f"/plans/{plan.id}/stakeholders"))
    assert client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER).status_code == 403
    assert count(Stakeholder) == 0


# --- stakeholders ----------------------------------------------------------------------------


def test_leader_adds_edits_and_removes_a_stakeholder(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    assert "Power" in text(client.get(f"/plans/{plan.id}/stakeholders/new"))
    response = client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER)
    assert response.status_code == 302
    s = db.session.scalars(sa.select(Stakeholder)).one()
    assert (s.name, s.power, s.interest, s.stance, s.last_met) == ("Dr Ruth Adeyemi", 5, 4, "champion", date(2026, 9, 10))
    page = text(client.get(f"/plans/{plan.id}/stakeholders"))
    assert "Dr Ruth Adeyemi" in page and "Manage closely" in page
    edit = text(client.get(f"/plans/{plan.id}/stakeholders/{s.id}/edit"))
    assert 'value="Dr Ruth Adeyemi"' in edit
    for part, value in (("day", "10"), ("month", "9"), ("year", "2026")):  # the date input shows the stored date
        assert f'id="last_met-{part}" name="last_met-{part}" type="text" value="{value}"' in edit
    assert client.post(f"/plans/{plan.id}/stakeholders/{s.id}/edit", data=STAKEHOLDER | {"power": "1"}).status_code == 302
    db.session.refresh(s)
    assert s.power == 1
    assert "Yes, remove it" in text(client.get(f"/plans/{plan.id}/stakeholders/{s.id}/remove"))
    assert client.post(f"/plans/{plan.id}/stakeholders/{s.id}/remove").status_code == 302
    assert count(Stakeholder) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "stakeholder")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["stakeholder.create", "stakeholder.update", "stakeholder.delete"]


@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "Enter the stakeholder"),
    ({"name": "x" * 121}, "120 characters or fewer"),
    ({"power": "6"}, "Select a power score from 1 to 5"),
    ({"power": ""}, "Select a power score from 1 to 5"),
    ({"interest": "0"}, "Select an interest score from 1 to 5"),
    (boxes("last_met", ("30", "2", "2026")), "Last met must be a real date"),
    (boxes("last_met", ("10", "", "2026")), "Last met must include a month"),
    ({"notes": "x" * 5001}, "5,000 characters or fewer"),
])
def test_invalid_stakeholder_saves_nothing(cast, client, login, change, message):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    response = client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER | change)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and message in page
    assert count(Stakeholder) == 0


@pytest.mark.parametrize("who", NOT_LEADER)
def test_only_the_leader_edits_stakeholders(cast, client, login, who):
    plan = cast["plan_a"]
    s = Stakeholder(plan=plan, name="Graham Pike", power=5, interest=2)
    db.session.add(s)
    db.session.commit()
    login(cast[who])
    page = text(client.get(f"/plans/{plan.id}/stakeholders"))
    assert "Graham Pike" in page and "Add a stakeholder" not in page
    assert client.get(f"/plans/{plan.id}/stakeholders/new").status_code == 403
    assert client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER).status_code == 403
    assert client.post(f"/plans/{plan.id}/stakeholders/{s.id}/edit", data=STAKEHOLDER).status_code == 403
    assert client.post(f"/plans/{plan.id}/stakeholders/{s.id}/remove").status_code == 403
    db.session.refresh(s)
    assert s.name == "Graham Pike" and count(Stakeholder) == 1


def test_stakeholder_of_another_plan_is_not_found(cast, client, login):
    theirs = Stakeholder(plan=cast["plan_b"], name="Someone else's", power=3, interest=3)
    db.session.add(theirs)
    db.session.commit()
    login(cast["leader_a"])
    plan = cast["plan_a"]
    assert client.get(f"/plans/{plan.id}/stakeholders/{theirs.id}/edit").status_code == 404
    assert client.post(f"/plans/{plan.id}/stakeholders/{theirs.id}/remove").status_code == 404
    assert count(Stakeholder) == 1


def test_quadrant_counts_on_the_map(cast, client, login):
    plan = cast["plan_a"]
    for name, power, interest, met in [("A", 5, 5, date(2026, 9, 8)), ("B", 4, 4, None), ("C", 5, 1, None),
                                       ("D", 1, 5, date(2026, 9, 9)), ("E", 1, 1, None)]:
        db.session.add(Stakeholder(plan=plan, name=name, power=power, interest=interest, last_met=met))
    db.session.commit()
    login(cast["sponsor_a"])
    page = text(client.get(f"/plans/{plan.id}/stakeholders"))

    def row(key):
        start = page.index(f'id="count-{key}"')
        return page[start:page.index("</tr>", start)]

    assert [c for c in row("manage_closely").split(">") if c.strip()[:1].isdigit()] == ["2</td", "1</td"]
    assert ">1</td>" in row("keep_satisfied").replace("\n", "").replace(" ", "")
    assert "Manage closely" in page and "Keep satisfied" in page and "Keep informed" in page and "Monitor" in page


# --- interviews ------------------------------------------------------------------------------


INTERVIEW = {"name": "Dr Amir Shah", "role": "Consultant", "specialty": "Emergency medicine",
             **boxes("interviewed_on", date(2026, 9, 20)), "priorities": "Faster log-in\nFewer duplicate forms",
             "themes": "Log-in time, Duplicate data entry", "follow_up": "Send the EPR roadmap."}


def test_leader_records_interviews_and_sees_recurring_themes(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    assert client.post(f"/plans/{plan.id}/interviews/new", data=INTERVIEW).status_code == 302
    assert client.post(f"/plans/{plan.id}/interviews/new",
                       data=INTERVIEW | {"name": "Claire Booth", "themes": "duplicate data entry, handover"}).status_code == 302
    page = text(client.get(f"/plans/{plan.id}/interviews"))
    assert "Faster log-in" in page and "Claire Booth" in page
    assert "1 theme has come up in more than one interview" in page
    table = page[page.index("Themes across interviews"):page.index("<h2>Interviews</h2>")]
    assert table.index("duplicate data entry") < table.index("handover")
    interview = db.session.scalars(sa.select(ClinicianInterview).where(ClinicianInterview.name == "Dr Amir Shah")).one()
    edit = text(client.get(f"/plans/{plan.id}/interviews/{interview.id}/edit"))
    assert "log-in time, duplicate data entry" in edit and "Faster log-in\nFewer duplicate forms" in edit
    assert client.post(f"/plans/{plan.id}/interviews/{interview.id}/remove").status_code == 302
    assert count(ClinicianInterview) == 1


@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "Enter the name of the person you interviewed"),
    (boxes("interviewed_on", None), "Enter the date of the interview"),
    (boxes("interviewed_on", ("20", "Sept", "2026")), "Date of the interview must be a number"),
    ({"follow_up": "x" * 5001}, "5,000 characters or fewer"),
    ({"themes": "x" * 61}, "Each theme must be 60 characters or fewer"),
])
def test_invalid_interview_saves_nothing(cast, client, login, change, message):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    response = client.post(f"/plans/{plan.id}/interviews/new", data=INTERVIEW | change)
    assert response.status_code == 400 and message in text(response)
    assert count(ClinicianInterview) == 0


def test_interviews_are_read_only_for_the_sponsor(cast, client, login):
    plan = cast["plan_a"]
    login(cast["sponsor_a"])
    assert "Add an interview" not in text(client.get(f"/plans/{plan.id}/interviews"))
    assert client.post(f"/plans/{plan.id}/interviews/new", data=INTERVIEW).status_code == 403
    assert count(ClinicianInterview) == 0


# --- goals -----------------------------------------------------------------------------------


GOAL = {"title": "Cut EPR log-in time to under 10 seconds", "objective": "Support people",
        "measure": "Median log-in time", **boxes("target_date", date(2026, 12, 1)), "status": "on_track"}


def test_leader_adds_edits_and_removes_goals(cast, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    form = text(client.get(f"/plans/{plan.id}/goals/new"))
    assert "What Good Looks Like" in form
    assert client.post(f"/plans/{plan.id}/goals/new", data=GOAL).status_code == 302
    g = db.session.scalars(sa.select(Goal)).one()
    assert (g.objective, g.target_date, g.status) == ("Support people", date(2026, 12, 1), "on_track")
    page = text(client.get(f"/plans/{plan.id}/goals"))
    assert "Cut EPR log-in time" in page and "On track" in page
    assert client.post(f"/plans/{plan.id}/goals/{g.id}/edit", data=GOAL | {"status": "achieved"}).status_code == 302
    db.session.refresh(g)
    assert g.status == "achieved"
    assert client.post(f"/plans/{plan.id}/goals/{g.id}/remove").status_code == 302
    assert count(Goal) == 0


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "Enter the goal"),
    ({"title": "x" * 201}, "200 characters or fewer"),
    ({"status": "finished"}, "Not a valid choice"),
    (boxes("target_date", ("1", "13", "2026")), "Target date must be a real date"),
])
def test_invalid_goal_saves_nothing(cast, client, login, change, message):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    response = client.post(f"/plans/{plan.id}/goals/new", data=GOAL | change)
    assert response.status_code == 400 and message in text(response)
    assert count(Goal) == 0


def test_goals_of_another_leader_are_not_found(cast, client, login):
    login(cast["leader_b"])
    plan = cast["plan_a"]
    assert client.post(f"/plans/{plan.id}/goals/new", data=GOAL).status_code == 404
    assert count(Goal) == 0


# --- CSRF and query counts -------------------------------------------------------------------


def test_a_bad_csrf_token_saves_nothing(cast, app, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/plans/{plan.id}/stakeholders/new", data=STAKEHOLDER | {"csrf_token": "forged"})
    assert response.status_code == 400
    assert count(Stakeholder) == 0


def _queries(app, client, url) -> int:
    return queries_in_request(client, url)


# Real commits: the joined test session's SAVEPOINTs would be counted as queries.
@pytest.mark.real_commits
def test_query_counts_do_not_grow_with_rows(cast, app, client, login):
    plan = cast["plan_a"]
    login(cast["leader_a"])
    urls = ["/my-plan", f"/plans/{plan.id}", f"/plans/{plan.id}/stakeholders", f"/plans/{plan.id}/interviews",
            f"/plans/{plan.id}/goals"]
    before = {url: _queries(app, client, url) for url in urls}
    for i in range(12):
        db.session.add(Stakeholder(plan=plan, name=f"S{i}", power=1 + i % 5, interest=1 + (i * 2) % 5))
        db.session.add(ClinicianInterview(plan=plan, name=f"C{i}", interviewed_on=date(2026, 9, 8), themes=["x"]))
        db.session.add(Goal(plan=plan, title=f"G{i}"))
        db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 9, 8), rag="green", summary="ok"))
    for m in plan.milestones[:5]:
        plans.complete_milestone(m, cast["leader_a"] if m.owner != "hr" else cast["hr"], note="ok")
    db.session.commit()
    after = {url: _queries(app, client, url) for url in urls}
    assert after == before


# --- in a real browser, with axe -------------------------------------------------------------


@pytest.mark.browser
def test_leader_pages_are_accessible_and_work_in_a_browser(live_server, page):
    from playwright.sync_api import expect  # imported only when a browser test runs

    from onboarding import playbooks

    from .conftest import PASSWORD, ROOT, assert_accessible, make_user

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        leader, sponsor = make_user("leader@example.nhs.uk", "Lee Leader"), make_user("sponsor@example.nhs.uk", "Sam Sponsor")
        mentor = make_user("mentor@example.nhs.uk", "Mo Mentor")
        version = playbooks.get_playbook("cdio-cio-26-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, version=version,
                                 start=date(2026, 9, 7), months=6)
        db.session.add(CheckIn(plan=plan, sponsor=sponsor, held_on=date(2026, 9, 18), rag="green",
                               summary="A good start.", private_note="Sponsor eyes only.", actions="Book interviews."))
        db.session.add(ClinicianInterview(plan=plan, name="Dr Amir Shah", interviewed_on=date(2026, 9, 14),
                                          priorities=["Faster log-in"], themes=["log-in time", "handover"]))
        db.session.commit()
        plan_id = plan.id
        first_leader_milestone = next(m.title for m in plan.milestones if m.owner == "leader")

    def sign_in(email):
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in("leader@example.nhs.uk")
    page.goto(f"{base}/my-plan")
    assert page.get_by_role("heading", level=1).inner_text().endswith("My plan")
    expect(page.get_by_text("A good start.")).to_be_visible()
    assert page.get_by_text("Sponsor eyes only.").count() == 0
    assert_accessible(page)

    # Listed under what needs doing and under its phase: either link opens it.
    page.get_by_role("link", name=first_leader_milestone).first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Evidence note").fill("Met the CCIO and the CNIO.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("is marked as done")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Stakeholders").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add a stakeholder").click()
    page.get_by_role("button", name="Save stakeholder").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("Dr Ruth Adeyemi")
    page.get_by_role("group", name="Power").get_by_label("5").check()
    page.get_by_role("group", name="Interest").get_by_label("4").check()
    fill_date(page, "Last met (optional)", "10", "9", "2026")
    page.get_by_role("button", name="Save stakeholder").click()
    expect(page.get_by_text("The stakeholder is added")).to_be_visible()
    assert page.locator("#count-manage_closely").inner_text().split() == ["Manage", "closely", "1", "1"]
    assert_accessible(page)

    page.get_by_role("link", name="Clinician interviews").click()
    assert_accessible(page)
    page.get_by_role("button", name="Add an interview").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Claire Booth")
    fill_date(page, "Date of the interview", "21", "9", "2026")
    page.get_by_label("Priorities heard").fill("Reliable handover lists")
    page.get_by_label("Themes").fill("Handover")
    page.get_by_role("button", name="Save interview").click()
    expect(page.get_by_text("1 theme has come up in more than one interview")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Goals").click()
    page.get_by_role("button", name="Add a goal").click()
    assert_accessible(page)
    page.get_by_label("Goal", exact=True).fill("Cut EPR log-in time to under 10 seconds")
    page.get_by_role("button", name="Save goal").click()
    assert_accessible(page)
    page.get_by_role("link", name="Remove").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.get_by_text("No goals have been added yet")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    sign_in("mentor@example.nhs.uk")
    page.goto(f"{base}/mentoring")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentoring")
    assert_accessible(page)
    page.get_by_role("link", name="Lee Leader").click()
    assert page.url.endswith(f"/plans/{plan_id}")
    assert page.get_by_text("Sponsor eyes only.").count() == 0
    assert_accessible(page)
