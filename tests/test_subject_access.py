"""Access review (who can see what) and subject access (everything held about one person), issue 17:
a sponsor's bundle holds their check-ins but no other sponsor's private note and no leader's
equality answers; the command writes the files; every export is audited."""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import AuditEvent, PlanSupporter
from onboarding.people import access_review, equality, subject_access, tokens
from onboarding.plans import checkins, concerns, records

from .conftest import counting_statements, make_user

MINE = "Sponsor A's own note: she needs a quick win"
THEIRS = "Sponsor B's note on plan B: board unsure"
EARLIER = "Sponsor B's note while covering plan A"
CONCERN = "I have not met my sponsor for a month"


def _log(plan, sponsor, private, days_ago):
    held = plans.today() - timedelta(days=days_ago)
    return checkins.log_checkin(plan, sponsor, checkins.CheckInInput(held, "green", f"Summary by {sponsor.name}", private))


def _seeded(cast):
    """Plan A's check-ins by its sponsor and (while covering) sponsor B; plan B's by sponsor B; the
    leader's equality answers, a private stakeholder note and a concern; sponsor A's API token."""
    plan_a, plan_b = cast["plan_a"], cast["plan_b"]
    sponsor_a, sponsor_b, leader, hr = cast["sponsor_a"], cast["other_sponsor"], cast["leader_a"], cast["hr"]
    plans.reassign(plan_a, hr, sponsor=sponsor_b, mentor=plan_a.mentor)
    _log(plan_a, sponsor_b, EARLIER, 20)
    plans.reassign(plan_a, hr, sponsor=sponsor_a, mentor=plan_a.mentor)
    _log(plan_a, sponsor_a, MINE, 6)
    _log(plan_b, sponsor_b, THEIRS, 5)
    equality.save(leader, {"sex": "female", "disability": "yes", "sector": "private"})
    records.create("stakeholder", plan_a, leader, {"name": "Graham Pike", "notes": "Sceptical of the EPR bid",
                                                   "notes_private": True, "power": 5, "interest": 4})
    concerns.raise_concern(plan_a, leader, CONCERN, False)
    tokens.create(sponsor_a, "reporting", actor=hr)
    db.session.commit()


def test_a_sponsors_bundle_holds_their_checkins_but_no_one_elses_private_note(cast):
    _seeded(cast)
    sponsor = cast["sponsor_a"]
    data = subject_access.gather(sponsor)
    text = subject_access.to_json(data) + subject_access.to_html(data)

    assert [p["roles"] for p in data["plans"]] == [["Executive sponsor"]]
    assert [(c["plan_id"], c["private_note"]) for c in data["checkins"]] == [(cast["plan_a"].id, MINE)]
    for other in (THEIRS, EARLIER, CONCERN, "Sceptical of the EPR bid"):
        assert other not in text, other
    # The leader's equality answers are the leader's alone; the sponsor gave none.
    assert data["equality_answers"] == {"held": False, "where": "They have given none."}
    assert "Female" not in text and "Private sector" not in text
    # No secret: neither the password's nor the token's hash, nor the security stamp.
    token_hash = db.session.scalar(sa.select(sa.text("token_hash")).select_from(sa.table("api_token")))
    for secret in (sponsor.password_hash, token_hash, sponsor.security_stamp):
        assert secret not in text
    assert [t["name"] for t in data["account"]["api_tokens"]] == ["reporting"]
    assert "Issued an API token" not in [e["action"] for e in data["audit_events"] if e["by_them"]]


def test_a_leaders_bundle_holds_their_records_and_answers_but_not_the_sponsors_notes(cast):
    _seeded(cast)
    data = subject_access.gather(cast["leader_a"])
    text = subject_access.to_json(data)
    assert [p["roles"] for p in data["plans"]] == [["Leader"]]
    # Both check-ins about plan A, without either sponsor's private note.
    assert sorted(c["logged_by"] for c in data["checkins"]) == ["Sponsor A", "Sponsor B"]
    assert all("private_note" not in c for c in data["checkins"])
    assert MINE not in text and EARLIER not in text
    assert [s["notes"] for s in data["stakeholders"] if s["name"] == "Graham Pike"] == ["Sceptical of the EPR bid"]
    assert [c["text"] for c in data["concerns"]] == [CONCERN]
    # That they answered, and where they see the answers: never the answers, which the service
    # shows to no one else (HR downloads this bundle).
    assert data["equality_answers"]["held"] is True and "account page" in data["equality_answers"]["where"]
    assert "Female" not in text and "female" not in text and "Private sector" not in text
    assert [e["action"] for e in data["audit_events"] if e["by_them"]] == [
        "Changed their equality answers", "Added a stakeholder", "Raised a concern"]


