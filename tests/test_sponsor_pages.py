"""The sponsor's pages in the browser's place: who sees what, who may log and edit
check-ins, private notes, and invalid input."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn
from onboarding.plans import checkins
from onboarding.plans.checkins import CheckInInput

from .date_input import boxes
from .test_dashboards import BY_NEED, TODAY, seed_leaders_by_need

PRIVATE = "Private: worried about the board dynamics"


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn))


def _seed_checkin(cast) -> CheckIn:
    """A check-in on plan A by its sponsor."""
    held = plans.today() - timedelta(days=3)
    checkin = checkins.log_checkin(
        cast["plan_a"], cast["sponsor_a"],
        CheckInInput(held, "amber", "Shared: good first weeks", PRIVATE, "Meet the medical director", held + timedelta(days=14)),
    )
    db.session.commit()
    return checkin


def _form(**overrides) -> dict:
    """The check-in form's data; the two dates (a date, ISO text or a typed tuple) as their three boxes."""
    today = plans.today()
    data = {
        "held_on": today,
        "rag": "green",
        "summary": "Going well; the stakeholder map is filling up.",
        "private_note": "Nothing to worry about.",
        "actions": "Book the next clinical interviews",
        "next_checkin_on": today + timedelta(days=14),
    }
    data.update(overrides)
    for name in ("held_on", "next_checkin_on"):
        data |= boxes(name, data.pop(name))
    return data


def _as(persona, cast, client, login):
    if persona == "anonymous":
        client.post("/logout")
    else:
        login(cast[persona])


# --- the dashboard --------------------------------------------------------------------------


