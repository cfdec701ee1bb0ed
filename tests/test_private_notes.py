"""A check-in's private note is for the plan's sponsor and HR, never for the leader it is
about, even a leader who also holds HR rights: not on any page, download, API response or
email."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding import plans
from onboarding.extensions import db
from onboarding.nudges import mail
from onboarding.people import tokens
from onboarding.plans import checkins

PRIVATE = "Private: worried about the board dynamics"
SHARED = "Shared: good first weeks"


@pytest.fixture
def leader_in_hr(cast):
    """Leader A also holds HR rights; plan A has a check-in with a private note."""
    cast["leader_a"].is_hr = True
    held = plans.today() - timedelta(days=3)
    checkins.log_checkin(cast["plan_a"], cast["sponsor_a"], checkins.CheckInInput(
        held, "amber", SHARED, PRIVATE, "Meet the medical director", held + timedelta(days=14)))
    db.session.commit()
    return cast


def _api(client, user, path):
    _, raw = tokens.create(user, "test")
    db.session.commit()
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {raw}"})


PAGES = ["/my-plan", "/plans/{a}", "/plans/{a}/checkins", "/plans/{a}/print", "/plans/{a}/export.csv",
         "/hr/plans/{a}", "/hr/cohort", "/hr/cohort.csv", "/hr/outbox"]


@pytest.mark.real_commits
def test_a_leader_with_hr_rights_never_sees_private_notes_about_their_own_plan(leader_in_hr, client, login, runner):
    cast = leader_in_hr
    a = cast["plan_a"].id
    login(cast["leader_a"])
    for path in PAGES:
        response = client.get(path.format(a=a))
        assert response.status_code == 200, path
        assert PRIVATE not in response.get_data(as_text=True), path
    assert SHARED in client.get(f"/plans/{a}/checkins").get_data(as_text=True)  # the shared part is theirs to read

    listed = _api(client, cast["leader_a"], f"/plans/{a}/checkins").get_json()["items"]
    assert [c["summary"] for c in listed] == [SHARED] and "private_note" not in listed[0]

    # Every email the nudge sweeps send over the plan's months (check-in reminders and sponsor
    # digests included), whoever they go to.
    for day in (date(2026, 10, 5), date(2026, 11, 2), date(2026, 12, 7)):
        assert runner.invoke(args=["nudges", "run", "--today", day.isoformat()]).exit_code == 0
    sent = mail.memory_outbox()
    assert sent and all(PRIVATE not in message.as_string() for message in sent)


def test_hr_still_reads_private_notes_and_so_does_a_leader_in_hr_on_someone_elses_plan(leader_in_hr, client, login):
    cast = leader_in_hr
    a = cast["plan_a"].id
    cast["leader_b"].is_hr = True
    db.session.commit()
    for who in ("hr", "leader_b", "sponsor_a"):
        login(cast[who])
        for path in (f"/plans/{a}", f"/plans/{a}/checkins"):
            assert PRIVATE in client.get(path).get_data(as_text=True), (who, path)
        assert _api(client, cast[who], f"/plans/{a}/checkins").get_json()["items"][0]["private_note"] == PRIVATE
