"""Every route, as every kind of person, against the access table in docs/architecture.md.

Each case names the people allowed; everyone else signed in gets 404 (they may not
know the object exists) or 403 (they can read the plan but not do this). Anonymous
users are sent to sign in. A new route must be added here, or the completeness test fails.
Plan A also has a buddy, an executive assistant and a peer mentor (PlanSupporter rows), who
read it as its mentor does.
"""
from __future__ import annotations

import pytest

from onboarding.extensions import db
from onboarding.hooks import webhooks
from onboarding.models import CheckIn, ClinicianInterview, Goal, Nudge, PlanSupporter, Stakeholder
from onboarding.playbooks import drafts
from onboarding.web import NAV  # noqa: F401  (the nav endpoints are routes too)

from .conftest import make_user

SUPPORTERS = ("buddy_a", "assistant_a", "peer_a")
PEOPLE = ("leader_a", "leader_b", "sponsor_a", "other_sponsor", "mentor_a", "hr") + SUPPORTERS
READERS = {"leader_a", "sponsor_a", "mentor_a", "hr"} | set(SUPPORTERS)
EVERYONE = set(PEOPLE)

# endpoint -> (methods, allowed people, people who may read the plan and so get 403 rather than 404)
PLAN_READ = ("GET",), READERS, set()
LEADER_EDIT = ("GET", "POST"), {"leader_a"}, READERS - {"leader_a"}
LEADER_POST = ("POST",), {"leader_a"}, READERS - {"leader_a"}
SPONSOR_EDIT = ("GET", "POST"), {"sponsor_a"}, READERS - {"sponsor_a"}
HR_GET = ("GET",), {"hr"}, set()
HR_POST = ("POST",), {"hr"}, set()
HR_BOTH = ("GET", "POST"), {"hr"}, set()
OWN_PAGE = ("GET",), EVERYONE, set()

