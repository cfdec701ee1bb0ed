"""The leader's first screen: what needs doing first (overdue, then due in the next 14 days, the
next check-in and the last check-in's actions), a short summary, the phases with done milestones
folded away, and the welcome panel until the leader dismisses it.

Plan A (the CDIO playbook from Monday 7 September 2026) seen on Monday 28 September 2026, week 4:
the seven milestones due up to 17 September and the national briefing (due 24 September) are done;
"Meet the Chair" was moved to 14 September and is overdue with "Draw the first stakeholder grid"
(24 September); the clinical digital leads and the year's fixed dates (1 October), the governance
walk-through, the finance briefing and the first mentor session (8 October) are due in the next
14 days (to 12 October); shadowing frontline staff (15 October) is later.
"""
import re
from datetime import date

import pytest
import sqlalchemy as sa
from markupsafe import escape

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn, User
from onboarding.plans import first_screen

TODAY = date(2026, 9, 28)
DONE = (0, 1, 2, 3, 4, 5, 6, 8)  # the pre-boarding and first orientation milestones, the national briefing
CHAIR, GRID, LEADS, GOVERNANCE, SHADOW = 9, 7, 10, 12, 15  # positions in the playbook
COMING = (LEADS, 11, GOVERNANCE, 13, 14)  # due 1 October (two) and 8 October (three)


def shape(plan, hr) -> None:
    """Plan A as it stands on TODAY (see the module's docstring)."""
    for m in plan.milestones:
        if m.position in DONE:
            plans.complete_milestone(m, hr, note="Done on time.")
    chair = plan.milestones[CHAIR]
    chair.due_date = date(2026, 9, 14)  # brought forward: now due before the grid
    db.session.commit()


def titles(plan, *positions) -> list[str]:
    return [plan.milestones[p].title for p in positions]


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def plan(cast, today):
    plan = cast["plan_a"]
    shape(plan, cast["hr"])
    return plan


def text(response) -> str:
    return response.get_data(as_text=True)


def in_order(page: str, *parts: str) -> bool:
    """Each part appears after the one before it."""
    at = 0
    for part in parts:
        at = page.find(part, at)
        if at < 0:
            return False
    return True


# --- the selection -----------------------------------------------------------------------------


def test_overdue_by_due_date_then_the_next_14_days(plan):
    screen = first_screen.first_screen(plan, TODAY)
    assert [m.title for m in screen.overdue] == titles(plan, CHAIR, GRID)  # 14 then 24 September
    assert [m.title for m in screen.coming_up] == titles(plan, *COMING)  # by due date, then plan order
    assert not screen.nothing_due


def test_the_window_ends_14_days_ahead(plan):
    shadow = plan.milestones[SHADOW]
    shadow.due_date = date(2026, 10, 12)  # TODAY + 14 days: in
    assert shadow in first_screen.first_screen(plan, TODAY).coming_up
    shadow.due_date = date(2026, 10, 13)  # TODAY + 15 days: not yet
    assert shadow not in first_screen.first_screen(plan, TODAY).coming_up
    shadow.due_date = TODAY  # due today is not overdue yet
    screen = first_screen.first_screen(plan, TODAY)
    assert screen.coming_up[0] is shadow and shadow not in screen.overdue


def test_phases_keep_done_milestones_apart(plan):
    phases = first_screen.phases(plan)
    assert [(len(p.open), len(p.done)) for p in phases] == [(0, 2), (8, 6), (10, 0), (5, 0), (3, 0)]
    assert [m.position for m in phases[1].open] == [7, 9, 10, 11, 12, 13, 14, 15]  # plan order within a phase
    assert sum(p.total for p in phases) == 34


def test_next_checkin_from_the_cadence_then_from_the_last_checkin(plan, cast):
    # No check-in yet: due 14 days after the start, 21 September, a week ago.
    screen = first_screen.first_screen(plan, TODAY)
    assert (screen.next_checkin, screen.checkin_overdue, screen.last_checkin) == (date(2026, 9, 21), True, None)
    db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 9, 18), rag="amber",
                           summary="Settling in.", actions="Book the remaining interviews.",
                           next_checkin_on=date(2026, 10, 2)))
    db.session.commit()
    db.session.refresh(plan)
    screen = first_screen.first_screen(plan, TODAY)
    assert (screen.next_checkin, screen.checkin_overdue) == (date(2026, 10, 2), False)
    assert screen.last_checkin.actions == "Book the remaining interviews."