def test_dashboard_shows_only_the_sponsors_own_leaders(cast, client, login):
    _seed_checkin(cast)
    login(cast["sponsor_a"])
    page = client.get("/sponsor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>My leaders</h1>" in html
    assert "Leader A" in html and "Leader B" not in html
    assert cast["plan_a"].playbook_version.title in html
    assert "Week " in html and "%" in html
    # The last check-in's RAG is a tag with the word, not colour alone.
    assert "nhsuk-tag--orange" in html and "Amber" in html
    assert f"/plans/{cast['plan_a'].id}/checkins" in html
    # Sponsor-owned milestones are listed for the sponsor to complete.
    owned = [m.title for m in cast["plan_a"].milestones if m.owner == "sponsor"]
    assert owned and all(title in html for title in owned)

    login(cast["other_sponsor"])
    html = client.get("/sponsor").get_data(as_text=True)
    assert "Leader B" in html and "Leader A" not in html
    # No check-in yet on plan B, whose start was long enough ago for one to be due.
    assert "None yet" in html


def test_dashboard_for_someone_who_sponsors_nobody(cast, client, login):
    login(cast["mentor_a"])
    page = client.get("/sponsor")
    assert page.status_code == 200
    assert "You do not sponsor any leaders yet" in page.get_data(as_text=True)


def test_dashboard_needs_sign_in(cast, client):
    response = client.get("/sponsor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_closed_plans_are_listed_apart(cast, client, login):
    plans.close(cast["plan_a"], cast["hr"], "completed")
    db.session.commit()
    login(cast["sponsor_a"])
    html = client.get("/sponsor").get_data(as_text=True)
    assert "<h2>Closed plans</h2>" in html
    closed_part = html.split("<h2>Closed plans</h2>", 1)[1]
    assert "Leader A" in closed_part and "100%" in closed_part
    assert "None of the leaders you sponsor has a plan running" in html


def test_dashboard_lists_leaders_by_need_and_links_every_number(loaded, client, login, monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    made = seed_leaders_by_need()
    login(made["sponsor"])
    html = client.get("/sponsor").get_data(as_text=True)
    assert "Leaders who need you most come first: an overdue check-in, then a red and then an amber last check-in" in html
    places = [html.index(f'/plans/{made[name.split()[0]].id}">{name}</a>') for name in BY_NEED]
    assert places == sorted(places)
    dee, cal, eve = made["Dee"].id, made["Cal"].id, made["Eve"].id
    # The overdue count opens the plan at its overdue milestones; none is not a link.
    assert f'<a href="/plans/{dee}#overdue">2<span class="nhsuk-u-visually-hidden"> overdue milestones for Dee Leader' in html
    assert f"/plans/{eve}#overdue" not in html
    assert f'<a href="/plans/{dee}">94% done' in html  # 32 of 34
    # The last check-in opens the history; every running plan has its one-click "Log a check-in".
    assert (f'<a href="/plans/{cal}/checkins"><span class="nhsuk-u-visually-hidden">Check-ins for Cal Leader, last held </span>'
            "Monday 12 October 2026</a>") in html
    for name in BY_NEED:
        assert f'/plans/{made[name.split()[0]].id}/checkins/new">Log a check-in<span class="nhsuk-u-visually-hidden"> with {name}' in html
    # The sponsor's own milestones are links to their pages, where they are marked done.
    assert "Open one to mark it done" not in html
    for plan in (made["Ada"], made["Eve"]):
        for m in plan.milestones:
            if m.owner == "sponsor":
                assert f'<a href="/plans/{plan.id}/milestones/{m.id}">{escape(m.title)}</a>' in html


def test_a_paused_leader_says_when_they_are_expected_back(cast, client, login, monkeypatch):
    from datetime import date

    monkeypatch.setattr(plans, "today", lambda: TODAY)  # Monday 19 October 2026
    plans.pause(cast["plan_a"], cast["hr"], "Long-term sick leave", date(2026, 11, 2))
    db.session.commit()
    login(cast["sponsor_a"])
    html = client.get("/sponsor").get_data(as_text=True)
    assert '(paused)</span><br><span class="nhsuk-u-font-size-16 nhsuk-u-font-weight-normal">Expected back 2 November 2026' in html


def test_closed_plans_take_no_log_a_checkin_link(cast, client, login):
    plans.close(cast["plan_a"], cast["hr"], "completed")
    db.session.commit()
    login(cast["sponsor_a"])
    html = client.get("/sponsor").get_data(as_text=True)
    assert "Log a check-in" not in html


# --- who may do what, for every persona ------------------------------------------------------

# persona: (history, new check-in, edit the sponsor's check-in); 302 is the sign-in redirect.
OUTCOMES = {
    "anonymous": (302, 302, 302),
    "leader_a": (200, 403, 403),
    "leader_b": (404, 404, 404),
    "sponsor_a": (200, 200, 200),
    "other_sponsor": (404, 404, 404),
    "mentor_a": (200, 403, 403),
    "hr": (200, 403, 403),
}


@pytest.mark.parametrize("persona", list(OUTCOMES))
def test_checkin_pages_follow_the_access_table(cast, client, login, persona):
    checkin = _seed_checkin(cast)
    plan_id, checkin_id = cast["plan_a"].id, checkin.id
    history, new, edit = OUTCOMES[persona]
    _as(persona, cast, client, login)

    response = client.get(f"/plans/{plan_id}/checkins")
    assert response.status_code == history
    if history == 200:
        html = response.get_data(as_text=True)
        assert "Shared: good first weeks" in html
        assert ("Log a check-in" in html) == (persona == "sponsor_a")
        assert (f"/checkins/{checkin_id}/edit" in html) == (persona == "sponsor_a")

    assert client.get(f"/plans/{plan_id}/checkins/new").status_code == new
    assert client.get(f"/plans/{plan_id}/checkins/{checkin_id}/edit").status_code == edit

    # POSTs: only the sponsor's are saved (a redirect to the history); nobody else changes anything.
    response = client.post(f"/plans/{plan_id}/checkins/new", data=_form(summary="posted by " + persona))
    assert response.status_code == (302 if persona == "sponsor_a" else new)
    response = client.post(f"/plans/{plan_id}/checkins/{checkin_id}/edit", data=_form(summary="edited by " + persona))
    assert response.status_code == (302 if persona == "sponsor_a" else edit)
    summaries = set(db.session.scalars(sa.select(CheckIn.summary)))
    if persona == "sponsor_a":
        assert summaries == {"posted by sponsor_a", "edited by sponsor_a"}
    else:
        assert summaries == {"Shared: good first weeks"}
    if new == 403:
        assert "You cannot do that" in client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True)


def test_a_checkin_of_another_plan_is_not_found(cast, client, login):
    checkin = _seed_checkin(cast)
    login(cast["other_sponsor"])
    assert client.get(f"/plans/{cast['plan_b'].id}/checkins/{checkin.id}/edit").status_code == 404
    assert client.get(f"/plans/{cast['plan_b'].id}/checkins/99999/edit").status_code == 404
    assert client.get("/plans/99999/checkins").status_code == 404


def test_after_a_reassignment_only_the_new_sponsor_logs_and_nobody_edits_the_old_checkins(cast, client, login):
    checkin = _seed_checkin(cast)
    plans.reassign(cast["plan_a"], cast["hr"], sponsor=cast["other_sponsor"])
    db.session.commit()
    plan_id = cast["plan_a"].id
    login(cast["sponsor_a"])
    assert client.get(f"/plans/{plan_id}/checkins").status_code == 404
    login(cast["other_sponsor"])
    assert client.get(f"/plans/{plan_id}/checkins/new").status_code == 200
    assert client.get(f"/plans/{plan_id}/checkins/{checkin.id}/edit").status_code == 403
    html = client.get("/sponsor").get_data(as_text=True)
    assert "Leader A" in html and "Leader B" in html


# --- private notes ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona, sees_private", [
    ("leader_a", False), ("mentor_a", False), ("sponsor_a", True), ("hr", True),
])
def test_private_notes_only_for_the_sponsor_and_hr(cast, client, login, persona, sees_private):
    _seed_checkin(cast)
    login(cast[persona])
    html = client.get(f"/plans/{cast['plan_a'].id}/checkins").get_data(as_text=True)
    assert "Shared: good first weeks" in html and "Meet the medical director" in html
    assert (PRIVATE in html) == sees_private
    assert ("Private note" in html) == sees_private


