"""Stored and reflected HTML injection: text that users write is shown escaped everywhere.

Every free-text field a user can write, on the pages (HR's playbook upload and editor,
users, new plans and tokens; the leader's evidence, stakeholders, interviews and goals;
the sponsor's check-ins) and through the API (check-ins, evidence), is filled with markup.
Then every page of the access table's route list is opened as the plan's leader,
sponsor, mentor and HR: no page may contain the markup as markup, and each field's
escaped text shows on at least one page. Emails quoting that text escape it in their
HTML part and keep it as written in their plain-text part.
"""
from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml
from flask import url_for
from markupsafe import escape

from onboarding import nudges, plans
from onboarding.extensions import db
from onboarding.models import (
    CheckIn,
    ClinicianInterview,
    Concern,
    DirectoryEntry,
    Goal,
    Plan,
    PlaybookDraft,
    Stakeholder,
    User,
    WebhookEndpoint,
)
from onboarding.plans import planning, pulses

from .conftest import PASSWORD
from .date_input import boxes
from .nudge_helpers import parts
from .test_access_matrix import TABLE

MARKUP = "<b id=x>\"'</b><meta http-equiv=refresh>"
# A link cannot hold spaces, so its markup is written without one.
LINK_MARKUP = "\"'><b/id=x>"
RAW = ("<b id=x>", "<b/id=x>", "<meta http-equiv=refresh>")
TWICE = ("&amp;lt;", "&amp;#34;", "&amp;#39;")  # escaped twice: the reader would see "&lt;"
SLUG = "escaping-test"
LEADER_EMAIL = "escaping.leader@example.nhs.uk"
MENTOR_EMAIL = "escaping.mentor@example.nhs.uk"


def text_for(name: str) -> str:
    """What a user types into the field ``name``: its name (to find it again), then markup."""
    return f"{name} {MARKUP}"


def link_for(name: str) -> str:
    return f"https://example.nhs.uk/{name}?q={LINK_MARKUP}"


def next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or planning.is_bank_holiday(day):
        day += timedelta(days=1)
    return day


@dataclass
class World:
    """Plan P, written through the pages and the API, and what was written where."""

    plan_id: int
    people: dict
    written: dict = field(default_factory=dict)  # field name -> the text written
    pages: list = field(default_factory=list)  # (who, method, url, status, body) of HTML responses
    invites: list = field(default_factory=list)  # the invite emails, as (recipients, message)


class Browser:
    """The test client, remembering every HTML response it gets."""

    def __init__(self, client, login, world_pages: list):
        self.client = client
        self._login = login
        self.pages = world_pages
        self.who = None

    def login(self, who: str, user) -> None:
        self._login(user)
        self.who = who

    def open(self, method: str, url: str, expect: int | None = 200, **kwargs):
        response = self.client.open(url, method=method, follow_redirects=method == "POST", **kwargs)
        if expect is not None:
            assert response.status_code == expect, (method, url, response.status_code, response.get_data(as_text=True)[:2000])
        if response.mimetype == "text/html":
            self.pages.append((self.who, method, url, response.status_code, response.get_data(as_text=True)))
        return response


def _url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _playbook_file(w) -> io.BytesIO:
    def milestone(key, owner, week, phase="first", **extra):
        return {"key": key, "title": w(f"{key}-title"), "phase": phase, "category": "goal_alignment",
                "owner": owner, "week": week, **extra}

    content = {
        "slug": SLUG,
        "title": w("playbook-title"),
        "description": w("playbook-description"),
        "weeks": 13,
        "phases": [
            {"key": "first", "title": w("phase-title"), "description": w("phase-description")},
            {"key": "second", "title": w("second-phase-title")},
        ],
        "milestones": [
            milestone("hr-welcome", "hr", 0, pinned=True),
            milestone("leader-done", "leader", 1, description=w("milestone-description"),
                      evidence_prompt=w("evidence-prompt")),
            milestone("sponsor-done", "sponsor", 1),
            milestone("leader-open", "leader", 2),
            milestone("mentor-open", "mentor", 5, phase="second"),
            milestone("sponsor-open", "sponsor", 8, phase="second"),
        ],
    }
    return io.BytesIO(yaml.safe_dump(content, sort_keys=False, allow_unicode=True).encode())


