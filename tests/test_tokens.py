"""API tokens: issued once, stored hashed, listed and revoked from the CLI and the HR page."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import ApiToken, AuditEvent
from onboarding.people import tokens


def _use(client, raw):
    return client.get("/api/v1/plans", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_cli_issues_a_token_once_and_stores_only_its_hash(cast, runner, client):
    result = runner.invoke(args=["tokens", "create", "--user", "HR@example.nhs.uk", "--name", "ESR feed"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"onb_[A-Za-z0-9_-]{40,}", raw)
    [token] = db.session.scalars(sa.select(ApiToken)).all()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str([getattr(token, c.key) for c in ApiToken.__table__.columns])
    assert _use(client, raw) == 200

    listed = runner.invoke(args=["tokens", "list"]).output
    assert "hr@example.nhs.uk" in listed and "ESR feed" in listed and "active" in listed
    assert raw not in listed

    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0 and "Revoked token" in revoked.output
    assert _use(client, raw) == 401
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output
    again = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert again.exit_code != 0 and "already revoked" in again.output


def test_cli_refuses_unknown_users_and_tokens(cast, runner):
    result = runner.invoke(args=["tokens", "create", "--user", "nobody@example.nhs.uk"])
    assert result.exit_code != 0 and "no user" in result.output
    assert runner.invoke(args=["tokens", "revoke", "999"]).exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_tokens_are_unique_and_audited(cast):
    first, raw1 = tokens.create(cast["hr"], "a", actor=cast["hr"])
    second, raw2 = tokens.create(cast["hr"], "b", actor=cast["hr"])
    db.session.commit()
    assert raw1 != raw2 and first.token_hash != second.token_hash
    assert tokens.authenticate(raw1) == cast["hr"]
    assert tokens.authenticate(raw1) == cast["hr"]
    assert tokens.authenticate(raw1 + "x") is None
    assert tokens.authenticate("") is None
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "apitoken")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["api_token.create", "api_token.create", "api_token.use"]  # the first use of the day only


def test_tokens_page_is_hr_only(cast, client, login):
    assert client.get("/hr/tokens/").status_code == 302
    for who in ("leader_a", "sponsor_a", "mentor_a"):
        login(cast[who])
        assert client.get("/hr/tokens/").status_code == 404
        assert client.post("/hr/tokens/", data={"email": cast[who].email}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_hr_issues_and_revokes_tokens_on_the_page(cast, client, login):
    login(cast["hr"])
    assert client.get("/hr/tokens/").status_code == 200
    response = client.post("/hr/tokens/", data={"email": "leader.a@example.nhs.uk", "name": "Leader A's script"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    raw = re.search(r"onb_[A-Za-z0-9_-]+", page).group(0)
    assert "shown only this once" in page
    assert _use(client, raw) == 200
    listing = client.get("/hr/tokens/").get_data(as_text=True)
    assert "Leader A&#39;s script" in listing and raw not in listing

    [token] = tokens.list_tokens()
    response = client.post(f"/hr/tokens/{token.id}/revoke", follow_redirects=True)
    assert "is revoked" in response.get_data(as_text=True)
    assert _use(client, raw) == 401


@pytest.mark.parametrize("email, message", [("", "Enter the email address"), ("nobody@example.nhs.uk", "existing user")])
def test_issue_form_errors_rerender_with_400(cast, client, login, email, message):
    login(cast["hr"])
    response = client.post("/hr/tokens/", data={"email": email})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
