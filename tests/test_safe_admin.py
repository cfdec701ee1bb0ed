"""Safe admin actions (issue 11, item 4): start-a-plan warns and asks to confirm, invites the
sponsor and mentor too; pause asks why and until when (shown to the leader and sponsor);
resume offers the expected return date; extend previews its new dates; the people pickers'
search. Deactivation's confirmation page is in test_deactivation.py."""
from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Plan, User
from onboarding.plans import plan_start

from .conftest import make_user


def plan_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Plan.id)))


def form(leader, start=date(2026, 10, 5), **overrides):
    """A start-a-plan form with nothing unusual about it (for a leader without an open plan)."""
    data = {"leader": leader, "sponsor": "sponsor.a@example.nhs.uk", "mentor": "mentor.a@example.nhs.uk",
            "playbook": "compressed-13-weeks", "start-day": str(start.day), "start-month": str(start.month),
            "start-year": str(start.year), "months": "3", "working_days": ["mon", "wed", "thu"]}
    return data | overrides


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def summary_links(page: str) -> list[tuple[str, str]]:
    """The error summary's (anchor, message) links."""
    summary = page[page.find("nhsuk-error-summary"):page.find("</ul>", page.find("nhsuk-error-summary"))]
    return [(a, " ".join(m.split())) for a, m in re.findall(r'<a href="#([^"]+)"\s*>(.*?)</a>', summary, re.S)]


# --- start a plan: warnings -------------------------------------------------------------------

# (what differs from a plain request, the warning's field, its message): worked out by hand.
# Leader B's plan B started on Monday 7 September 2026; 6 October 2026 is a Tuesday, 28 December
# 2026 the Boxing Day substitute bank holiday; the 13-week playbook over 6 months from 5 October
# 2026 (to 5 April 2027, 182 days) runs 26 weeks; it has a milestone the mentor owns.
WARNINGS = [
    ({"leader": "leader.b@example.nhs.uk"}, "leader",
     "Leader B already has an open plan, which started Monday 7 September 2026: this would be a second one"),
    ({"start-day": "6"}, "start", "The start date, Tuesday 6 October 2026, is not one of the leader's working days"),
    ({"start-day": "28", "start-month": "12"}, "start", "The start date, Monday 28 December 2026, is a bank holiday"),
    ({"months": "6"}, "months", "The playbook is written for 13 weeks and this plan runs 6 months (26 weeks): "
                                "its milestones will be spread out to fit"),
    ({"mentor": ""}, "mentor", "The playbook Compressed three-month transition (13 weeks) has milestones for a "
                               "mentor, and no mentor is chosen: nobody will be asked to do them"),
]


@pytest.mark.parametrize("change, field, message", WARNINGS)
def test_each_warning_is_shown_and_confirming_creates_the_plan(cast, client, login, change, field, message):
    make_user("lee@example.nhs.uk", "Lee New")
    login(cast["hr"])
    before = plan_count()

    preview = client.post("/hr/plans/new", data=form("lee@example.nhs.uk", step="preview") | change)

    page = text(preview)
    assert preview.status_code == 200
    assert f'<li id="warning-{field}">{message}.</li>' in page
    assert page.count('<li id="warning-') == 1, "only this warning"
    assert "Create the plan anyway" in page and f'name="warned" value="{field}"' in page
    assert plan_count() == before, "a preview saves nothing"

    created = client.post("/hr/plans/new", data=form("lee@example.nhs.uk", step="confirm", warned=field) | change)

    assert created.status_code == 302
    assert plan_count() == before + 1


def test_confirming_without_having_seen_a_warning_shows_it_and_creates_nothing(cast, client, login):
    """A warning that was not on the preview HR confirmed (here: no preview at all) is shown first."""
    login(cast["hr"])
    before = plan_count()
    response = client.post("/hr/plans/new", data=form("leader.b@example.nhs.uk", step="confirm"))
    assert response.status_code == 200
    assert "Leader B already has an open plan" in text(response)
    assert plan_count() == before


def test_cancel_or_change_creates_nothing(cast, client, login):
    login(cast["hr"])
    before = plan_count()
    preview = text(client.post("/hr/plans/new", data=form("leader.b@example.nhs.uk", step="preview")))
    assert 'href="/hr/cohort">Cancel</a>' in preview
    back = client.post("/hr/plans/new", data=form("leader.b@example.nhs.uk", step="edit", warned="leader"))
    assert back.status_code == 200 and "Preview the plan" in text(back)
    assert 'value="leader.b@example.nhs.uk"' in text(back), "the form keeps what was chosen"
    assert plan_count() == before