def _set_password_from_invite(app, smtp, email: str, world: World, browser: Browser) -> None:
    """Follow the link in the invite email, as the invited person would, then sign HR in again
    (the test requests share the app context, so setting a password signs everyone out)."""
    messages = smtp.handler.take()
    world.invites += messages
    invite = next(msg for rcpt, msg in messages if rcpt == [email])
    path = re.search(r"/set-password/\S+", parts(invite)[0]).group(0)
    response = app.test_client().post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    browser.login("hr", world.people["hr"])


@pytest.fixture
def world(app, cast, client, login, smtp) -> World:
    """HR uploads and edits a playbook, invites a mentor, starts plan P for a new leader and
    issues an API token; the leader fills in their records and evidence; the sponsor logs
    check-ins on the page and through the API. Every free-text field holds markup."""
    app.config.update(smtp.config())
    world = World(plan_id=0, people={"sponsor": cast["sponsor_a"], "hr": cast["hr"]})
    browser = Browser(client, login, world.pages)

    def w(name: str, value: str | None = None) -> str:
        world.written[name] = value if value is not None else text_for(name)
        return world.written[name]

    u = lambda endpoint, **values: _url(app, endpoint, **values)  # noqa: E731

    # HR: the playbook, as an uploaded file and then through the editor.
    browser.login("hr", cast["hr"])
    browser.open("POST", u("hr.playbook_upload"), data={"file": (_playbook_file(w), f"{SLUG}.yaml")},
                 content_type="multipart/form-data")
    milestone_fields = {"phase": "first", "category": "goal_alignment", "owner": "leader", "week": "3", "required": "y"}
    draft = browser.open("POST", u("hr.playbook_draft_start", slug=SLUG)).request.path
    browser.open("POST", f"{draft}/milestones/new", data=milestone_fields | {
        "key": "editor-added", "title": w("editor-title"), "description": w("editor-description"),
        "evidence_prompt": w("editor-evidence-prompt")})
    browser.open("GET", f"{draft}/changes")
    browser.open("POST", f"{draft}/publish")

    # HR: a mentor invited on the users page; they set a password from the invite email.
    browser.open("POST", u("hr.invite_user"), data={"name": w("mentor-name"), "email": MENTOR_EMAIL})
    _set_password_from_invite(app, smtp, MENTOR_EMAIL, world, browser)

    # HR: plan P for a new leader, previewed and then confirmed.
    today = plans.today()
    start = today - timedelta(days=today.weekday(), weeks=6)
    new_plan = {"leader": LEADER_EMAIL, "new_leader": "y", "leader_name": w("leader-name"),
                "sponsor": cast["sponsor_a"].email, "mentor": MENTOR_EMAIL, "playbook": SLUG,
                **boxes("start", start), "months": "3", "working_days": ["mon", "tue", "wed", "thu", "fri"]}
    preview = browser.open("POST", u("hr.new_plan"), data=new_plan | {"step": "preview"}).get_data(as_text=True)
    warned = re.search(r'name="warned" value="([^"]*)"', preview).group(1)  # confirmed as HR would
    browser.open("POST", u("hr.new_plan"), data=new_plan | {"step": "confirm", "warned": warned})
    plan = db.session.scalar(sa.select(Plan).join(Plan.leader).where(User.email == LEADER_EMAIL))
    world.plan_id = plan.id
    _set_password_from_invite(app, smtp, LEADER_EMAIL, world, browser)
    world.people["leader"] = db.session.scalar(sa.select(User).where(User.email == LEADER_EMAIL))
    world.people["mentor"] = db.session.scalar(sa.select(User).where(User.email == MENTOR_EMAIL))

    # HR: a later version retitles a milestone (plan P stays on version 2), and an API token.
    draft = browser.open("POST", u("hr.playbook_draft_start", slug=SLUG)).request.path
    browser.open("POST", f"{draft}/milestones/leader-open", data=milestone_fields | {"title": w("editor-retitle")})
    browser.open("GET", f"{draft}/changes")
    browser.open("POST", f"{draft}/publish")
    token_page = browser.open("POST", u("tokens_admin.issue"),
                              data={"email": cast["sponsor_a"].email, "name": w("token-name")})
    raw_token = re.search(r"onb_[A-Za-z0-9_-]+", token_page.get_data(as_text=True)).group(0)
    # A webhook endpoint's name shows on HR's list and its delivery log.
    browser.open("POST", u("hr.webhook_new"), data={"name": w("webhook-name"), "url": "https://hr.example.nhs.uk/hooks",
                                                   "events": ["plan.created"]})

    # Employee identifiers: an external id may hold any printable text (HR's user page, the plan admin page).
    browser.open("POST", u("hr.plan_identifiers", plan_id=plan.id),
                 data={"ids-esr_number": "10949595", "ids-external_id": w("plan-external-id")})
    browser.open("POST", u("hr.user_identifiers", user_id=world.people["leader"].id),
                 data={"ids-esr_number": "", "ids-external_id": w("leader-external-id")})

    # The leader: records and evidence.
    browser.login("leader", world.people["leader"])
    browser.open("POST", u("leader.new_stakeholder", plan_id=plan.id), data={
        "name": w("stakeholder-name"), "role": w("stakeholder-role"), "organisation": w("stakeholder-organisation"),
        "power": "5", "interest": "4", "stance": "neutral", "notes": w("stakeholder-notes")})
    browser.open("POST", u("leader.new_interview", plan_id=plan.id), data={
        "name": w("interview-name"), "role": w("interview-role"), "specialty": w("interview-specialty"),
        **boxes("interviewed_on", today), "priorities": w("interview-priority"), "themes": w("interview-theme"),
        "follow_up": w("interview-follow-up")})
    browser.open("POST", u("leader.new_goal", plan_id=plan.id), data={
        "title": w("goal-title"), "objective": w("goal-objective"), "measure": w("goal-measure"),
        "status": "on_track"})
    browser.open("POST", u("leader.nominate_peer_mentor", plan_id=plan.id), data={
        "name": w("peer-mentor-name"), "email": "peer.mentor@example.nhs.uk"})  # invited: a new user
    open_pulse = pulses.open_pulse(plan, today)  # week 6 of a plan in its seventh week
    browser.open("POST", u("leader.pulse", plan_id=plan.id, pulse_key=open_pulse.key), data={
        **dict.fromkeys(("expectations", "sponsor_support", "reach", "belonging", "confidence"), "4"),
        "comment": w("pulse-comment"), "share": "y"})
    browser.open("POST", u("leader.new_concern", plan_id=plan.id), data={
        "text": w("concern-text"), "share_with_mentor": "y"})
    done = next(m for m in plan.milestones if m.key == "leader-done")
    browser.open("POST", u("leader.complete_milestone", plan_id=plan.id, milestone_id=done.id), data={
        "evidence_note": w("evidence-note"), "evidence_link": w("evidence-link", link_for("evidence-link"))})

    browser.open("POST", u("sponsor.prepare_checkin", plan_id=plan.id), data={
        "leader_agenda": w("leader-agenda"), "leader_reflection": w("leader-reflection")})

    # The sponsor: a check-in on the page, another and a milestone's evidence through the API.
    browser.login("sponsor", cast["sponsor_a"])
    browser.open("POST", u("sponsor.new_checkin", plan_id=plan.id), data={
        **boxes("held_on", today), "rag": "amber", "summary": w("checkin-summary"),
        "private_note": w("checkin-private-note"), "actions": w("checkin-actions"),
        **boxes("next_checkin_on", today + timedelta(days=14))})
    headers = {"Authorization": f"Bearer {raw_token}"}
    response = client.post(f"/api/v1/plans/{plan.id}/checkins", headers=headers, json={
        "held_on": (today - timedelta(days=7)).isoformat(), "rag": "green", "summary": w("api-checkin-summary"),
        "private_note": w("api-checkin-private-note"), "actions": w("api-checkin-actions")})
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/plans/{plan.id}/milestones/sponsor-done/complete", headers=headers, json={
        "evidence_note": w("api-evidence-note"), "evidence_link": w("api-evidence-link", link_for("api-evidence-link"))})
    assert response.status_code == 200, response.get_json()
    browser.login("leader", world.people["leader"])  # the leader answers the check-in that holds their agenda
    answered = db.session.scalars(sa.select(CheckIn.id).where(CheckIn.plan_id == plan.id, CheckIn.leader_agenda.is_not(None))).one()
    browser.open("POST", u("sponsor.respond_checkin", plan_id=plan.id, checkin_id=answered), data={
        "respond-acknowledge": "y", "respond-leader_response": w("leader-response")})
    browser.login("sponsor", cast["sponsor_a"])

    # Pages that answer a POST with the text sent or stored: a refused check-in shows what
    # was typed; the editor names the milestone that cannot move; a rebase previews titles.
    browser.open("POST", u("sponsor.new_checkin", plan_id=plan.id), expect=400,
                 data={**boxes("held_on", today), "summary": w("refused-checkin-summary")})
    browser.login("hr", cast["hr"])
    draft = browser.open("POST", u("hr.playbook_draft_start", slug=SLUG)).request.path
    browser.open("POST", f"{draft}/milestones/hr-welcome/up", expect=400)
    latest = plan.playbook_version.playbook.latest
    browser.open("POST", u("hr.rebase_plan", plan_id=plan.id), data={"rebase-version": str(latest.id)})
    concern_id = db.session.scalar(sa.select(Concern.id).where(Concern.plan_id == plan.id))
    browser.open("POST", u("leader.follow_up_concern", plan_id=plan.id, concern_id=concern_id),
                 data={"note": w("concern-follow-up")})
    # An upload with problems lists them; the owner it names is the one typed.
    refused = yaml.safe_dump({"slug": SLUG, "title": text_for("refused-playbook"), "weeks": 13, "phases": [],
                              "milestones": [{"key": "x", "owner": text_for("refused-owner")}]}).encode()
    browser.open("POST", u("hr.playbook_upload"), expect=400, data={"file": (io.BytesIO(refused), f"{SLUG}.yaml")},
                 content_type="multipart/form-data")
    return world