# --- logging and editing ----------------------------------------------------------------------


def test_sponsor_logs_a_checkin_and_sees_it(cast, client, login):
    login(cast["sponsor_a"])
    plan_id = cast["plan_a"].id
    form = client.get(f"/plans/{plan_id}/checkins/new").get_data(as_text=True)
    assert "Shared with the leader" in form and "Only you and HR can read this" in form
    today = plans.today()  # the date boxes start at today
    for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        assert f'id="held_on-{part}" name="held_on-{part}" type="text" value="{value}"' in form
    response = client.post(f"/plans/{plan_id}/checkins/new", data=_form(rag="red", summary="Struggling with the board"))
    assert response.status_code == 302
    saved = db.session.scalars(sa.select(CheckIn)).one()
    assert response.headers["Location"].endswith(f"/plans/{plan_id}/checkins#checkin-{saved.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check-in saved" in html and "Struggling with the board" in html and "nhsuk-tag--red" in html
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "checkin.create")).one()
    assert event.actor_id == cast["sponsor_a"].id
    dashboard = client.get("/sponsor").get_data(as_text=True)
    assert "Red" in dashboard


def test_sponsor_edits_their_checkin(cast, client, login):
    checkin = _seed_checkin(cast)
    login(cast["sponsor_a"])
    url = f"/plans/{cast['plan_a'].id}/checkins/{checkin.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "Shared: good first weeks" in form and PRIVATE in form
    assert client.post(url, data=_form(summary="Corrected summary", held_on=checkin.held_on)).status_code == 302
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).summary == "Corrected summary"
    assert _count() == 1
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "checkin.update")).all() == ["checkin.update"]


def test_closed_plans_take_no_new_checkins(cast, client, login):
    checkin = _seed_checkin(cast)
    plans.close(cast["plan_a"], cast["hr"], "withdrawn")
    db.session.commit()
    login(cast["sponsor_a"])
    plan_id = cast["plan_a"].id
    response = client.get(f"/plans/{plan_id}/checkins/new")
    assert response.status_code == 409
    assert "This plan is withdrawn" in response.get_data(as_text=True)
    assert client.post(f"/plans/{plan_id}/checkins/new", data=_form()).status_code == 409
    assert client.post(f"/plans/{plan_id}/checkins/{checkin.id}/edit", data=_form()).status_code == 409
    html = client.get(f"/plans/{plan_id}/checkins").get_data(as_text=True)
    assert "Log a check-in" not in html and "no new ones can be logged" in html
    assert _count() == 1