def test_a_paused_plan_is_not_chased_and_a_closed_one_has_nothing_due(plan, cast):
    plans.pause(plan, cast["hr"], on=date(2026, 9, 25))
    screen = first_screen.first_screen(plan, TODAY)
    assert screen.checkin_overdue is False and len(screen.overdue) == 2
    plan.status = "active"
    plans.close(plan, cast["hr"], "withdrawn")
    screen = first_screen.first_screen(plan, TODAY)
    assert (screen.overdue, screen.coming_up, screen.next_checkin, screen.checkin_overdue) == ([], [], None, False)
    assert len(screen.phases) == 5


def test_welcome_names_the_leaders_first_open_milestones(plan, cast):
    welcome = first_screen.welcome(cast["leader_a"], plan)
    assert [m.title for m in welcome.first_steps] == titles(plan, CHAIR, GRID)
    assert first_screen.welcome(cast["sponsor_a"], plan) is None  # only the leader is welcomed
    assert first_screen.dismiss_welcome(cast["leader_a"], "192.0.2.1") is True
    assert first_screen.dismiss_welcome(cast["leader_a"]) is False  # once is enough
    db.session.commit()
    assert first_screen.welcome(cast["leader_a"], plan) is None
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.welcome_dismiss")).all()
    leader_id = cast["leader_a"].id
    assert [(e.actor_id, e.object_type, e.object_id, e.remote_addr) for e in events] == [
        (leader_id, "user", leader_id, "192.0.2.1")]


# --- My plan -------------------------------------------------------------------------------------


def _summary_keys(page: str, after: str) -> list[str]:
    start = page.index(after)
    block = page[start:page.index("</dl>", start)]
    return re.findall(r'class="nhsuk-summary-list__key"\s*>\s*(.*?)\s*</dt>', block, re.S)


def test_my_plan_puts_what_needs_doing_first(plan, cast, client, login):
    db.session.add(CheckIn(plan=plan, sponsor=cast["sponsor_a"], held_on=date(2026, 9, 18), rag="amber",
                           summary="Settling in.", actions="Book the remaining interviews.",
                           next_checkin_on=date(2026, 10, 2)))
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    chair, grid, leads, governance = (str(escape(t)) for t in titles(plan, CHAIR, GRID, LEADS, GOVERNANCE))
    assert in_order(page, 'id="welcome"', 'id="overdue"', chair, grid, 'id="coming-up"', leads, governance,
                    'id="next-checkin"', "2 October 2026, with Sponsor A", "Book the remaining interviews.",
                    'id="about"', 'id="phases"')
    assert not in_order(page, 'id="overdue"', grid, chair, 'id="coming-up"')  # by due date, not plan order
    # The compact summary: no row naming the leader to themselves, no nine rows.
    assert _summary_keys(page, 'id="about"') == ["Sponsor", "Mentor", "Week", "Done"]
    assert "Week 4 of 26" in page and "<strong>24%</strong> (8 of 34 milestones done, 2 overdue)" in page
    assert 'href="mailto:sponsor.a@example.nhs.uk"' in page


def test_done_milestones_are_folded_into_a_details_per_phase(plan, cast, client, login):
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    phases = page[page.index('id="phases"'):page.index('id="checkins"')]
    folded = re.findall(r"<details.*?</details>", phases, re.S)
    assert len(folded) == 2
    assert "Show 2 done milestones in" in folded[0] and "Show 6 done milestones in" in folded[1]
    # By link, not title: a title's abbreviations are marked up on first use (the glossary).
    for position in DONE:
        link = f'href="/plans/{plan.id}/milestones/{plan.milestones[position].id}"'
        assert sum(link in d for d in folded) == 1, plan.milestones[position].key
    assert f'href="/plans/{plan.id}/milestones/{plan.milestones[GRID].id}"' not in "".join(folded)


def test_nothing_due_says_so(plan, cast, client, login):
    for m in plan.milestones:
        if m.position in (CHAIR, GRID, *COMING):
            plans.complete_milestone(m, cast["hr"], note="Done.")
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Nothing is overdue or due in the next 14 days." in page
    assert 'id="overdue"' not in page and 'id="coming-up"' not in page


