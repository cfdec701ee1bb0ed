"""HR's audit review (issue 17): every audited action shows on the page, each filter narrows the
rows to the ones worked out by hand, reading the trail is audited, the CSV is safe and never holds
a private note, a plan's history, and the page's queries do not grow with its rows."""
from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent
from onboarding.people import audit, audit_review, equality, tokens
from onboarding.plans import calendar_feed, checkins, concerns, records

from .conftest import queries_in_request

PRIVATE_NOTE = "Private: doubts about the board's confidence in her"
PRIVATE_STAKEHOLDER = "Thinks the EPR bid is doomed"
CONCERN = "My sponsor cancels every check-in"
FOLLOW_UP = "Spoke to the sponsor's line manager"


def _fresh_trail():
    """Start from an empty trail (in the test's own transaction), so each row is one we made."""
    db.session.execute(sa.delete(AuditEvent))
    db.session.commit()


def _csv(client, **args) -> list[dict]:
    response = client.get("/hr/audit.csv", query_string=args)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _actions(rows) -> list[str]:
    return [r["Action"] for r in rows]


def _bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_every_audited_action_shows_on_the_page_and_each_filter_narrows(cast, client, login, app):
    leader, hr, plan = cast["leader_a"], cast["hr"], cast["plan_a"]
    slug, number = plan.playbook_version.playbook.slug, plan.playbook_version.number
    _, raw = tokens.create(leader, "reporting")
    _, hr_raw = tokens.create(hr, "playbook sync")
    feed = calendar_feed.create_address(leader)
    db.session.commit()
    _fresh_trail()

    # A failed sign-in (the address tried, never the password), a sign-in, a download, a sign-out.
    assert client.post("/login", data={"email": leader.email, "password": "not the password"}).status_code == 400
    login(leader)
    assert client.get(f"/plans/{plan.id}/export.csv").status_code == 200
    assert client.get(f"/plans/{plan.id}/print").status_code == 200
    client.post("/logout")
    # The token's and the feed's first use of the day are audited; their second uses are not.
    for _ in range(2):
        assert client.get("/api/v1/plans", headers=_bearer(raw)).status_code == 200
        assert client.get(f"/calendar/{feed}.ics").status_code == 200
    login(hr)
    assert client.get("/hr/cohort.csv").status_code == 200
    assert client.get("/hr/equity.csv").status_code == 200
    assert client.get(f"/hr/playbooks/{slug}/v{number}.yaml").status_code == 200
    assert client.get(f"/api/v1/playbooks/{slug}/export", headers=_bearer(hr_raw)).status_code == 200

    page = html.unescape(client.get("/hr/audit").get_data(as_text=True))
    for label in ("Failed sign-in", "Signed in", "Downloaded a plan (CSV)", "Opened a plan's printable review",
                  "Signed out", "Used an API token (first use of the day)",
                  "Calendar app fetched the feed (first fetch of the day)", "Downloaded the cohort (CSV)",
                  "Downloaded the equity report (CSV)", "Downloaded a playbook (YAML)"):
        assert label in page, label
    assert "email: leader.a@example.nhs.uk" in page and "not the password" not in page
    assert "13 events, newest first" in page  # the view itself is noted after its query

    everything = _csv(client)  # newest first; the audit.view of the page above is in it now
    assert _actions(everything) == [
        "Read the audit trail", "Downloaded a playbook (YAML)", "Used an API token (first use of the day)",
        "Downloaded a playbook (YAML)", "Downloaded the equity report (CSV)", "Downloaded the cohort (CSV)", "Signed in",
        "Calendar app fetched the feed (first fetch of the day)", "Used an API token (first use of the day)",
        "Signed out", "Opened a plan's printable review", "Downloaded a plan (CSV)", "Signed in", "Failed sign-in"]

    # Each filter alone, the rows worked out from the list above.
    assert _actions(_csv(client, actor=leader.email)) == [
        "Calendar app fetched the feed (first fetch of the day)", "Used an API token (first use of the day)",
        "Signed out", "Opened a plan's printable review", "Downloaded a plan (CSV)", "Signed in"]
    assert [r["Email"] for r in _csv(client, action="user.login")] == [hr.email, leader.email]
    assert _actions(_csv(client, object_type="plan", object_id=plan.id)) == [
        "Opened a plan's printable review", "Downloaded a plan (CSV)"]
    assert [r["Detail"] for r in _csv(client, object_type="playbook")] == [
        f"slug: {slug}; version: {number}; via: api", f"slug: {slug}; version: {number}"]
    failed = _csv(client, action="user.login_failed")
    assert [(r["Who"], r["Object"]) for r in failed] == [("The system or an unknown person", "User")]
    assert "email: leader.a@example.nhs.uk" in failed[0]["Detail"]


