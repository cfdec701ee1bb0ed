"""PostgreSQL connections that die under the app (a server restart, pg_terminate_backend)
cost no error page: the next request gets a live connection."""
from __future__ import annotations

import os
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from onboarding import database_url
from onboarding.extensions import db

from .conftest import PASSWORD, PG_URL, make_user, skip_or_fail

# Real commits: the test cuts the app's pooled connections.
pytestmark = pytest.mark.real_commits

# Every connection of this test's app says who it is, so only those are cut: other test
# runs may share the server.
APP_NAME = f"onboarding_test_drop_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def database(pg_schema_url):
    if not pg_schema_url:
        skip_or_fail("PostgreSQL tests need ONBOARDING_TEST_DATABASE_URL")
    return f"{pg_schema_url}&application_name={APP_NAME}"


@pytest.mark.postgres
def test_a_request_after_the_server_dropped_the_pooled_connections_succeeds(app, client, login):
    with app.app_context():
        make_user("lee.leader@example.nhs.uk", "Lee Leader")
        db.session.remove()  # back to the pool, as at the end of a request
    login(SimpleNamespace(email="lee.leader@example.nhs.uk"), PASSWORD)  # through the form: a real request
    assert client.get("/account").status_code == 200

    admin = sa.create_engine(database_url(PG_URL))
    try:
        with admin.begin() as conn:
            cut = conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                {"name": APP_NAME},
            ).all()
    finally:
        admin.dispose()
    assert cut and all(ok for (ok,) in cut)

    response = client.get("/account")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
