"""Shared fixtures: a fresh app and database per test on SQLite and, when
ONBOARDING_TEST_DATABASE_URL is set, on PostgreSQL too; users, plans and a
sign-in helper.

`.ci/run` sets ONBOARDING_REQUIRE_ALL=1, which turns every "cannot run here"
skip (no PostgreSQL, no Chromium) into a failure.
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from onboarding import create_app, database_url
from onboarding.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ONBOARDING_TEST_DATABASE_URL")
REQUIRE_ALL = os.environ.get("ONBOARDING_REQUIRE_ALL") == "1"
PASSWORD = "correct horse battery staple"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (ONBOARDING_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


def base_config(tmp_path: Path, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "BASE_URL": "http://onboarding.test",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8192,
        "PLAYBOOK_DIR": str(ROOT / "playbooks"),
    }


@pytest.fixture(scope="session")
def pg_schema_url(worker_id):
    """A PostgreSQL URL whose search_path is a schema of this test worker's own."""
    if not PG_URL:
        return None
    schema = f"onboarding_test_{worker_id}"
    engine = sa.create_engine(database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{database_url(PG_URL)}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, pg_schema_url):
    """The database URL for one test: a new SQLite file, or the worker's PostgreSQL schema."""
    if request.param == "postgresql":
        if not pg_schema_url:
            skip_or_fail("PostgreSQL tests need ONBOARDING_TEST_DATABASE_URL")
        return pg_schema_url
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def _empty_tables() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(database, tmp_path):
    config = base_config(tmp_path, database)
    app = create_app(config | {"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.create_all()
        if database.startswith("postgresql"):
            _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        if database.startswith("postgresql"):
            _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def loaded(ctx):
    """The default playbooks, loaded."""
    from onboarding import playbooks

    playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
    return ctx


def make_user(email: str, name: str | None = None, hr: bool = False, password: str | None = PASSWORD):
    from onboarding import accounts

    user = accounts.create_user(email, name or email.split("@")[0].title(), is_hr=hr, password=password)
    db.session.commit()
    return user


@pytest.fixture
def cast(loaded):
    """The people of DESIGN.md's access table, with plan A (leader A) and plan B (leader B)."""
    from onboarding import playbooks, plans

    people = {
        "leader_a": make_user("leader.a@example.nhs.uk", "Leader A"),
        "leader_b": make_user("leader.b@example.nhs.uk", "Leader B"),
        "sponsor_a": make_user("sponsor.a@example.nhs.uk", "Sponsor A"),
        "other_sponsor": make_user("sponsor.b@example.nhs.uk", "Sponsor B"),
        "mentor_a": make_user("mentor.a@example.nhs.uk", "Mentor A"),
        "hr": make_user("hr@example.nhs.uk", "Helen HR", hr=True),
    }
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan_a = plans.create_plan(leader=people["leader_a"], sponsor=people["sponsor_a"], mentor=people["mentor_a"],
                               version=version, start=date(2026, 9, 7), months=6, actor=people["hr"])
    plan_b = plans.create_plan(leader=people["leader_b"], sponsor=people["other_sponsor"],
                               version=version, start=date(2026, 9, 7), months=6, actor=people["hr"])
    db.session.commit()
    people["plan_a"], people["plan_b"] = plan_a, plan_b
    return people


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user."""

    def _login(user, password: str = PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return _login