TABLE = {
    "main.home": OWN_PAGE,
    "leader.my_plan": OWN_PAGE,
    "leader.dismiss_welcome": (("POST",), EVERYONE, set()),
    "sponsor.dashboard": OWN_PAGE,
    "mentor.plans": OWN_PAGE,
    "mentor.supporting": OWN_PAGE,
    "account.settings": (("GET", "POST"), EVERYONE, set()),
    "account.password": (("GET", "POST"), EVERYONE, set()),
    "calendar.account": (("GET", "POST"), EVERYONE, set()),
    "account.equality_answers": (("GET", "POST"), EVERYONE, set()),  # each their own answers only
    "account.delete_equality_answers": (("GET", "POST"), EVERYONE, set()),
    # Two-factor (issue 15): each their own set-up and switching off; HR's user page, reset and setting.
    "two_factor.setup": (("GET", "POST"), EVERYONE, set()),
    "two_factor.switch_off": (("GET", "POST"), EVERYONE, set()),
    "hr.user_details": HR_GET,
    "hr.user_identifiers": HR_POST,
    "hr.reset_two_factor": HR_POST,
    "hr.unlink_sso": HR_POST,
    "hr.two_factor_policy": HR_POST,
    "hr.plan_identifiers": HR_POST,
    "leader.plan": PLAN_READ,
    "leader.milestone": PLAN_READ,
    "leader.stakeholders": PLAN_READ,
    "leader.interviews": PLAN_READ,
    "leader.goals": PLAN_READ,
    "sponsor.checkins": PLAN_READ,
    "exports.plan_csv": PLAN_READ,
    "exports.plan_print": PLAN_READ,
    "leader.new_stakeholder": LEADER_EDIT,
    "leader.edit_stakeholder": LEADER_EDIT,
    "leader.remove_stakeholder": LEADER_EDIT,
    "leader.new_interview": LEADER_EDIT,
    "leader.edit_interview": LEADER_EDIT,
    "leader.remove_interview": LEADER_EDIT,
    "leader.new_goal": LEADER_EDIT,
    "leader.edit_goal": LEADER_EDIT,
    "leader.remove_goal": LEADER_EDIT,
    "leader.nominate_peer_mentor": LEADER_EDIT,
    "leader.pulse": (("GET", "POST"), {"leader_a"}, {"sponsor_a", "hr"}),  # others on the plan: 404
    "leader.pulses": (("GET",), {"leader_a", "sponsor_a", "hr"}, set()),  # the sponsor: shared answers only
    # Milestones: the owner role on the plan, or HR for any (see the milestone cases below).
    "leader.complete_milestone": None,
    "leader.reopen_milestone": None,
    # Tailoring: HR on any milestone, the leader only on milestones they added (milestone_id is a
    # playbook one; tests/test_tailoring_pages.py covers the leader's own); adding, HR or the leader.
    "leader.add_milestone": (("GET", "POST"), {"hr", "leader_a"}, READERS - {"hr", "leader_a"}),
    "leader.milestone_not_applicable": (("POST",), {"hr"}, READERS - {"hr"}),
    "leader.milestone_applicable": (("POST",), {"hr"}, READERS - {"hr"}),
    "leader.change_milestone": (("POST",), {"hr"}, READERS - {"hr"}),
    # Concerns: the leader raises one; plan A's (shared with the mentor) is read by the leader, HR and
    # the mentor, never the sponsor or supporters (404: they may not know it exists); HR follows up.
    "leader.new_concern": LEADER_EDIT,
    "leader.concern": (("GET",), {"leader_a", "hr", "mentor_a"}, set()),
    "leader.follow_up_concern": (("POST",), {"hr"}, {"leader_a", "mentor_a"}),
    "sponsor.new_checkin": SPONSOR_EDIT,
    "sponsor.edit_checkin": SPONSOR_EDIT,
    # Two-sided check-ins: the leader prepares and responds; the leader or the sponsor ticks actions done.
    "sponsor.prepare_checkin": LEADER_POST,
    "sponsor.respond_checkin": LEADER_POST,
    "sponsor.checkin_actions": (("POST",), {"leader_a", "sponsor_a"}, READERS - {"leader_a", "sponsor_a"}),
    "hr.cohort": HR_GET,
    "hr.cohort_csv": HR_GET,
    "hr.equity": HR_GET,
    "hr.equity_csv": HR_GET,
    "hr.attention": HR_GET,
    "hr.new_plan": HR_BOTH,
    "hr.plan_admin": HR_GET,
    "hr.reassign": HR_POST,
    "hr.add_supporter": HR_POST,
    "hr.remove_supporter": HR_POST,
    "hr.pause": HR_POST,
    "hr.resume": HR_POST,
    "hr.extend": HR_POST,
    "hr.close": HR_POST,
    "hr.rebase_plan": HR_POST,
    "hr.playbooks": HR_GET,
    "hr.playbook": HR_GET,
    "hr.playbook_version": HR_GET,
    "hr.playbook_yaml": HR_GET,
    "hr.playbook_upload": HR_POST,
    "hr.playbook_draft_start": HR_POST,
    "hr.playbook_copy": HR_BOTH,
    "hr.playbook_new": HR_BOTH,
    "hr.draft": HR_GET,
    "hr.draft_details": HR_BOTH,
    "hr.draft_milestone_add": HR_BOTH,
    "hr.draft_milestone_edit": HR_BOTH,
    "hr.draft_milestone_action": HR_POST,
    "hr.draft_phase_add": HR_BOTH,
    "hr.draft_phase_edit": HR_BOTH,
    "hr.draft_phase_action": HR_POST,
    "hr.draft_changes": HR_GET,
    "hr.draft_publish": HR_POST,
    "hr.draft_discard": HR_POST,
    "hr.users": HR_GET,
    "hr.invite_user": HR_POST,
    "hr.user_action": HR_POST,
    "hr.confirm_deactivate": HR_GET,
    "hr.people_search": HR_GET,
    "hr.directory": HR_GET,
    "hr.directory_add": HR_BOTH,
    "hr.directory_edit": HR_BOTH,
    "hr.directory_remove": HR_BOTH,
    "hr.directory_move": HR_POST,
    "hr.directory_suggested": HR_POST,
    "outbox.index": HR_GET,
    "outbox.resend": HR_POST,
    "outbox.sent": HR_GET,
    "tokens_admin.index": HR_GET,
    "tokens_admin.issue": HR_POST,
    "tokens_admin.revoke": HR_POST,
    # Audit review, access review and subject access (issue 17): HR only, 404 for everyone else.
    "hr.audit": HR_GET,
    "hr.audit_csv": HR_GET,
    "hr.plan_history": HR_GET,
    "hr.access_review_page": HR_GET,
    "hr.access_review_csv": HR_GET,
    "hr.subject_access_search": HR_GET,
    "hr.subject_access_person": HR_GET,
    "hr.subject_access_download": HR_GET,
    # Teams and webhooks (issue 15): the choice is each person's own; the rest is HR's.
    "account.nudge_channel": (("POST",), EVERYONE, set()),
    "hr.integrations": HR_BOTH,
    "hr.plan_teams": HR_BOTH,
    "hr.webhook_new": HR_BOTH,
    "hr.webhook_log": HR_GET,
    "hr.webhook_delete": HR_BOTH,
    # Who's who in NHS digital (issue 14): every signed-in user reads it; HR replaces and downloads it.
    "reference.whos_who": OWN_PAGE,
    "hr.whos_who_upload": HR_POST,
    "hr.whos_who_yaml": HR_GET,
}