def _page_urls(app, world: World) -> list[str]:
    """Every GET route of the access table, with every object of plan P it can show."""
    plan = db.session.get(Plan, world.plan_id)
    playbook = plan.playbook_version.playbook
    choices = {
        "plan_id": [plan.id],
        "milestone_id": [m.id for m in plan.milestones],
        "checkin_id": list(db.session.scalars(sa.select(CheckIn.id).where(CheckIn.plan_id == plan.id))),
        "slug": [playbook.slug],
        "number": [v.number for v in playbook.versions],
        "key": [t.key for t in playbook.latest.templates],
        "draft_id": list(db.session.scalars(sa.select(PlaybookDraft.id))),  # HR's open draft of the playbook
        "phase_key": [p["key"] for p in playbook.latest.phases],
        "user_id": [plan.leader_id, plan.sponsor_id, plan.mentor_id],  # the deactivation page names their plans
        "pulse_key": [slot.key for slot in pulses.schedule(plan)],
        "entry_id": list(db.session.scalars(sa.select(DirectoryEntry.id))),  # HR's who's who (none typed here)
        "concern_id": list(db.session.scalars(sa.select(Concern.id).where(Concern.plan_id == plan.id))),
        "endpoint_id": list(db.session.scalars(sa.select(WebhookEndpoint.id))),  # HR's webhook endpoints
    }
    records = {"stakeholder": Stakeholder, "interview": ClinicianInterview, "goal": Goal}
    urls = []
    for endpoint, spec in TABLE.items():
        if not spec or "GET" not in spec[0]:
            continue
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        names = sorted(rule.arguments)
        options = []
        for name in names:
            if name == "record_id":
                model = next(m for kind, m in records.items() if kind in endpoint)
                options.append(list(db.session.scalars(sa.select(model.id).where(model.plan_id == plan.id))))
            else:
                assert name in choices, f"{endpoint}: say which values of {name} the escaping crawl should open"
                options.append(choices[name])
        for combination in itertools.product(*options):
            urls.append(_url(app, endpoint, **dict(zip(names, combination))))
    return urls