def test_the_whos_who_download_is_audited(cast, client, login):
    login(cast["hr"])
    _fresh_trail()
    assert client.get("/hr/whos-who.yaml").status_code == 200
    assert [r["Action"] for r in _csv(client)] == ["Downloaded the who's who (YAML)"]


def test_the_date_range_is_whole_days_in_the_services_time_zone(cast, client, login):
    _fresh_trail()
    for at in (datetime(2026, 7, 1, 22, 30),  # 23:30 BST on 1 July
               datetime(2026, 7, 1, 23, 30),  # 00:30 BST on 2 July
               datetime(2026, 11, 1, 23, 30),  # 23:30 GMT on 1 November
               datetime(2026, 11, 2, 9, 0)):
        audit.record(cast["hr"], "plan.resume", cast["plan_a"]).at = at
    db.session.commit()
    login(cast["hr"])

    def whens(**args):
        return [r["When (UTC)"] for r in _csv(client, action="plan.resume", **args)]

    assert whens(**{"start-day": "2", "start-month": "7", "start-year": "2026"}) == [
        "2026-11-02 09:00:00", "2026-11-01 23:30:00", "2026-07-01 23:30:00"]
    assert whens(**{"end-day": "1", "end-month": "7", "end-year": "2026"}) == ["2026-07-01 22:30:00"]
    assert whens(**{"start-day": "1", "start-month": "11", "start-year": "2026",
                    "end-day": "1", "end-month": "11", "end-year": "2026"}) == ["2026-11-01 23:30:00"]


def test_filters_that_cannot_be_met_are_refused_next_to_the_field(cast, client, login):
    login(cast["hr"])
    response = client.get("/hr/audit", query_string={"actor": "nobody@example.nhs.uk", "start-day": "31",
                                                     "start-month": "2", "start-year": "2026"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "From must be a real date" in page
    response = client.get("/hr/audit", query_string={"object_id": "12a"})
    assert response.status_code == 400 and "Object number must be a whole number, like 12" in response.get_data(as_text=True)
    response = client.get("/hr/audit", query_string={"actor": "nobody@example.nhs.uk"})
    assert "No user has the email address nobody@example.nhs.uk" in response.get_data(as_text=True)
    response = client.get("/hr/audit", query_string={"start-day": "2", "start-month": "3", "start-year": "2026",
                                                     "end-day": "1", "end-month": "3", "end-year": "2026"})
    assert response.status_code == 400 and "To must be the same as or after From" in response.get_data(as_text=True)


def test_reading_the_trail_is_itself_audited(cast, client, login):
    hr, plan = cast["hr"], cast["plan_a"]
    login(hr)
    _fresh_trail()
    client.get("/hr/audit", query_string={"action": "user.login"})
    client.get("/hr/audit.csv", query_string={"action": "plan.create"})
    client.get(f"/hr/plans/{plan.id}/history")
    client.get("/hr/access-review")
    client.get("/hr/access-review.csv")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.object_id, e.detail) for e in events] == [
        ("audit.view", hr.id, None, {"filters": {"action": "user.login"}, "page": 1}),
        ("audit.export", hr.id, None, {"filters": {"action": "plan.create"}, "rows": 0}),
        ("audit.view", hr.id, plan.id, {"filters": {"plan_id": plan.id}, "page": 1}),
        ("access_review.view", hr.id, None, {"people": 6}),
        ("access_review.export", hr.id, None, {"people": 6}),
    ]