# Reached without a session, or with a bearer token: tested in their own files.
NOT_SESSION_ROUTES = {
    "static", "nhsuk_assets", "nhsuk_dist", "main.health", "main.accessibility",
    "auth.login", "auth.logout", "auth.set_password", "auth.reset_password", "auth.forgotten_password", "calendar.feed",
    # The second step of a password sign-in: signed out, with a right password (tests/test_two_factor.py).
    "two_factor.code",
    # Single sign-on's start and the provider's answer: anyone signed out (tests/test_sso.py, test_sso_browser.py).
    "sso.login", "sso.callback",
    # Operations: readiness is public (states and times only); /metrics answers a bearer token or an
    # allowed address and no session, so is 404 to everyone else (tests/test_operations.py).
    "ops.ready", "ops.metrics",
    # The glossary: open to anyone, signed in or not (nothing personal; emails link to it; tests/test_glossary.py).
    "reference.glossary",
}


@pytest.fixture
def cast(cast):
    """The shared cast, plus plan A's buddy, executive assistant and peer mentor, and three of
    its leader's milestones made known: one plain, one delegable (the assistant may complete
    it), one given to the buddy."""
    plan = cast["plan_a"]
    for key, role, name in (("buddy_a", "buddy", "Buddy A"), ("assistant_a", "assistant", "Assistant A"),
                            ("peer_a", "peer_mentor", "Peer A")):
        cast[key] = make_user(f"{key.replace('_', '.')}@example.nhs.uk", name)
        db.session.add(PlanSupporter(plan_id=plan.id, user_id=cast[key].id, role=role))
    plain, delegable, buddy = [m for m in plan.milestones if m.owner == "leader"][:3]
    plain.delegable, delegable.delegable = False, True
    buddy.owner, buddy.delegable = "buddy", False
    db.session.commit()
    cast["milestones"] = {"leader": plain, "leader_delegable": delegable, "buddy": buddy}
    return cast


