"""Deactivating a sponsor or mentor of open plans (issue 10, item 7): refused with the list
of those plans until HR reassigns them; the cohort flags open plans whose sponsor or mentor
is deactivated however it happened. Deactivation is asked for on a page of its own that
shows what the person is part of (issue 11, item 4)."""
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, Plan, User
from onboarding.people import user_admin
from onboarding.people.accounts import AccountError
from onboarding.plans import cohort


def deactivations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "user.deactivate"))


def is_active(user) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).active


@pytest.mark.parametrize("who", ["sponsor_a", "mentor_a"])
def test_deactivating_the_sponsor_or_mentor_of_an_active_plan_is_refused_with_the_plan(cast, who):
    with pytest.raises(AccountError) as refused:
        user_admin.set_active(cast[who], False, cast["hr"])
    db.session.rollback()
    assert refused.value.field == "user"
    assert [p.id for p in refused.value.plans] == [cast["plan_a"].id]
    assert "1 open plan (Leader A)" in str(refused.value) and "reassign" in str(refused.value)
    assert is_active(cast[who]) and deactivations() == 0


def test_paused_plans_count_and_closed_plans_do_not(cast):
    plan_b = cast["plan_b"]
    plan_b.status, plan_b.paused_on = "paused", date(2026, 10, 1)
    db.session.commit()
    with pytest.raises(AccountError) as refused:
        user_admin.set_active(cast["other_sponsor"], False, cast["hr"])
    db.session.rollback()
    assert [p.id for p in refused.value.plans] == [plan_b.id]

    plan_b.status, plan_b.paused_on = "withdrawn", None
    db.session.commit()
    user_admin.set_active(cast["other_sponsor"], False, cast["hr"])
    db.session.commit()
    assert not is_active(cast["other_sponsor"]) and deactivations() == 1


def test_a_refused_deactivation_lists_the_plans_and_deactivation_works_after_reassigning(cast, client, login):
    plan, sponsor = cast["plan_a"], cast["sponsor_a"]
    login(cast["hr"])

    refused = client.post(f"/hr/users/{sponsor.id}/deactivate")

    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Sponsor A sponsors, mentors or supports 1 open plan (Leader A)" in page
    assert f'href="/hr/plans/{plan.id}#reassign">Leader A\'s plan</a>' in page
    assert "(sponsor, active)" in page
    assert is_active(sponsor)
    assert 'id="reassign"' in client.get(f"/hr/plans/{plan.id}").get_data(as_text=True)

    moved = client.post(f"/hr/plans/{plan.id}/reassign", data={
        "reassign-sponsor": "sponsor.b@example.nhs.uk", "reassign-mentor": "mentor.a@example.nhs.uk"})
    assert moved.status_code == 302
    assert client.post(f"/hr/users/{sponsor.id}/deactivate").status_code == 302
    assert not is_active(sponsor)
    assert db.session.get(Plan, plan.id).sponsor.email == "sponsor.b@example.nhs.uk"


def test_the_cohort_flags_open_plans_whose_sponsor_or_mentor_is_deactivated(cast, client, login):
    plan_a, plan_b = cast["plan_a"], cast["plan_b"]
    # However it happened (before this rule, or straight in the database).
    db.session.get(User, cast["sponsor_a"].id).active = False
    db.session.get(User, cast["mentor_a"].id).active = False
    db.session.commit()

    page = cohort.page(cohort.Filters(), today=date(2026, 10, 19))
    assert page.inactive_people == {plan_a.id: ["sponsor", "mentor"]}

    login(cast["hr"])
    html = client.get("/hr/cohort").get_data(as_text=True)
    assert html.count("Sponsor deactivated: reassign") == 1 and html.count("Mentor deactivated: reassign") == 1

    plan_a.status = "completed"  # a closed plan needs nobody
    plan_b.sponsor.active = False
    db.session.commit()
    assert cohort.page(cohort.Filters(), today=date(2026, 10, 19)).inactive_people == {plan_b.id: ["sponsor"]}


# --- the confirmation page (issue 11, item 4) ----------------------------------------------------


def page_text(response) -> str:
    import html

    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def test_deactivation_asks_for_confirmation_and_lists_the_persons_plans(cast, client, login):
    leader_b, plan_b = cast["leader_b"], cast["plan_b"]
    login(cast["hr"])

    users = client.get("/hr/users").get_data(as_text=True)
    assert f'href="/hr/users/{leader_b.id}/deactivation">Deactivate' in users  # a link to the page, not a button
    page = page_text(client.get(f"/hr/users/{leader_b.id}/deactivation"))

    assert "Deactivate Leader B?" in page
    assert f'<a href="/hr/plans/{plan_b.id}">Their own plan</a> (active, 7 September 2026 to 7 March 2027)' in page
    assert "Plans they sponsor</h2> <p>None.</p>" in page and "Plans they mentor</h2> <p>None.</p>" in page
    assert "1 as leader, 0 as sponsor, 0 as mentor" in page
    assert "HR rights </dt> <dd class=\"nhsuk-summary-list__value\" > No" in page
    assert '<button class="nhsuk-button nhsuk-button--warning" type="submit">Deactivate Leader B</button>' in page
    assert is_active(leader_b) and deactivations() == 0, "showing the page changes nothing"

    assert client.post(f"/hr/users/{leader_b.id}/deactivate").status_code == 302
    assert not is_active(leader_b) and deactivations() == 1
    assert client.get(f"/hr/users/{leader_b.id}/deactivation").status_code == 404  # nobody to deactivate now


def test_the_confirmation_page_of_a_sponsor_of_open_plans_offers_no_deactivate_button(cast, client, login):
    sponsor, plan_a = cast["sponsor_a"], cast["plan_a"]
    plans_closed = cast["plan_b"]
    plans_closed.sponsor = sponsor  # a closed plan they sponsored is listed but needs nobody
    plans_closed.status = "completed"
    db.session.commit()
    login(cast["hr"])

    page = page_text(client.get(f"/hr/users/{sponsor.id}/deactivation"))

    assert "Reassign Sponsor A's plans first" in page
    assert f'<a href="/hr/plans/{plan_a.id}#reassign">Leader A\'s plan</a> (sponsor, active)' in page
    assert f'<a href="/hr/plans/{plans_closed.id}">Leader B\'s plan</a> (completed,' in page
    assert "0 as leader, 2 as sponsor, 0 as mentor" in page
    assert "nhsuk-button--warning" not in page and "Deactivate Sponsor A</button>" not in page


def test_the_confirmation_page_says_when_someone_has_hr_rights_and_mentors(cast, client, login):
    mentor = cast["mentor_a"]
    mentor.is_hr = True
    db.session.commit()
    login(cast["hr"])
    page = page_text(client.get(f"/hr/users/{mentor.id}/deactivation"))
    assert "Yes: they can start plans, edit playbooks and manage users" in page
    assert f'<a href="/hr/plans/{cast["plan_a"].id}#reassign">Leader A\'s plan</a> (mentor, active)' in page


@pytest.mark.parametrize("who", ["leader_a", "sponsor_a", "mentor_a"])
def test_the_confirmation_page_is_hr_only(cast, client, login, who):
    login(cast[who])
    assert client.get(f"/hr/users/{cast['leader_b'].id}/deactivation").status_code == 404