def test_a_plans_history_holds_its_own_events_and_its_parts(cast, client, login):
    plan, other, leader, hr = cast["plan_a"], cast["plan_b"], cast["leader_a"], cast["hr"]
    _fresh_trail()
    milestone = next(m for m in plan.milestones if m.owner == "leader")
    plans.complete_milestone(milestone, leader)
    records.create("goal", plan, leader, {"title": "Faster log-in"})
    plans.pause(other, hr, reason="Annual leave")
    db.session.commit()
    login(hr)
    page = html.unescape(client.get(f"/hr/plans/{plan.id}/history").get_data(as_text=True))
    assert "Completed a milestone" in page and f"/plans/{plan.id}/milestones/{milestone.id}" in page
    assert "Set a goal" in page and "name: Faster log-in" in page
    assert "Paused a plan" not in page  # plan B's
    assert f'href="/hr/plans/{plan.id}/history"' in client.get(f"/hr/plans/{plan.id}").get_data(as_text=True)


def test_the_csv_never_holds_confidential_text_and_is_injection_safe(cast, client, login):
    plan, leader, sponsor, hr = cast["plan_a"], cast["leader_a"], cast["sponsor_a"], cast["hr"]
    held = plans.today() - timedelta(days=2)
    checkin = checkins.log_checkin(plan, sponsor, checkins.CheckInInput(held, "amber", "Good start", PRIVATE_NOTE))
    checkins.update_checkin(checkin, sponsor, checkins.CheckInInput(held, "red", "Good start", PRIVATE_NOTE + " (more)"))
    stakeholder = records.create("stakeholder", plan, leader, {"name": "=HYPERLINK(\"http://x\")", "notes": PRIVATE_STAKEHOLDER,
                                                               "notes_private": True, "power": 4, "interest": 4})
    records.update("stakeholder", stakeholder, leader, {"name": "=HYPERLINK(\"http://x\")", "notes": PRIVATE_STAKEHOLDER + "!",
                                                        "notes_private": True, "power": 4, "interest": 4})
    concern = concerns.raise_concern(plan, leader, CONCERN, False)
    concerns.follow_up(concern, hr, FOLLOW_UP)
    equality.save(leader, {"sex": "female", "disability": "yes"})
    db.session.commit()
    login(hr)
    body = client.get("/hr/audit.csv").get_data(as_text=True)
    for text in (PRIVATE_NOTE, PRIVATE_STAKEHOLDER, CONCERN, FOLLOW_UP, "Female"):
        assert text not in body, text
    assert "changed: rag, private note" in body  # which fields changed, by name only
    rows = list(csv.reader(io.StringIO(body)))
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))]
    assert "name: =HYPERLINK" in body  # inside the cell, after "name: ", so never a formula
    page = client.get(f"/hr/plans/{plan.id}/history").get_data(as_text=True)
    assert PRIVATE_NOTE not in html.unescape(page) and CONCERN not in html.unescape(page)


def test_record_refuses_a_detail_that_would_hold_confidential_text(cast):
    with pytest.raises(ValueError, match="private_note"):
        audit.record(cast["hr"], "checkin.update", cast["plan_a"], private_note="anything")


def test_the_audit_pages_queries_do_not_grow_with_its_rows(cast, client, login, app):
    people = [cast[k] for k in ("leader_a", "leader_b", "sponsor_a", "other_sponsor", "mentor_a")]
    login(cast["hr"])

    def queries_with(rows: int) -> int:
        _fresh_trail()
        for n in range(rows):
            audit.record(people[n % len(people)], "plan.resume", cast["plan_a"], n=n)
        db.session.commit()
        return queries_in_request(client, "/hr/audit")

    assert queries_with(3) == queries_with(audit_review.PER_PAGE)


def test_paging_is_bounded_and_keeps_the_filters(cast, client, login):
    _fresh_trail()
    for n in range(audit_review.PER_PAGE + 3):
        audit.record(cast["hr"], "plan.resume", cast["plan_a"], n=n)
    db.session.commit()
    login(cast["hr"])
    result = audit_review.page(audit_review.Filters(action="plan.resume"), 99)
    assert (result.page, result.pages, result.total, len(result.events)) == (2, 2, 53, 3)
    assert [e.detail["n"] for e in result.events] == [2, 1, 0]
    page = client.get("/hr/audit?action=plan.resume").get_data(as_text=True)
    assert "/hr/audit?page=2&amp;action=plan.resume" in page


def test_a_day_is_the_services_day(cast):
    assert audit_review._utc(date(2026, 7, 2), "Europe/London") == datetime(2026, 7, 1, 23, 0)
    assert audit_review._utc(date(2026, 11, 2), "Europe/London") == datetime(2026, 11, 2, 0, 0)
