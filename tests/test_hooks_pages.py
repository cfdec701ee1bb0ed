"""HR's Teams and webhook pages and the account page's choice of email, Teams or both: what a
person sees and the errors next to the fields."""
from __future__ import annotations

import re

import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.hooks import teams, webhooks
from onboarding.models import AuditEvent, HookPost, User, WebhookEndpoint, utcnow

TEAMS_URL = "https://nhs.webhook.office.com/workflows/abc"


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field_id: str) -> str:
    """The NHS.UK error message shown next to a field (its id ends "-error")."""
    match = re.search(rf'id="{field_id}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*([^<]+)<', html)
    return match.group(1).strip() if match else ""


def test_hr_sets_the_default_teams_channel_and_a_plans_own(cast, client, login):
    login(cast["hr"])
    page = client.get("/hr/integrations")
    assert page.status_code == 200 and "Teams and webhooks" in text(page)
    refused = client.post("/hr/integrations", data={"url": "http://nhs.webhook.office.com/x"})
    assert refused.status_code == 400
    assert field_error(text(refused), "url") == "The Teams webhook address must start with https://"
    assert "There is a problem" in text(refused) and teams.default_url() is None
    saved = client.post("/hr/integrations", data={"url": f"  {TEAMS_URL}  "}, follow_redirects=True)
    assert "The default Teams channel is saved." in text(saved) and teams.default_url() == TEAMS_URL
    plan = cast["plan_a"]
    assert f'href="/hr/plans/{plan.id}/teams"' in text(client.get(f"/hr/plans/{plan.id}"))
    form = client.get(f"/hr/plans/{plan.id}/teams")
    assert "Leave it empty to use the default channel." in text(form)
    bad = client.post(f"/hr/plans/{plan.id}/teams", data={"url": "teams channel"})
    assert field_error(text(bad), "url") == "The Teams webhook address must not contain spaces"
    client.post(f"/hr/plans/{plan.id}/teams", data={"url": TEAMS_URL + "/plan"})
    assert teams.plan_url(plan) == TEAMS_URL + "/plan"
    client.post(f"/hr/plans/{plan.id}/teams", data={"url": ""})
    assert teams.plan_url(plan) is None
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("teams.%"))).all()
    assert actions == ["teams.default", "teams.plan", "teams.plan"]


def test_people_choose_email_teams_or_both_once_a_channel_exists(cast, client, login):
    sponsor = cast["sponsor_a"]
    login(sponsor)
    assert "Microsoft Teams" not in text(client.get("/account"))  # no channel: no choice to make
    teams.set_default(TEAMS_URL, cast["hr"])
    db.session.commit()
    page = text(client.get("/account"))
    assert "Microsoft Teams" in page and 'value="email" checked' in page
    refused = client.post("/account/teams", data={"nudge_channel": "pigeon"})
    assert refused.status_code == 400
    assert field_error(text(refused), "nudge_channel") == "Select email, Teams or both"
    saved = client.post("/account/teams", data={"nudge_channel": "both"}, follow_redirects=True)
    assert "Your Teams setting is saved: email and teams." in text(saved)
    assert db.session.get(User, sponsor.id).nudge_channel == "both"
    # A leader who sponsors nobody gets none of the nudges a channel carries: no choice to make.
    login(cast["leader_b"])
    assert "Microsoft Teams" not in text(client.get("/account"))


def test_a_plan_channel_alone_offers_the_choice_to_that_plans_sponsor_only(cast, client, login):
    teams.set_plan_url(cast["plan_a"], TEAMS_URL, cast["hr"])
    db.session.commit()
    login(cast["sponsor_a"])
    assert "Microsoft Teams" in text(client.get("/account"))
    login(cast["other_sponsor"])
    assert "Microsoft Teams" not in text(client.get("/account"))


def test_hr_registers_an_endpoint_sees_the_secret_once_and_its_delivery_log(cast, client, login):
    login(cast["hr"])
    empty = client.post("/hr/integrations/webhooks/new", data={"name": "", "url": "http://hr.example/x"})
    assert empty.status_code == 400 and field_error(text(empty), "name") == "Enter a name for the endpoint"
    bad_url = client.post("/hr/integrations/webhooks/new", data={"name": "ESR", "url": "http://hr.example/x",
                                                                   "events": ["plan.created"]})
    assert field_error(text(bad_url), "url") == "The endpoint address must start with https://"
    no_events = client.post("/hr/integrations/webhooks/new", data={"name": "ESR", "url": "https://hr.example/x"})
    assert field_error(text(no_events), "events") == "Select at least one event"
    odd = client.post("/hr/integrations/webhooks/new", data={"name": "ESR", "url": "https://hr.example/x",
                                                              "events": ["plan.created", "user.deleted"]})
    assert field_error(text(odd), "events") == "Select events from the list"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0

    created = client.post("/hr/integrations/webhooks/new", data={
        "name": "ESR <interface>", "url": "https://hr.example/x", "events": ["plan.created", "plan.completed"]})
    assert created.status_code == 200
    endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
    assert endpoint.secret in text(created) and "shown only this once" in text(created)
    assert "ESR &lt;interface&gt; is registered" in text(created)
    listing = text(client.get("/hr/integrations"))
    assert "ESR &lt;interface&gt;" in listing and "plan.created, plan.completed" in listing
    assert endpoint.secret not in listing and "whsec_" not in listing

    # A failed delivery in the log: its event, status, attempts and the receiver's answer.
    webhooks.record("plan.completed", cast["plan_a"])
    db.session.flush()
    post = db.session.scalars(sa.select(HookPost)).one()
    post.attempts, post.last_status_code, post.last_error = 3, 503, "HTTP 503 Service Unavailable"
    post.next_attempt_at = utcnow()
    db.session.commit()
    log = text(client.get(f"/hr/integrations/webhooks/{endpoint.id}"))
    assert "plan.completed" in log and "HTTP 503 Service Unavailable" in log and "Retrying after" in log
    assert endpoint.secret not in log
    assert "0 of 1 delivered" in text(client.get("/hr/integrations"))

    confirm = client.get(f"/hr/integrations/webhooks/{endpoint.id}/delete")
    assert "Yes, delete it" in text(confirm)
    deleted = client.post(f"/hr/integrations/webhooks/{endpoint.id}/delete", follow_redirects=True)
    assert "ESR &lt;interface&gt; is deleted." in text(deleted)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HookPost)) == 0
    assert client.get(f"/hr/integrations/webhooks/{endpoint.id}").status_code == 404
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("webhook.%"))).all()
    assert actions == ["webhook.register", "webhook.remove"]