def _found(pages, needles) -> list[str]:
    found = []
    for who, method, url, status, body in pages:
        for raw in needles:
            at = body.find(raw)
            if at >= 0:
                snippet = " ".join(body[max(0, at - 120):at + 60].split())
                found.append(f"{who} {method} {url} ({status}): …{snippet}…")
                break
    return found


@pytest.mark.real_commits
def test_every_page_shows_user_text_escaped_for_every_role(app, world, client, login, smtp):
    # A sweep while the mail server is down leaves nudges queued, for HR's outbox page.
    smtp.stop()
    nudges.sweep(next_working_day(plans.today()))
    browser = Browser(client, login, world.pages)
    urls = _page_urls(app, world)
    for who in ("leader", "sponsor", "mentor", "hr"):
        browser.login(who, world.people[who])
        for url in urls:
            browser.open("GET", url, expect=None)

    found = _found(world.pages, RAW)
    if found:
        pytest.fail("\n".join([f"{len(found)} pages show user text as markup:", *found]), pytrace=False)
    found = _found(world.pages, TWICE)
    if found:
        pytest.fail("\n".join([f"{len(found)} pages escape user text twice:", *found]), pytrace=False)
    bodies = [body for *_, body in world.pages]
    unseen = [name for name, value in world.written.items() if not any(str(escape(value)) in b for b in bodies)]
    assert not unseen, f"these fields are shown on no page (as escaped text): {unseen}"

    # Each role reads the plan's people, milestones and check-ins as text; the sponsor and HR
    # also read the private notes, which the leader and mentor never get, escaped or not.
    page = {(who, url): body for who, method, url, _, body in world.pages if method == "GET"}
    overview = _url(app, "leader.plan", plan_id=world.plan_id)
    checkins = _url(app, "sponsor.checkins", plan_id=world.plan_id)
    for who in ("leader", "sponsor", "mentor", "hr"):
        for name in ("leader-name", "mentor-name", "phase-title", "leader-open-title", "checkin-summary",
                     "api-checkin-actions"):
            assert str(escape(world.written[name])) in page[(who, overview)], (who, name)
        private = [str(escape(world.written[n])) in page[(who, checkins)]
                   for n in ("checkin-private-note", "api-checkin-private-note")]
        assert private == ([True, True] if who in ("sponsor", "hr") else [False, False]), who
    for who, _, url, _, body in world.pages:
        if who in ("leader", "mentor"):
            assert "checkin-private-note" not in body, (who, url)


@pytest.mark.real_commits
def test_emails_escape_user_text_in_html_and_keep_it_in_plain_text(world, smtp):
    nudges.sweep(next_working_day(plans.today()))
    messages = world.invites + smtp.handler.take()
    html = [parts(msg)[1] for _, msg in messages]
    text = [parts(msg)[0] for _, msg in messages]
    for (_, msg), body in zip(messages, html):
        assert not any(raw in body for raw in RAW), (msg["To"], msg["Subject"], body)
    for name in ("leader-name", "mentor-name", "leader-open-title", "mentor-open-title", "checkin-actions",
                 "api-checkin-actions"):
        value = world.written[name]
        assert any(str(escape(value)) in body for body in html), f"{name} is in no email's HTML part"
        assert any(value in body for body in text), f"{name} is not written as typed in any plain-text part"
    for name in ("checkin-private-note", "api-checkin-private-note"):  # the leader's actions email leaves them out
        assert not any(name in body for body in html + text), f"{name} is in an email"