# --- invalid input -----------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, message", [
    ({"summary": ""}, "Enter a summary of the check-in"),
    ({"summary": "   "}, "Enter a summary of the check-in"),
    ({"rag": "purple"}, "Select a RAG rating"),
    ({"rag": ""}, "Select a RAG rating"),
    ({"held_on": ""}, "Enter the date the check-in was held"),
    ({"held_on": ("31", "2", "2026")}, "Date of the check-in must be a real date"),
    ({"held_on": ("", "2", "2026")}, "Date of the check-in must include a day"),
    ({"held_on": "2099-01-01", "next_checkin_on": ""}, "The check-in date must be today or in the past"),
    ({"held_on": "2999-01-01"}, "Date of the check-in must be between 1 January 2000 and 31 December 2099"),
    ({"next_checkin_on": "2020-01-01"}, "The next check-in date must be after the date this check-in was held"),
    ({"next_checkin_on": ("1", "soon", "2026")}, "Date of the next check-in must be a number"),
    ({"summary": "x" * 5001}, "Summary must be 5000 characters or fewer"),
    ({"private_note": "x" * 5001}, "Private note must be 5000 characters or fewer"),
    ({"actions": "x" * 5001}, "Actions must be 5000 characters or fewer"),
])
def test_invalid_input_rerenders_with_errors_and_saves_nothing(cast, client, login, overrides, message):
    login(cast["sponsor_a"])
    response = client.post(f"/plans/{cast['plan_a'].id}/checkins/new", data=_form(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html  # the error summary
    assert html.count(message) >= 2  # in the summary and by the field
    assert "nhsuk-form-group--error" in html
    assert "<title>Error: " in html
    assert _count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("checkin.%"))) == 0


def test_invalid_edit_changes_nothing(cast, client, login):
    checkin = _seed_checkin(cast)
    login(cast["sponsor_a"])
    response = client.post(f"/plans/{cast['plan_a'].id}/checkins/{checkin.id}/edit", data=_form(summary="", rag="red"))
    assert response.status_code == 400
    db.session.expire_all()
    assert (db.session.get(CheckIn, checkin.id).summary, db.session.get(CheckIn, checkin.id).rag) == ("Shared: good first weeks", "amber")