def test_welcome_shows_until_dismissed(plan, cast, client, login):
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Welcome to your onboarding plan" in page
    for expected in (plan.playbook_version.title,
                     "6 months, from 7 September 2026 to 7 March 2027", "Sponsor A", "sponsor.a@example.nhs.uk",
                     "Mentor A", "mentor.a@example.nhs.uk", "about every 14 days"):
        assert str(escape(expected)) in page, expected
    first_steps = page[page.index("What to do first"):page.index("</ul>", page.index("What to do first"))]
    assert [str(escape(t)) in first_steps for t in titles(plan, CHAIR, GRID, LEADS)] == [True, True, False]

    response = client.post("/my-plan/welcome/dismiss")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-plan")
    assert "Welcome to your onboarding plan" not in text(client.get("/my-plan"))
    login(cast["leader_a"])  # signed out and in again: still dismissed
    assert "Welcome to your onboarding plan" not in text(client.get("/my-plan"))
    assert db.session.get(User, cast["leader_a"].id).welcome_dismissed_at is not None


def test_a_forged_dismissal_changes_nothing(plan, cast, app, client, login):
    login(cast["leader_a"])
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/my-plan/welcome/dismiss", data={"csrf_token": "forged"}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    assert "Welcome to your onboarding plan" in text(client.get("/my-plan"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "user.welcome_dismiss")) == 0


def test_no_welcome_on_a_closed_plan_or_for_other_readers(plan, cast, client, login):
    login(cast["sponsor_a"])
    page = text(client.get(f"/plans/{plan.id}"))
    assert "Welcome to your onboarding plan" not in page
    # The sponsor's view of the plan has the same order.
    assert in_order(page, 'id="overdue"', 'id="coming-up"', 'id="about"', 'id="phases"')
    plans.close(plan, cast["hr"], "completed")
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Welcome to your onboarding plan" not in page and "What needs doing" not in page


def test_a_paused_plan_says_why(plan, cast, client, login):
    plan.status, plan.paused_on = "paused", date(2026, 9, 25)
    plan.pause_reason, plan.expected_return_on = "Long-term sick leave", date(2026, 11, 2)
    db.session.commit()
    login(cast["leader_a"])
    page = text(client.get("/my-plan"))
    assert "Paused since 25 September 2026: Long-term sick leave. Expected back 2 November 2026" in page


# --- in a real browser, on a phone, with axe -----------------------------------------------------


@pytest.mark.browser
def test_first_screen_in_a_browser_on_a_phone(live_server, page, monkeypatch):
    from playwright.sync_api import expect  # imported only when a browser test runs

    from onboarding import playbooks

    from .conftest import PASSWORD, ROOT, assert_accessible, make_user

    monkeypatch.setattr(plans, "today", lambda: TODAY)
    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        leader, sponsor = make_user("leader@example.nhs.uk", "Lee Leader"), make_user("sponsor@example.nhs.uk", "Sam Sponsor")
        mentor, hr = make_user("mentor@example.nhs.uk", "Mo Mentor"), make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, start=date(2026, 9, 7), months=6,
                                 version=playbooks.get_playbook("cdio-cio-26-weeks").latest)
        db.session.commit()
        shape(plan, hr)
        chair, grid = titles(plan, CHAIR, GRID)
        coming = titles(plan, *COMING)
        first_done, pre_boarding = plan.milestones[0].title, plan.milestones[0].phase_title

    def sign_in():
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill("leader@example.nhs.uk")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/my-plan")

    def fits_a_phone():
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.set_viewport_size({"width": 375, "height": 812})
    sign_in()
    welcome = page.get_by_role("heading", name="Welcome to your onboarding plan")
    expect(welcome).to_be_visible()
    fits_a_phone()
    assert_accessible(page)

    # Overdue (by due date), then due in the next 14 days, then the phases; done ones out of sight.
    needs_doing = page.locator("#overdue + .nhsuk-task-list, #coming-up + .nhsuk-task-list").locator(".nhsuk-task-list__link")
    assert needs_doing.all_inner_texts() == [chair, grid, *coming]
    done_link = page.get_by_role("link", name=first_done)
    expect(done_link).to_be_hidden()
    folded = page.locator("summary", has_text=f"Show 2 done milestones in {pre_boarding}")
    tops = [page.locator(sel).first.bounding_box()["y"] for sel in ("#overdue", "#coming-up")] + [folded.bounding_box()["y"]]
    assert tops == sorted(tops)

    # The keyboard reaches the folded milestones: Tab from the last link before the phases, Enter, Tab.
    page.get_by_role("link", name="Add a milestone to this plan").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    expect(done_link).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == first_done
    fits_a_phone()
    assert_accessible(page)

    # Dismissed for good: after signing out and in again too.
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My plan")
    expect(welcome).to_have_count(0)
    fits_a_phone()
    assert_accessible(page)
    page.get_by_role("button", name="Log out").click()
    sign_in()
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    expect(welcome).to_have_count(0)