def test_a_plain_plan_has_no_warnings(cast):
    make_user("lee@example.nhs.uk", "Lee New")
    checked = plan_start.check(leader="lee@example.nhs.uk", sponsor="sponsor.a@example.nhs.uk",
                               mentor="mentor.a@example.nhs.uk", playbook="compressed-13-weeks",
                               start=date(2026, 10, 5), months=3, working_days=["mon", "wed", "thu"])
    assert plan_start.warnings(checked) == []


def test_hr_invites_a_new_sponsor_and_mentor_with_the_plan(cast, client, login):
    from onboarding.nudges import mail

    make_user("lee@example.nhs.uk", "Lee New")
    login(cast["hr"])
    data = form("lee@example.nhs.uk", step="confirm", sponsor="Sara.Sponsor@example.nhs.uk", new_sponsor="y",
                sponsor_name="Sara Sponsor", mentor="max.mentor@example.nhs.uk", new_mentor="y", mentor_name="Max Mentor")

    response = client.post("/hr/plans/new", data=data, follow_redirects=True)

    assert response.status_code == 200
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.id.desc())).first()
    assert (plan.sponsor.email, plan.sponsor.name) == ("sara.sponsor@example.nhs.uk", "Sara Sponsor")
    assert (plan.mentor.email, plan.mentor.name) == ("max.mentor@example.nhs.uk", "Max Mentor")
    assert plan.sponsor.password_hash is None and plan.mentor.password_hash is None
    page = text(response)
    assert "Sara Sponsor is invited and has been emailed" in page and "Max Mentor is invited and has been emailed" in page
    sent_to = {m["To"] for m in mail.memory_outbox()}
    assert {"sara.sponsor@example.nhs.uk", "max.mentor@example.nhs.uk"} <= sent_to


def test_inviting_someone_who_already_has_an_account_is_refused(cast, client, login):
    login(cast["hr"])
    before = (plan_count(), db.session.scalar(sa.select(sa.func.count(User.id))))
    response = client.post("/hr/plans/new", data=form("leader.b@example.nhs.uk", step="preview", new_sponsor="y",
                                                      sponsor="mentor.a@example.nhs.uk", sponsor_name="Someone",
                                                      mentor=""))
    assert response.status_code == 400
    assert 'href="#sponsor"' in text(response)
    assert "Someone already has the email mentor.a@example.nhs.uk" in text(response)
    assert (plan_count(), db.session.scalar(sa.select(sa.func.count(User.id)))) == before


def test_a_new_mentor_needs_an_email_address_and_a_name(cast, client, login):
    login(cast["hr"])
    data = form("leader.b@example.nhs.uk", step="preview", mentor="", new_mentor="y")
    no_name = client.post("/hr/plans/new", data=data | {"mentor_name": ""})
    assert no_name.status_code == 400
    assert summary_links(text(no_name)) == [("mentor_name", "Enter the new mentor's full name")]
    no_email = client.post("/hr/plans/new", data=data | {"mentor_name": "Max Mentor"})
    assert no_email.status_code == 400
    assert summary_links(text(no_email)) == [("mentor", "Enter the new mentor's email address")]


# --- pause and resume -------------------------------------------------------------------------


def pause_form(reason="Parental leave", back=date(2027, 1, 5)):
    data = {"pause-reason": reason}
    if back:
        data |= {"pause-expected_return_on-day": str(back.day), "pause-expected_return_on-month": str(back.month),
                 "pause-expected_return_on-year": str(back.year)}
    return data


