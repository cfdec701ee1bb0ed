"""The mentor's page: the plans they mentor, with progress and their own milestones."""
from datetime import date

import pytest
from markupsafe import escape

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import make_user, queries_in_request


def text(response) -> str:
    return response.get_data(as_text=True)


def test_mentor_sees_the_plans_they_mentor(cast, client, login):
    plan = cast["plan_a"]
    login(cast["mentor_a"])
    response = client.get("/mentoring")
    page = text(response)
    assert response.status_code == 200
    assert "Leader A" in page and f'href="/plans/{plan.id}"' in page
    assert "Leader B" not in page
    mine = next(m for m in plan.milestones if m.owner == "mentor")
    assert f"/plans/{plan.id}/milestones/{mine.id}" in page
    assert "% </td>".replace(" ", "") in page.replace(" ", "")


def test_mentor_completes_their_milestone_and_it_leaves_the_list(cast, client, login):
    plan = cast["plan_a"]
    mine = next(m for m in plan.milestones if m.owner == "mentor")
    login(cast["mentor_a"])
    response = client.post(f"/plans/{plan.id}/milestones/{mine.id}/complete", data={"evidence_note": "First session held."})
    assert response.status_code == 302
    db.session.refresh(mine)
    assert mine.status == "done"
    assert f"/milestones/{mine.id}\"" not in text(client.get("/mentoring"))


def test_someone_who_mentors_nobody_gets_a_friendly_page(cast, client, login):
    login(cast["leader_b"])
    response = client.get("/mentoring")
    assert response.status_code == 200
    assert "You are not mentoring anyone" in text(response)


def test_mentoring_page_query_count_is_the_same_for_1_and_6_plans(cast, app, client, login):
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest

    def queries() -> int:
        return queries_in_request(client, "/mentoring")

    login(cast["mentor_a"])
    one = queries()
    for i in range(5):
        leader = make_user(f"leader.extra{i}@example.nhs.uk")
        plans.create_plan(leader=leader, sponsor=cast["sponsor_a"], mentor=cast["mentor_a"], version=version,
                          start=date(2026, 9, 7), months=6, actor=cast["hr"])
    db.session.commit()
    assert queries() == one


def test_mentor_milestones_are_links_like_the_sponsors(cast, client, login):
    plan = cast["plan_a"]
    login(cast["mentor_a"])
    page = text(client.get("/mentoring"))
    mine = [m for m in plan.milestones if m.owner == "mentor"]
    assert mine
    for m in mine:
        assert f'<a href="/plans/{plan.id}/milestones/{m.id}">{escape(m.title)}</a>' in page
    # Only the mentor's own: the sponsor's milestones on the same plan are not listed.
    assert all(escape(m.title) not in page for m in plan.milestones if m.owner == "sponsor")
    assert '<caption class="nhsuk-table__caption nhsuk-table__caption--s">Your open milestones</caption>' in page


@pytest.mark.browser
def test_mentoring_page_in_a_browser(live_server, page):
    """axe finds nothing and the page fits a 375 px phone; a milestone opens its page."""
    from playwright.sync_api import expect

    from .conftest import PASSWORD, ROOT, assert_accessible

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        leader, sponsor = make_user("lee@example.nhs.uk", "Lee Leader"), make_user("sam@example.nhs.uk", "Sam Sponsor")
        mentor = make_user("mo@example.nhs.uk", "Mo Mentor")
        plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, version=playbooks.get_playbook(
            "cdio-cio-26-weeks").latest, start=date(2026, 9, 7), months=6)
        db.session.commit()
        first = next(m for m in plan.milestones if m.owner == "mentor")
        plan_id, first_id, first_title = plan.id, first.id, first.title

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill("mo@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/mentoring")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentoring")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    page.get_by_role("link", name=first_title).click()
    expect(page).to_have_url(f"{base}/plans/{plan_id}/milestones/{first_id}")