def test_a_bad_csrf_token_is_refused_and_saves_nothing(cast, app, client, login):
    login(cast["sponsor_a"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/plans/{cast['plan_a'].id}/checkins/new", data=_form(csrf_token="forged"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _count() == 0


# --- in a real browser, with axe -------------------------------------------------------------


@pytest.mark.browser
def test_sponsor_pages_are_accessible_and_work_in_a_browser(live_server, page):
    from datetime import date

    from playwright.sync_api import expect  # imported only when a browser test runs

    from onboarding import playbooks

    from .conftest import PASSWORD, ROOT, assert_accessible, make_user

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        leader, sponsor = make_user("leader@example.nhs.uk", "Lee Leader"), make_user("sponsor@example.nhs.uk", "Sam Sponsor")
        other = make_user("other@example.nhs.uk", "Olu Other")
        version = playbooks.get_playbook("cdio-cio-26-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=6)
        closed = plans.create_plan(leader=other, sponsor=sponsor, version=version, start=date(2026, 3, 2), months=3)
        plans.close(closed, sponsor, "completed")
        db.session.commit()
        plan_id = plan.id

    def sign_in(email):
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in("sponsor@example.nhs.uk")
    page.goto(f"{base}/sponsor")
    expect(page.get_by_role("heading", level=1)).to_have_text("My leaders")
    assert_accessible(page)

    page.get_by_role("link", name="Log a check-in with Lee Leader").click()
    assert_accessible(page)

    page.get_by_label("Summary").fill("")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Amber").check()
    page.get_by_label("Summary").fill("Good progress; two interviews still to book.")
    page.get_by_label("Private note (optional)").fill("Keep an eye on workload.")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in saved")).to_be_visible()
    expect(page.get_by_text("Good progress; two interviews still to book.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Change").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the check-in")
    assert_accessible(page)

    page.goto(f"{base}/sponsor")
    expect(page.get_by_text("Amber").first).to_be_visible()
    assert_accessible(page)

    # The leader reads the shared part only, and is refused the form with a 403 page.
    page.get_by_role("button", name="Log out").click()
    sign_in("leader@example.nhs.uk")
    page.goto(f"{base}/plans/{plan_id}/checkins")
    expect(page.get_by_text("Good progress")).to_be_visible()
    assert page.get_by_text("Keep an eye on workload.").count() == 0
    assert_accessible(page)
    response = page.goto(f"{base}/plans/{plan_id}/checkins/new")
    assert response.status == 403
    assert_accessible(page)


@pytest.mark.browser
def test_who_needs_me_in_a_browser(live_server, page, monkeypatch):
    """The sponsor's first screen on known dates: leaders by need, each number a link to what it
    counts, "Log a check-in" in one click; axe finds nothing; it fits a 375 px phone."""
    import re

    from playwright.sync_api import expect

    from onboarding import playbooks

    from .conftest import PASSWORD, ROOT, assert_accessible

    monkeypatch.setattr(plans, "today", lambda: TODAY)  # the server thread asks the same function
    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        made = seed_leaders_by_need()
        ids = {name: made[name].id for name in ("Ada", "Cal", "Dee")}
        overdue_titles = [m.title for m in made["Dee"].milestones[:2]]

    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill("sam.sponsor@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/sponsor")
    leaders = page.get_by_role("table", name="Leaders you sponsor").get_by_role("rowheader").get_by_role("link")
    expect(leaders).to_have_text(BY_NEED)
    assert_accessible(page)

    # Dee's 2 overdue milestones: the number opens the plan where those two are.
    page.get_by_role("link", name="2 overdue milestones for Dee Leader").click()
    expect(page).to_have_url(f"{base}/plans/{ids['Dee']}#overdue")
    expect(page.locator("#overdue")).to_have_text("Overdue")
    expect(page.locator("#overdue + ul").get_by_role("link")).to_have_text(overdue_titles)
    page.go_back()
    page.get_by_role("link", name=re.compile("^94% done .*for Dee Leader")).click()
    expect(page).to_have_url(f"{base}/plans/{ids['Dee']}")
    page.go_back()
    # Cal's amber check-in of 12 October opens Cal's check-in history.
    page.get_by_role("link", name="Check-ins for Cal Leader, last held Monday 12 October 2026").click()
    expect(page).to_have_url(f"{base}/plans/{ids['Cal']}/checkins")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-ins")
    expect(page.get_by_text("Cal Leader,")).to_be_visible()
    page.go_back()

    # One click to the form; the dates come filled in (today, and 14 days on: Monday 2 November).
    page.get_by_role("link", name="Log a check-in with Ada Leader").click()
    expect(page).to_have_url(f"{base}/plans/{ids['Ada']}/checkins/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a check-in")
    page.get_by_label("Green").check()
    page.get_by_label("Summary").fill("Settling in well.")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in saved")).to_be_visible()
    # Ada's check-in is no longer overdue: her many overdue milestones place her before Dee's 2
    # (both next meet on 2 November), after the red and amber ratings.
    page.goto(f"{base}/sponsor")
    expect(leaders).to_have_text(["Zed Leader", "Bea Leader", "Cal Leader", "Ada Leader", "Dee Leader", "Eve Leader"])

    # The sponsor's own milestones are links to their pages, where they are marked done: the
    # playbook gives the sponsor 4, soonest first ("Hold the expectations conversation", week 1).
    adas = page.get_by_role("table", name="Your open milestones").get_by_role("row").filter(has_text="Ada Leader")
    expect(adas).to_have_count(4)
    adas.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hold the expectations conversation with the sponsor")
    page.get_by_label("Evidence note").fill("Agreed fortnightly check-ins and the first 90 days.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("is marked as done")).to_be_visible()
    page.goto(f"{base}/sponsor")
    expect(adas).to_have_count(3)

    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("/sponsor", f"/plans/{ids['Cal']}/checkins"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert_accessible(page)