@pytest.mark.parametrize("data, anchor, message", [
    (pause_form(reason=""), "pause-reason", "Enter why the plan is paused"),
    (pause_form(reason="   "), "pause-reason", "Enter why the plan is paused"),
    (pause_form(reason="x" * 501), "pause-reason", "The reason must be 500 characters or fewer"),
    (pause_form(back=date(2026, 12, 3)), "pause-expected_return_on-day", "The expected return date must be after 3 December 2026"),
    (pause_form(back=date(2027, 1, 2)), "pause-expected_return_on-day",  # a Saturday
     "The expected return date must be one of the leader's working days, not a weekend or bank holiday"),
    (pause_form(back=date(2027, 1, 1)), "pause-expected_return_on-day",  # New Year's Day
     "The expected return date must be one of the leader's working days, not a weekend or bank holiday"),
])
def test_pause_without_a_good_reason_or_return_date_is_refused_next_to_the_field(cast, client, login, monkeypatch,
                                                                                data, anchor, message):
    monkeypatch.setattr(plans, "today", lambda: date(2026, 12, 3))
    login(cast["hr"])
    plan_id = cast["plan_a"].id
    response = client.post(f"/hr/plans/{plan_id}/pause", data=data)
    assert response.status_code == 400
    page = text(response)
    assert summary_links(page) == [(anchor, message)]
    assert f'id="{anchor.removesuffix("-day")}-error"' in page or f'id="{anchor}-error"' in page
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.status, plan.pause_reason, plan.expected_return_on) == ("active", None, None)


def test_the_domain_refuses_a_pause_without_a_reason(cast):
    with pytest.raises(plans.PlanError) as refused:
        plans.pause(cast["plan_a"], cast["hr"], reason=" ", on=date(2026, 12, 3))
    assert (refused.value.field, str(refused.value)) == ("reason", "Enter why the plan is paused")
    assert cast["plan_a"].status == "active"


def test_the_reason_and_return_date_show_to_the_leader_and_sponsor_and_in_json(cast, client, login, monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: date(2026, 12, 3))
    plan_id = cast["plan_a"].id
    login(cast["hr"])
    assert client.post(f"/hr/plans/{plan_id}/pause", data=pause_form()).status_code == 302
    assert "Paused since 3 December 2026: Parental leave. Expected back 5 January 2027" in text(client.get(f"/hr/plans/{plan_id}"))

    for who in ("leader_a", "sponsor_a"):
        login(cast[who])
        page = " ".join(text(client.get(f"/plans/{plan_id}")).split())
        assert "Paused since 3 December 2026: Parental leave. Expected back 5 January 2027" in page, who

    db.session.expire_all()
    shown = plans.as_json(db.session.get(Plan, plan_id))
    assert (shown["status"], shown["pause_reason"], shown["expected_return_on"]) == ("paused", "Parental leave", "2027-01-05")


def test_resume_offers_the_expected_return_date_and_clears_the_pause(cast, client, login, monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: date(2026, 12, 3))
    plan_id = cast["plan_a"].id
    login(cast["hr"])
    client.post(f"/hr/plans/{plan_id}/pause", data=pause_form())

    monkeypatch.setattr(plans, "today", lambda: date(2027, 1, 7))  # back two days after the expected date
    page = text(client.get(f"/hr/plans/{plan_id}"))
    for part, value in (("day", "5"), ("month", "1"), ("year", "2027")):
        assert f'name="resume-on-{part}" type="text" value="{value}"' in page or \
            f'id="resume-on-{part}" name="resume-on-{part}" type="text" value="{value}"' in page, part

    future = client.post(f"/hr/plans/{plan_id}/resume", data={"resume-on-day": "8", "resume-on-month": "1", "resume-on-year": "2027"})
    assert future.status_code == 400 and "The return date cannot be after today, 7 January 2027" in text(future)
    early = client.post(f"/hr/plans/{plan_id}/resume", data={"resume-on-day": "2", "resume-on-month": "12", "resume-on-year": "2026"})
    assert early.status_code == 400
    assert summary_links(text(early)) == [("resume-on-day", "The return date cannot be before the pause, 3 December 2026")]

    resumed = client.post(f"/hr/plans/{plan_id}/resume", data={"resume-on-day": "5", "resume-on-month": "1", "resume-on-year": "2027"},
                          follow_redirects=True)
    # Paused from Thursday 3 December to Tuesday 5 January: 3, 4, 7-11, 14-18, 21-24, 29-31 December
    # and 4 January are working days (25, 28 December and 1 January are bank holidays): 20.
    assert "Open milestones moved on by 20 working days" in text(resumed)
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.status, plan.paused_on, plan.pause_reason, plan.expected_return_on) == ("active", None, None, None)


# --- extend -----------------------------------------------------------------------------------