def test_every_route_is_in_the_table(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    api = {r for r in routes if r.startswith("api.")}
    missing = routes - set(TABLE) - NOT_SESSION_ROUTES - api
    assert not missing, f"add these routes to the access table: {sorted(missing)}"
    assert not set(TABLE) - routes, f"routes in the table that no longer exist: {sorted(set(TABLE) - routes)}"


def _objects(cast):
    """Objects of plan A for the URL parameters."""
    plan = cast["plan_a"]
    stakeholder = Stakeholder(plan_id=plan.id, name="Dr Ruth", power=5, interest=5)
    interview = ClinicianInterview(plan_id=plan.id, name="Dr Shah", interviewed_on=plan.start_date, priorities=["x"], themes=["y"])
    goal = Goal(plan_id=plan.id, title="Faster log-in")
    checkin = CheckIn(plan_id=plan.id, sponsor_id=cast["sponsor_a"].id, held_on=plan.start_date, rag="green", summary="Fine", private_note="secret")
    from onboarding.models import DirectoryEntry

    entry = DirectoryEntry(role="Caldicott Guardian", name="Dr Peter Lang")
    db.session.add_all([stakeholder, interview, goal, checkin, entry])
    db.session.flush()
    nudge = Nudge(recipient_id=cast["leader_a"].id, kind="overdue", subject_type="milestone", subject_id=plan.milestones[5].id,
                  period="1", plan_id=plan.id, milestone_id=plan.milestones[5].id, recorded_on=plan.start_date, status="failed",
                  attempts=5, last_error="connection refused")
    db.session.add(nudge)
    from onboarding.plans import concerns

    concern = concerns.raise_concern(plan, cast["leader_a"], "Worried about support", True)
    from onboarding.people import tokens

    token_row = tokens.create(cast["hr"], "matrix", actor=cast["hr"])[0] if hasattr(tokens, "create") else None
    db.session.commit()
    version = plan.playbook_version
    return {
        "plan_id": plan.id,
        "milestone_id": plan.milestones[5].id,
        "record_id": None,  # filled per endpoint
        "checkin_id": checkin.id,
        "nudge_id": nudge.id,
        "token_id": getattr(token_row, "id", 1),
        "user_id": cast["leader_b"].id,
        "slug": version.playbook.slug,
        "number": version.number,
        "key": version.templates[3].key,
        "draft_id": drafts.start(version.playbook, cast["hr"])[0].id,  # HR's draft of plan A's playbook
        "phase_key": version.phases[0]["key"],
        "supporter_id": next(s.id for s in plan.supporters if s.role == "peer_mentor"),
        "pulse_key": "2",
        "action": None,  # filled per endpoint
        "entry_id": entry.id,
        "concern_id": concern.id,
        "endpoint_id": webhooks.register("HR system", "https://hr.example.nhs.uk/hooks", ["plan.created"],
                                         cast["hr"])[0].id,
        "_records": {"stakeholder": stakeholder.id, "interview": interview.id, "goal": goal.id},
    }


def _url(app, endpoint, values):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    params = {}
    for arg in rule.arguments:
        if arg == "record_id":
            kind = next(k for k in ("stakeholder", "interview", "goal") if k in endpoint)
            params[arg] = values["_records"][kind]
        elif arg == "action":
            params[arg] = {"hr.draft_milestone_action": "down", "hr.draft_phase_action": "down", "hr.user_action": "deactivate", "hr.directory_move": "down"}[endpoint]
        else:
            params[arg] = values[arg]
    with app.test_request_context():
        return url_for(endpoint, **params)


def _check(client, login, cast, method, url, person, allowed, readers_forbidden):
    if person is None:
        client.post("/logout")
    else:
        login(cast[person])
    response = client.open(url, method=method, data={})
    if person is None:
        assert response.status_code in (302, 401), (method, url, "anonymous", response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
        return
    status = response.status_code
    if person in allowed:
        assert status in (200, 302, 400), (method, url, person, status)
        if status == 302:
            assert "/login" not in response.headers["Location"], (method, url, person)
    elif person in readers_forbidden:
        assert status in (403, 404) and status == 403, (method, url, person, status)
    else:
        assert status == 404, (method, url, person, status)


CASES = [(endpoint, method) for endpoint, spec in TABLE.items() if spec for method in spec[0]]


@pytest.mark.parametrize("endpoint, method", CASES)
def test_route_outcomes(app, cast, client, login, endpoint, method):
    methods, allowed, readers_forbidden = TABLE[endpoint]
    values = _objects(cast)
    url = _url(app, endpoint, values)
    # Refused people first: they change nothing, so the allowed ones still find the objects.
    order = [None] + [p for p in PEOPLE if p not in allowed] + [p for p in PEOPLE if p in allowed]
    for person in order:
        _check(client, login, cast, method, url, person, allowed, readers_forbidden)


# Who besides HR may complete or reopen a milestone of each kind: its owner role's holder; a
# delegable leader milestone also the assistant (for the leader); a buddy's the buddy.
OWNER_OF = {"leader": {"leader_a"}, "leader_delegable": {"leader_a", "assistant_a"}, "sponsor": {"sponsor_a"},
            "mentor": {"mentor_a"}, "hr": set(), "buddy": {"buddy_a"}}


@pytest.mark.parametrize("owner", list(OWNER_OF))
@pytest.mark.parametrize("endpoint", ["leader.complete_milestone", "leader.reopen_milestone"])
def test_milestone_changes_follow_the_owner_role(app, cast, client, login, owner, endpoint):
    values = _objects(cast)
    milestone = cast["milestones"].get(owner) or next(m for m in cast["plan_a"].milestones if m.owner == owner)
    values["milestone_id"] = milestone.id
    url = _url(app, endpoint, values)
    allowed = {"hr"} | OWNER_OF[owner]
    order = [None] + [p for p in PEOPLE if p not in allowed] + [p for p in PEOPLE if p in allowed]
    for person in order:
        _check(client, login, cast, "POST", url, person, allowed, READERS - allowed)


@pytest.mark.parametrize("who, home, links", [
    ("leader_a", "/my-plan", ["My plan"]),
    ("sponsor_a", "/sponsor", ["My leaders"]),
    ("mentor_a", "/mentoring", ["Mentoring"]),
    ("buddy_a", "/supporting", ["Supporting"]),
    ("assistant_a", "/supporting", ["Supporting"]),
    ("peer_a", "/supporting", ["Supporting"]),
])
def test_a_closed_plan_keeps_its_people_in_the_navigation(cast, client, login, who, home, links):
    """Roles come from every plan, closed ones too: a completed plan stays readable, so its
    leader, sponsor, mentor and supporters keep their link to it (and nobody gets another role's link)."""
    from onboarding import plans

    plans.close(cast["plan_a"], cast["hr"], "completed")
    db.session.commit()
    login(cast[who])
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith(home)
    page = client.get(home).get_data(as_text=True)
    for label in ("My plan", "My leaders", "Mentoring", "Supporting", "Cohort"):
        assert (f">{label}<" in page) == (label in links), label
