"""Every page each role can reach fits a 375 x 812 phone and passes axe (issue 11, item 8).

One crawl: the demo data plus what the demo leaves out (a buddy, an executive assistant and a
peer mentor, a milestone not applicable and one added, a private stakeholder note, a paused plan,
a playbook draft, sent and failed emails, API tokens), on a fixed day. Each role signs in in a
context of its own and visits every GET page of the app's URL map that is HTML, its path filled
from the seeded objects; a page the role may not see (403 or 404) is not one it can reach. On
each page every NHS.UK details/expander is opened first, then the page must be no wider than the
phone (`document.documentElement.scrollWidth <= 375`) and axe must find nothing. Every page that
fails is reported, with its widest element, not only the first."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from onboarding import plans

from .conftest import PHONE

TODAY = date(2026, 11, 25)  # a Wednesday
LONG_EMAIL = "alexandra.montgomery-fitzwilliam.executive-assistant@northshire-teaching-hospitals.nhs.uk"

# GET endpoints that answer something other than an HTML page: never measured.
NOT_HTML = {
    "static", "nhsuk_assets", "nhsuk_dist",  # files
    "main.health", "ops.ready",  # JSON
    "ops.metrics",  # Prometheus text, and 404 without its token
    "calendar.feed",  # ICS
    "exports.plan_csv", "hr.cohort_csv",  # CSV downloads
    "hr.playbook_yaml",  # YAML download
    "hr.people_search",  # JSON for the people picker
    "api.unknown", "api.openapi", "api.list_plans", "api.get_plan", "api.list_checkins", "api.get_milestone",
    "api.list_playbooks", "api.get_playbook", "api.export_playbook",  # the JSON API (api.docs is a page)
}

# Downloads, by the end of their path, whatever their endpoint (a new export is not a page).
DOWNLOADS = (".csv", ".ics", ".json", ".yaml", ".zip")

# Opens every details element, then names the widest element sticking out of the viewport
# (the deepest of those reaching furthest right, outside any element that scrolls itself and
# any visually hidden one, such as a responsive table's column headings on a phone).
MEASURE = """width => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const scrolls = el => { for (let a = el; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (a !== el && ['auto', 'scroll'].includes(style.overflowX)) return true;
      if (style.clip !== 'auto' || style.clipPath !== 'none') return true; } return false; };
  let worst = null, right = width;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const r = Math.max(box.right, box.left + el.scrollWidth);  // text sticking out of its box too
    if (r > width + 0.5 && r >= right && !scrolls(el)) { worst = el; right = r; }
  }
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const chain = [];
  for (let el = worst; el && chain.length < 4; el = el.parentElement) chain.push(name(el));
  return {scrollWidth: document.documentElement.scrollWidth, right: Math.round(right),
          widest: worst ? chain.join(' < ') + ': ' + (worst.textContent || '').trim().slice(0, 60) : ''};
}"""


@dataclass
class Seeded:
    plan: int
    paused: int
    closed: int
    checkin: int
    stakeholder: int
    interview: int
    goal: int
    milestones: list[int]
    pulse: str
    concern: int
    entry: int
    draft: int
    draft_key: str
    draft_phase: str
    slug: str
    number: int
    sponsor_id: int
    logins: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    endpoint: int = 0  # an HR system's webhook endpoint, with a failed delivery in its log


def _seed() -> Seeded:
    from onboarding import demo, playbooks
    from onboarding.extensions import db
    from onboarding.models import Concern, Nudge, Plan, Pulse, Stakeholder, User
    from onboarding.nudges import sent_log
    from onboarding.people import accounts, tokens
    from onboarding.plans import directory, supporters, tailoring
    from onboarding.playbooks import drafts

    from .conftest import ROOT, make_user

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    demo.seed(TODAY)
    user = {u.email.split("@")[0]: u for u in db.session.scalars(db.select(User))}
    hr, leader, ceo = user["hr"], user["leader.cdio"], user["sponsor.ceo"]
    plan = db.session.scalar(db.select(Plan).where(Plan.leader_id == leader.id))
    buddy = make_user("bea.buddy@example.nhs.uk", "Bea Buddy", password=demo.DEMO_PASSWORD)
    assistant = make_user(LONG_EMAIL, "Alexandra Montgomery-Fitzwilliam", password=demo.DEMO_PASSWORD)
    supporters.add(plan, buddy, "buddy", hr)
    supporters.add(plan, assistant, "assistant", hr)
    peer, _ = supporters.nominate_peer_mentor(plan, leader, "Pat Peer", "pat.peer@example.nhs.uk")
    accounts.set_password(peer, demo.DEMO_PASSWORD)

    open_ones = [m for m in plan.milestones if m.is_open and m.due_date > TODAY]
    tailoring.mark_not_applicable(open_ones[-1], hr, "The trust has no shared care record yet")
    added = tailoring.add_milestone(plan, leader, title="Visit the " + "Northshire " * 6 + "digital hub",
                                    description="https://northshire.example.nhs.uk/digital/hub/visits/book-a-place-for-new-starters",
                                    owner="leader", due=date(2026, 12, 2), phase=plan.milestones[-1].phase,
                                    reason="The CEO asked for it")
    done = next(m for m in plan.milestones if m.is_done)
    overdue = next(m for m in plan.milestones if m.is_open and m.due_date < TODAY)
    db.session.add(Stakeholder(plan=plan, name="Dr Ruth Adeyemi-Richardson", role="Deputy Medical Director",
                               notes="Private: " + "sceptical of the EPR business case; " * 4, notes_private=True))

    paused = db.session.scalar(db.select(Plan).where(Plan.leader_id == user["leader.data"].id))
    plans.pause(paused, hr, reason="Parental leave", expected_return_on=date(2027, 1, 11), on=TODAY)
    closed = db.session.scalar(db.select(Plan).where(Plan.leader_id == user["leader.cio"].id))

    draft, _ = drafts.start(playbooks.get_playbook("cdio-cio-26-weeks"), hr)
    content = drafts.content(draft)
    db.session.add_all([
        Nudge(recipient=ceo, kind="overdue", subject_type="milestone", subject_id=overdue.id, period="2026-W48",
              plan=plan, milestone=overdue, recorded_on=TODAY, status="failed", attempts=5,
              last_error="SMTPRecipientsRefused: {'" + LONG_EMAIL + "': (550, b'5.1.1 mailbox unavailable')}"),
        Nudge(recipient=leader, kind="due_soon", subject_type="milestone", subject_id=added.id, period="2026-W48",
              plan=plan, milestone=added, recorded_on=TODAY, status="sent",
              sent_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC)),
    ])
    pulse = Pulse(plan=plan, key="2", due_on=date(2026, 9, 21), answered_at=datetime(2026, 9, 21, 9, tzinfo=UTC),
                  expectations=4, sponsor_support=2, reach=3, belonging=4, confidence=3, shared_with_sponsor=True,
                  comment="Hard to get time with the clinical leads: " + "https://northshire.example.nhs.uk/rota/" * 2)
    concern = Concern(plan=plan, raised_by=leader, share_with_mentor=True,
                      text="My sponsor has cancelled three check-ins in a row. " * 3)
    db.session.add_all([pulse, concern])
    tokens.create(ceo, "Board reporting spreadsheet", actor=hr)
    tokens.create(assistant, "", actor=hr)
    endpoint = _webhook_endpoint(plan, hr)
    db.session.commit()
    sent_log.record(LONG_EMAIL, "You are invited to Leader onboarding as executive assistant to Dana Whitfield", "invite")

    checkin = max(plan.checkins, key=lambda c: c.held_on)
    return Seeded(
        plan=plan.id, paused=paused.id, closed=closed.id, checkin=checkin.id,
        stakeholder=plan.stakeholders[0].id, interview=plan.interviews[0].id, goal=plan.goals[0].id,
        milestones=[done.id, overdue.id, open_ones[0].id, open_ones[-1].id, added.id],
        pulse=pulse.key, concern=concern.id, entry=directory.entries()[0].id, draft=draft.id, draft_key=content.milestones[0]["key"],
        draft_phase=content.phases[0]["key"], slug="cdio-cio-26-weeks",
        number=playbooks.get_playbook("cdio-cio-26-weeks").latest.number, sponsor_id=ceo.id,
        logins={"leader": leader.email, "sponsor": ceo.email, "mentor": user["mentor"].email, "hr": hr.email,
                "buddy": buddy.email, "assistant": LONG_EMAIL, "peer mentor": peer.email},
        tokens={"auth.set_password": accounts.invite_token(buddy, "test-secret-key"),
                "auth.reset_password": accounts.invite_token(buddy, "test-secret-key", accounts.RESET_SALT)},
        endpoint=endpoint,
    )


def _webhook_endpoint(plan, hr) -> int:
    """A Teams default (so the account page offers the choice) and an endpoint whose long address
    and error must wrap on a phone."""
    from onboarding.extensions import db
    from onboarding.hooks import teams, webhooks
    from onboarding.models import HookPost

    teams.set_default("https://prod-123.westeurope.logic.azure.com:443/workflows/" + "0123456789abcdef" * 3, hr)
    endpoint, _ = webhooks.register("Electronic Staff Record interface",
                                    "https://esr-integration.northshire.example.nhs.uk/api/v2/onboarding/webhooks/" * 2,
                                    ["plan.created", "plan.started", "milestone.completed"], hr)
    webhooks.record("milestone.completed", plan, plan.milestones[0])
    post = db.session.scalars(db.select(HookPost).where(HookPost.endpoint_id == endpoint.id)).one()
    post.attempts, post.last_status_code = 3, 503
    post.last_error = "ConnectionError: HTTPSConnectionPool(host='esr-integration.northshire.example.nhs.uk', port=443)"
    return endpoint.id


def _fillings(endpoint: str, arguments: set[str], s: Seeded) -> list[dict]:
    """The path arguments to visit an endpoint with: the main plan's objects (and, for a plan's
    own pages, the paused and the closed plan too); several milestones in different states."""
    if not arguments:
        return [{}]
    if arguments == {"plan_id"}:
        return [{"plan_id": p} for p in (s.plan, s.paused, s.closed)]
    one = {"plan_id": s.plan, "checkin_id": s.checkin, "entry_id": s.entry, "draft_id": s.draft,
           "key": s.draft_key, "phase_key": s.draft_phase, "slug": s.slug, "number": s.number,
           "user_id": s.sponsor_id, "pulse_key": s.pulse, "concern_id": s.concern, "token": s.tokens.get(endpoint),
           "endpoint_id": s.endpoint}
    if "record_id" in arguments:
        one["record_id"] = {"goal": s.goal, "interview": s.interview, "stakeholder": s.stakeholder}[
            endpoint.rsplit("_", 1)[1]]
    if "milestone_id" in arguments:
        return [one | {"milestone_id": m} for m in s.milestones]
    if missing := arguments - one.keys():
        raise LookupError(f"{endpoint} needs {sorted(missing)}: seed one and fill it in _fillings")
    return [{name: one[name] for name in arguments}]


def _sign_in(page, base: str, email: str) -> None:
    from onboarding import demo

    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _asker(app, page):
    """A test client holding the browser's cookies: asks the app in this process whether the
    role may see a page, without drawing it (most of the map is refused)."""
    client = app.test_client()
    for cookie in page.context.cookies():
        client.set_cookie(cookie["name"], cookie["value"], path=cookie["path"])
    return client


def _visit(page, asker, base: str, path: str, failures: list[str], measured_urls: set[str], role: str) -> bool:
    """Measure and check one page; False if this role cannot reach it (refused, or sent to
    sign in). A page reached by a redirect is measured once."""
    from .conftest import assert_accessible

    asked = asker.get(path)
    if asked.status_code in (403, 404) or (asked.status_code == 302 and "/login" in asked.headers["Location"]):
        return False
    url = base + path
    response = page.goto(url)
    if page.url in measured_urls:
        return True
    measured_urls.add(page.url)
    if response.status not in (200, 409) or "text/html" not in response.headers.get("content-type", ""):
        failures.append(f"{role}, {url}: {response.status} {response.headers.get('content-type')}")
        return True
    measured = page.evaluate(MEASURE, PHONE["width"])
    if measured["scrollWidth"] > PHONE["width"]:
        failures.append(f"{role}, {url}: {measured['scrollWidth']} px wide; widest: {measured['widest']}")
    try:
        assert_accessible(page)
    except AssertionError as error:
        failures.append(f"{role}, {error}")
    return True


@pytest.mark.browser
def test_every_page_of_every_role_fits_a_phone_and_passes_axe(live_server, browser, monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    app, base = live_server
    with app.app_context():
        seeded = _seed()
    rules = [(rule.endpoint, set(rule.arguments), rule) for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint not in NOT_HTML and not rule.rule.endswith(DOWNLOADS)]
    failures: list[str] = []
    reached: dict[str, set[str]] = {}
    for role, email in [("anonymous", None), *seeded.logins.items()]:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        if email:
            _sign_in(page, base, email)
        asker = _asker(app, page)
        reached[role], measured_urls = set(), set()
        try:
            for endpoint, arguments, rule in sorted(rules, key=lambda r: r[2].rule):
                if email and endpoint in ("auth.set_password", "auth.reset_password", "auth.login"):
                    continue  # signed in, these send one on
                try:
                    fillings = _fillings(endpoint, arguments, seeded)
                except LookupError as error:
                    failures += [str(error)] if str(error) not in failures else []
                    continue
                for values in fillings:
                    path = rule.build(values, append_unknown=False)[1]
                    if _visit(page, asker, base, path, failures, measured_urls, role):
                        reached[role].add(endpoint)
        finally:
            context.close()
    assert not failures, f"{len(failures)} pages fail on a 375 px phone:\n" + "\n".join(failures)
    # Each role reached the pages its access allows (a sign-in that failed would reach none).
    assert {"leader.my_plan", "leader.stakeholders", "leader.nominate_peer_mentor"} <= reached["leader"]
    assert {"sponsor.dashboard", "sponsor.new_checkin", "sponsor.edit_checkin"} <= reached["sponsor"]
    assert {"mentor.plans", "leader.plan"} <= reached["mentor"]
    assert {"hr.attention", "outbox.sent", "tokens_admin.index", "hr.draft_phase_edit"} <= reached["hr"]
    for supporter in ("buddy", "assistant", "peer mentor"):
        assert {"mentor.supporting", "leader.plan", "leader.milestone"} <= reached[supporter], supporter
    assert "hr.users" not in reached["sponsor"] and "leader.new_goal" not in reached["buddy"]