def test_hr_downloads_the_bundle_and_the_download_is_audited(cast, client, login):
    _seeded(cast)
    hr, sponsor = cast["hr"], cast["sponsor_a"]
    login(hr)
    found = client.get("/hr/subject-access", query_string={"email": " Sponsor.A@example.nhs.uk "})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/hr/users/{sponsor.id}/data")
    page = re.sub(r"<[^>]+>", "", html.unescape(client.get(f"/hr/users/{sponsor.id}/data").get_data(as_text=True)))
    assert "Executive sponsor on the plan for Leader A (active)" in page
    response = client.get(f"/hr/users/{sponsor.id}/data.zip")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        assert sorted(bundle.namelist()) == ["data.json", "index.html"]
        data = json.loads(bundle.read("data.json"))
        assert MINE in html.unescape(bundle.read("index.html").decode())
    assert data["account"]["email"] == sponsor.email
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.subject_access")).one()
    assert (event.actor_id, event.object_id, event.detail) == (hr.id, sponsor.id, {"via": "page"})

    missing = client.get("/hr/subject-access", query_string={"email": "nobody@example.nhs.uk"})
    assert missing.status_code == 400
    assert "No user has the email address nobody@example.nhs.uk" in missing.get_data(as_text=True)


def test_the_command_writes_the_files_and_is_audited(cast, runner, tmp_path):
    _seeded(cast)
    out = tmp_path / "request-42"
    result = runner.invoke(args=["users", "export", "--email", "sponsor.a@example.nhs.uk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"Wrote {out / 'data.json'}", f"Wrote {out / 'index.html'}"]
    data = json.loads((out / "data.json").read_text())
    assert [c["private_note"] for c in data["checkins"]] == [MINE]
    page = (out / "index.html").read_text()
    assert "<script" not in page and MINE in html.unescape(page)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.subject_access")).one()
    assert (event.actor_id, event.detail) == (None, {"via": "command line"})

    unknown = runner.invoke(args=["users", "export", "--email", "nobody@example.nhs.uk"])
    assert unknown.exit_code != 0 and "No user has the email address nobody@example.nhs.uk" in unknown.output


def test_a_deactivated_persons_data_is_still_found(cast):
    _seeded(cast)
    sponsor_b = cast["other_sponsor"]
    sponsor_b.active = False
    db.session.commit()
    data = subject_access.gather(sponsor_b)
    assert [p["roles"] for p in data["plans"]] == [["Executive sponsor"]]  # plan B
    assert sorted(c["private_note"] for c in data["checkins"]) == sorted([THEIRS, EARLIER])


def test_the_access_review_lists_each_users_roles_and_plans(cast, client, login):
    plan_a = cast["plan_a"]
    buddy = make_user("buddy@example.nhs.uk", "Bea Buddy")
    db.session.add(PlanSupporter(plan_id=plan_a.id, user_id=buddy.id, role="buddy"))
    db.session.commit()
    people = {p.user.email: p for p in access_review.review()}

    def reach(email):
        return [(r.plan.leader.name, r.roles) for r in people[email].plans]

    assert reach("sponsor.a@example.nhs.uk") == [("Leader A", ["Executive sponsor"])]
    assert reach("sponsor.b@example.nhs.uk") == [("Leader B", ["Executive sponsor"])]
    assert reach("buddy@example.nhs.uk") == [("Leader A", ["Buddy"])]
    assert reach("mentor.a@example.nhs.uk") == [("Leader A", ["Mentor"])]
    assert people["hr@example.nhs.uk"].hr and reach("hr@example.nhs.uk") == []

    login(cast["hr"])
    body = client.get("/hr/access-review.csv").get_data(as_text=True)
    lines = body.splitlines()
    assert lines[0] == "Name,Email,HR rights,Plan,Plan of,Plan status,Roles on the plan"
    assert f"Bea Buddy,buddy@example.nhs.uk,No,{plan_a.id},Leader A,active,Buddy" in lines
    assert "Helen HR,hr@example.nhs.uk,Yes,Every plan,,,HR" in lines
    page = re.sub(r"<[^>]+>", "", html.unescape(client.get("/hr/access-review").get_data(as_text=True)))
    assert "Buddy on the plan for Leader A (active)" in page


def test_the_access_reviews_queries_do_not_grow_with_the_users(cast):
    def statements() -> int:
        with counting_statements() as counted:
            access_review.review()
        return len(counted)

    before = statements()
    for n in range(5):
        buddy = make_user(f"buddy{n}@example.nhs.uk")
        db.session.add(PlanSupporter(plan_id=cast["plan_b"].id, user_id=buddy.id, role="peer_mentor"))
    db.session.commit()
    assert statements() == before


def test_the_bundle_names_the_persons_identifiers_and_whether_two_factor_is_on(cast):
    leader, plan = cast["leader_a"], cast["plan_a"]
    leader.esr_number, plan.esr_number, plan.external_id = "10949595", "10949595-2", "HR-0042"
    db.session.commit()
    data = subject_access.gather(leader)
    assert (data["account"]["esr_number"], data["account"]["two_factor"]) == ("10949595", {"on": False, "recovery_codes_left": 0})
    assert [(p["esr_number"], p["external_id"]) for p in data["plans"]] == [("10949595-2", "HR-0042")]
    # The sponsor's bundle names the plan but not the leader's identifiers for it.
    assert "esr_number" not in subject_access.gather(cast["sponsor_a"])["plans"][0]
    assert "10949595-2" in subject_access.to_html(data) and "Two factor" in subject_access.to_html(data)
