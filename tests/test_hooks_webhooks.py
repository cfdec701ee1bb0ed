"""Webhooks for HR systems: each event recorded with the change that caused it, posted to a real
receiver on loopback that checks the Standard Webhooks signature from the specification, exactly
once per endpoint even across an outage, and never carrying private data."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from onboarding import plans
from onboarding.extensions import db
from onboarding.hooks import delivery, webhooks
from onboarding.models import CheckIn, EqualityAnswers, HookPost, Pulse, Stakeholder, WebhookEvent, utcnow
from onboarding.plans import concerns

from .conftest import make_user
from .hook_helpers import Receiver, verify
from .nudge_helpers import make_plan, milestone, world

D = date.fromisoformat
TODAY = D("2026-11-27")  # a Friday
ALL = list(webhooks.WEBHOOK_EVENTS)
SECRETS = ("NOTE-SECRET", "CONCERN-SECRET", "PULSE-SECRET", "EQUALITY-SECRET", "STAKEHOLDER-SECRET",
           "EVIDENCE-SECRET", "PAUSE-SECRET", "evidence.example")


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: TODAY)
    return TODAY


def register(receiver, path, events, hr):
    endpoint, secret = webhooks.register(f"HR system {path}", receiver.url(path), events, hr, allow_loopback=True)
    db.session.commit()
    return secret


def private_data(plan, people):
    """Everything a payload must never carry, on the plan and its people."""
    db.session.add_all([
        CheckIn(plan_id=plan.id, sponsor_id=people["sponsor"].id, held_on=D("2026-12-10"), rag="amber",
                summary="Fine", private_note="NOTE-SECRET"),
        Pulse(plan_id=plan.id, key="2", due_on=D("2026-12-14"), answered_at=utcnow(), sponsor_support=1,
              belonging=1, comment="PULSE-SECRET"),
        EqualityAnswers(user_id=people["leader"].id, ethnic_group="EQUALITY-SECRET"),
        Stakeholder(plan_id=plan.id, name="Dr Ruth", power=5, interest=5, notes="STAKEHOLDER-SECRET", notes_private=True),
    ])
    concerns.raise_concern(plan, people["leader"], "CONCERN-SECRET", True)
    db.session.commit()


def test_every_event_reaches_its_endpoints_once_signed_across_an_outage_without_private_data(app, ctx, today, receiver):
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    secret = register(receiver, "/all", ALL, hr)
    closing_secret = register(receiver, "/closing", ["plan.completed"], hr)
    people = world(make_user)
    plan = people["plan"]
    private_data(plan, people)
    plans.complete_milestone(milestone(plan, "welcome"), hr, note="EVIDENCE-SECRET", link="https://evidence.example")
    plans.pause(plan, hr, reason="PAUSE-SECRET", on=D("2026-12-08"))
    plans.resume(plan, hr, on=D("2026-12-08"))  # no event: HR systems were not asked to hear of it
    plans.close(plan, hr, "completed")
    db.session.commit()
    today_plan = make_plan(people["version"], make_user("kim.leader@example.nhs.uk", "Kim Leader"), people["sponsor"],
                           hr=hr, start=TODAY)  # starts today: started at once
    plans.close(today_plan, hr, "withdrawn")
    db.session.commit()

    receiver.status = 500  # the HR system is down
    down = delivery.deliver(app.config)
    assert (down.posted, down.failed) == (0, 8)
    failed_ids = [r.headers["webhook-id"] for r in receiver.take()]
    receiver.status = 202
    rows = db.session.scalars(sa.select(HookPost)).all()
    assert {(r.status, r.attempts, r.last_status_code) for r in rows} == {("pending", 1, 500)}
    # Back up: the retry job's next run after the 15-minute backoff delivers everything, once.
    later = max(r.next_attempt_at for r in rows) + timedelta(seconds=1)
    assert delivery.deliver(app.config, force=False, now=later).posted == 8
    assert delivery.deliver(app.config).posted == 0 and delivery.deliver(app.config, force=False, now=later).posted == 0

    seen = receiver.take()
    assert sorted(failed_ids) == sorted(r.headers["webhook-id"] for r in seen)  # a retry keeps its id
    # Each endpoint sees each event once; an event has one id, whichever endpoint hears of it.
    assert len({(r.path, r.headers["webhook-id"]) for r in seen}) == 8 and len({r.headers["webhook-id"] for r in seen}) == 7
    to_all = [r for r in seen if r.path == "/all"]
    assert [r.json()["type"] for r in to_all] == [
        "plan.created", "milestone.completed", "plan.paused", "plan.completed",  # starts 7 December: not yet
        "plan.created", "plan.started", "plan.withdrawn"]  # starts today
    assert [r.json()["type"] for r in seen if r.path == "/closing"] == ["plan.completed"]
    now = int(time.time())
    for r in seen:
        key = secret if r.path == "/all" else closing_secret
        assert verify(key, r.headers, r.body, now), r.headers
        assert not verify(closing_secret if r.path == "/all" else secret, r.headers, r.body, now)
        text = r.body.decode()
        assert not [s for s in SECRETS if s in text], text
        assert not [k for k in ("private_note", "concern", "pulse", "ethnic_group", "notes", "evidence", "reason")
                    if f'"{k}"' in text], text
    assert not verify(secret, to_all[0].headers | {"webhook-timestamp": str(now - 600)}, to_all[0].body, now)


def test_a_payload_as_an_hr_system_reads_it(app, ctx, today, receiver):
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    register(receiver, "/all", ["plan.created", "milestone.completed"], hr)
    people = world(make_user)
    plan = people["plan"]
    plans.complete_milestone(milestone(plan, "meet-team"), people["leader"])
    db.session.commit()
    assert delivery.deliver(app.config).posted == 2
    created, completed = (r.json() for r in receiver.take())
    leader, sponsor = people["leader"], people["sponsor"]
    expected_plan = {
        "id": plan.id, "status": "active", "start_date": "2026-12-07", "end_date": "2027-04-07", "months": 4,
        "playbook": {"slug": "nudge-fixture", "version": 1, "title": "Nudge fixture (13 weeks)"},
        "leader": {"id": leader.id, "name": "Lee Leader", "email": "lee.leader@example.nhs.uk"},
        "sponsor": {"id": sponsor.id, "name": "Sam Sponsor", "email": "sam.sponsor@example.nhs.uk"},
        "paused_on": None, "expected_return_on": None, "closed_at": None,
    }
    identifiers = {"esr_number": None, "external_id": None}  # issue 15 part B's columns, where they exist
    for person in ("leader", "sponsor"):
        expected_plan[person] |= {k: v for k, v in identifiers.items() if hasattr(leader, k)}
    expected_plan |= {k: v for k, v in identifiers.items() if hasattr(plan, k)}
    assert created["type"] == "plan.created" and created["data"] == {"plan": expected_plan}
    assert datetime.fromisoformat(created["timestamp"].removesuffix("Z")) <= utcnow()
    m = milestone(plan, "meet-team")
    assert completed["data"]["milestone"] == {
        "id": m.id, "key": "meet-team", "title": "Meet the digital team", "phase": "one", "owner": "leader",
        "due_date": "2026-12-24", "status": "done", "completed_at": m.completed_at.replace(microsecond=0).isoformat() + "Z"}


def test_plan_started_is_recorded_once_when_the_start_date_comes(app, ctx, today, receiver):
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    register(receiver, "/started", ["plan.started"], hr)
    people = world(make_user)  # starts Monday 7 December 2026
    assert webhooks.sweep_started(D("2026-12-04")) == 0
    assert webhooks.sweep_started(D("2026-12-07")) == 1
    assert webhooks.sweep_started(D("2026-12-08")) == 0
    assert delivery.deliver(app.config).posted == 1
    (started,) = receiver.take()
    assert started.json()["type"] == "plan.started" and started.json()["data"]["plan"]["id"] == people["plan"].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent).where(
        WebhookEvent.type == "plan.started")) == 1


def test_a_deleted_endpoint_gets_nothing_more_and_a_new_one_nothing_older(app, ctx, today, receiver):
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    register(receiver, "/old", ["plan.created"], hr)
    people = world(make_user)  # plan.created queued for /old
    webhooks.remove(webhooks.get(db.session.scalar(sa.select(HookPost.endpoint_id))), hr)
    db.session.commit()
    register(receiver, "/new", ["plan.created", "plan.paused"], hr)
    plans.pause(people["plan"], hr, reason="Leave", on=D("2026-12-08"))
    db.session.commit()
    assert delivery.deliver(app.config).posted == 1
    assert [(r.path, r.json()["type"]) for r in receiver.take()] == [("/new", "plan.paused")]


def test_an_unreachable_endpoint_keeps_its_posts_queued_untried(app, ctx, today, receiver):
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    webhooks.register("Gone", "http://127.0.0.1:9/hook", ["plan.created", "plan.started"], hr, allow_loopback=True)
    db.session.commit()
    people = world(make_user)
    make_plan(people["version"], make_user("kim@example.nhs.uk", "Kim"), people["sponsor"], start=TODAY)
    result = delivery.deliver(app.config)
    # The first post finds nothing listening; the other two wait for the next run, unattempted.
    assert (result.posted, result.failed) == (0, 3) and "ConnectionError" in result.errors[0]
    assert sorted(r.attempts for r in db.session.scalars(sa.select(HookPost))) == [0, 0, 1]


@pytest.mark.parametrize("url, problem", [
    ("", "Enter the endpoint address"),
    ("http://hr.example.nhs.uk/hooks", "The endpoint address must start with https://"),
    ("https://user:pw@hr.example.nhs.uk/", "The endpoint address must start with https://"),
    ("ftp://hr.example.nhs.uk/", "The endpoint address must start with https://"),
    ("https://hr.example.nhs.uk/a b", "The endpoint address must not contain spaces"),
    ("https://" + "a" * 1990 + ".uk", "The endpoint address must be 2,000 characters or fewer"),
])
def test_addresses_must_be_https(ctx, url, problem):
    with pytest.raises(webhooks.HookError) as refused:
        webhooks.register("HR", url, ["plan.created"], None)
    assert (refused.value.field, str(refused.value)) == ("url", problem)


def test_loopback_http_only_when_testing(ctx):
    from onboarding.hooks.urls import url_problem

    assert url_problem("http://127.0.0.1:8080/x", "address", allow_loopback=True) is None
    assert url_problem("http://127.0.0.1:8080/x", "address") == "The address must start with https://"
    assert url_problem("http://localhost:8080/x", "address", allow_loopback=True) == "The address must start with https://"


def test_the_secret_is_standard_webhooks_shaped(ctx):
    import base64

    _, secret = webhooks.register("HR", "https://hr.example.nhs.uk/hooks", ["plan.created"], None)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert json.loads(json.dumps(secret)) == secret


@pytest.mark.real_commits
def test_the_nudge_command_records_and_delivers_events(app, ctx, receiver):
    """`onboarding nudges run` on the start date: plan.started recorded by the sweep and posted;
    during an outage it says so and exits 3, as for an email not delivered."""
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    register(receiver, "/started", ["plan.started"], hr)
    people = world(make_user)
    people["leader"].nudge_mode = people["sponsor"].nudge_mode = people["hr"].nudge_mode = "mute"
    db.session.commit()
    runner = app.test_cli_runner()
    receiver.status = 500
    down = runner.invoke(args=["nudges", "run", "--today", "2026-12-07"])
    assert down.exit_code == 3, down.output
    assert "recorded 0, sent 0, failed 0; posted 0, posts failed 1" in down.output
    assert "not delivered: webhook post" in down.output and "HTTP 500" in down.output
    receiver.status = 202
    up = runner.invoke(args=["nudges", "run", "--today", "2026-12-07"])
    assert up.exit_code == 0 and "recorded 0, sent 0, failed 0; posted 1, posts failed 0" in up.output, up.output
    again = runner.invoke(args=["nudges", "run", "--today", "2026-12-08"])
    assert again.exit_code == 0 and again.output.strip().endswith("recorded 0, sent 0, failed 0"), again.output
    assert [(r.answered, r.json()["type"]) for r in receiver.take()] == [(500, "plan.started"), (202, "plan.started")]


@pytest.mark.real_commits
def test_two_senders_at_once_post_each_event_once(app, ctx, today):
    """Two delivery runs racing (two schedulers by mistake) over a slow receiver: the claim gives
    each post to one of them."""
    import threading

    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    with Receiver(delay=0.02) as slow:
        register(slow, "/all", ["plan.created", "plan.started"], hr)
        people = world(make_user)
        for n in range(12):
            make_plan(people["version"], make_user(f"leader{n}@example.nhs.uk", f"Leader {n}"), people["sponsor"],
                      start=TODAY)
        db.session.remove()
        results = []

        def run():
            with app.app_context():
                results.append(delivery.deliver(app.config))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        seen = slow.take()
    assert sum(r.posted for r in results) == 25 and sum(r.failed for r in results) == 0
    ids = [r.headers["webhook-id"] for r in seen]
    assert len(ids) == 25 and len(set(ids)) == 25


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.0.10:8443/hook", "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",  # a cloud metadata service
    "https://localhost/hook", "https://intranet.localhost/hook",
])
def test_a_private_or_local_address_is_refused_when_registered(ctx, url):
    with pytest.raises(webhooks.HookError) as refused:
        webhooks.register("Probe", url, ["plan.created"], None)
    assert "must be on the internet, not a private or local address" in str(refused.value)


def test_an_address_that_resolves_to_a_private_one_is_never_posted_to(app, ctx, today, receiver):
    """HR cannot make the server probe its own network: each delivery checks where the address
    resolves (outside testing, where the tests' receivers are on loopback)."""
    hr = make_user("rita.records@example.nhs.uk", "Rita Records", hr=True)
    webhooks.register("Inside", receiver.url("/hook"), ["plan.created"], hr, allow_loopback=True)
    db.session.commit()
    people = world(make_user)
    make_plan(people["version"], make_user("kim@example.nhs.uk", "Kim"), people["sponsor"], start=TODAY)
    result = delivery.deliver(app.config | {"TESTING": False})
    assert result.posted == 0 and "resolves to 127.0.0.1, a private or local address" in result.errors[0]
    assert receiver.take() == []  # it listens there: only the check kept the post away
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(HookPost))
    # Testing, loopback is allowed (the other tests rely on it): every queued post arrives.
    assert delivery.deliver(app.config).posted == queued == len(receiver.take()) > 0


def test_the_delivery_log_counts_its_deliveries_in_words(ctx, client, login, receiver):
    people = world(make_user)  # its plan is made before the endpoint: no delivery for it
    register(receiver, "/log", ["plan.created"], people["hr"])
    [(endpoint, *_)] = webhooks.endpoints()
    login(people["hr"])

    def caption() -> str:
        page = client.get(f"/hr/integrations/webhooks/{endpoint.id}").get_data(as_text=True)
        return page.split('<caption class="nhsuk-table__caption nhsuk-table__caption--s">')[1].split("</caption>")[0]

    for n in (1, 2):
        make_plan(people["version"], make_user(f"new.leader{n}@example.nhs.uk", f"New Leader {n}"), people["sponsor"])
    # Two plans, two deliveries; with one only (the older removed), one.
    assert caption() == "The latest 2 deliveries, newest first"
    db.session.delete(db.session.scalars(sa.select(HookPost).order_by(HookPost.id)).first())
    db.session.commit()
    assert caption() == "The latest delivery"