def test_extend_previews_the_new_dates_then_confirms(cast, client, login):
    version = playbooks.get_playbook("compressed-13-weeks").latest
    plan = plans.create_plan(leader=cast["leader_b"], sponsor=cast["sponsor_a"], version=version,
                             start=date(2026, 9, 7), months=4)
    db.session.commit()
    old = [m.due_date for m in plan.milestones]
    # No milestone is done, so the new dates are those of a new 5-month plan (Start a plan's preview).
    expected = plans.preview(version, date(2026, 9, 7), 5)
    assert [m.due for m in expected] != old
    login(cast["hr"])

    preview = client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": "5"})

    page = text(preview)
    assert preview.status_code == 200 and "Extend the plan to 5 months" in page
    assert "7 September 2026 to 7 February 2027 (5 months)" in page
    for item in expected:
        assert f"{item.due:%A} {item.due.day} {item.due:%B %Y}" in page
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.months == 4 and [m.due_date for m in plan.milestones] == old, "a preview saves nothing"

    done = client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": "5", "extend-confirmed": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.months == 5 and [m.due_date for m in plan.milestones] == [m.due for m in expected]


# --- the people pickers' search ---------------------------------------------------------------


def test_people_search_matches_names_and_emails(cast, client, login):
    make_user("zoe.zed@example.nhs.uk", "Zoë Alder")
    gone = make_user("sam.old@example.nhs.uk", "Sam Sponsorson")
    gone.active = False
    db.session.commit()
    login(cast["hr"])

    def found(q):
        response = client.get("/hr/people.json", query_string={"q": q})
        assert response.status_code == 200
        return [p["email"] for p in response.get_json()]

    assert found("sponsor") == ["sponsor.a@example.nhs.uk", "sponsor.b@example.nhs.uk"]  # names first; never the deactivated
    assert found("ALDER") == ["zoe.zed@example.nhs.uk"]
    assert found("zoe.zed@") == ["zoe.zed@example.nhs.uk"]
    assert found("%") == [] and found("_") == [] and found("") == []
    assert client.get("/hr/people.json?q=Leader").get_json() == [
        {"name": "Leader A", "email": "leader.a@example.nhs.uk"}, {"name": "Leader B", "email": "leader.b@example.nhs.uk"}]


def test_people_search_is_hr_only(cast, client, login):
    assert client.get("/hr/people.json?q=a").status_code == 302  # sign in first
    for who in ("leader_a", "sponsor_a", "mentor_a"):
        login(cast[who])
        assert client.get("/hr/people.json?q=a").status_code == 404, who


def add_users(n: int, start: int) -> None:
    db.session.execute(sa.insert(User), [
        {"email": f"bulk{i}@example.nhs.uk", "name": f"Bulk Person {i:05d}", "active": True, "is_hr": False,
         "security_stamp": f"stamp{i}", "timezone": "Europe/London", "nudge_mode": "all"}
        for i in range(start, start + n)])
    db.session.commit()


# Real commits: the joined test session's SAVEPOINTs would be counted as queries.
@pytest.mark.real_commits
def test_people_search_returns_at_most_20_in_the_same_statements_with_5000_users(app, cast, client, login):
    from .test_hr_pages import _count_queries

    login(cast["hr"])
    add_users(10, 0)
    few = _count_queries(app, client, "/hr/people.json?q=bulk")
    add_users(4990, 10)
    many = _count_queries(app, client, "/hr/people.json?q=bulk")
    assert few == many
    body = json.loads(client.get("/hr/people.json?q=bulk").get_data())
    assert len(body) == 20
    assert body[0] == {"name": "Bulk Person 00000", "email": "bulk0@example.nhs.uk"}
    assert client.get("/hr/people.json?q=bulk4999").get_json() == [{"name": "Bulk Person 04999", "email": "bulk4999@example.nhs.uk"}]
    # The start-a-plan page no longer lists everyone: its size does not grow with the users.
    page = client.get("/hr/plans/new").get_data(as_text=True)
    assert "bulk4999" not in page and 'id="people-list"' not in page and 'list="people-list"' not in page


def test_without_javascript_a_small_organisation_is_suggested_by_the_browser(cast, client, login):
    """Up to 200 active people: a <datalist> the browser suggests from as the email is typed."""
    login(cast["hr"])
    for url in ("/hr/plans/new", f"/hr/plans/{cast['plan_a'].id}"):
        page = client.get(url).get_data(as_text=True)
        assert '<option value="sponsor.a@example.nhs.uk">Sponsor A</option>' in page, url
        assert page.count('list="people-list"') == 3, url  # new plan: 3 roles; a plan: sponsor, mentor, supporter
