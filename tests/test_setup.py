"""Configuration layering, the generated secret key, and migrations on both databases."""
import os
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from onboarding import create_app
from onboarding.extensions import db

# Real commits: `onboarding init` runs in a subprocess.
pytestmark = pytest.mark.real_commits



def test_configuration_layers(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SERVICE_NAME = 'From instance'\nBASE_URL = 'https://instance.example'\n")
    monkeypatch.setenv("ONBOARDING_BASE_URL", "https://env.example")
    monkeypatch.setenv("ONBOARDING_SMTP_PORT", "2525")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SERVICE_NAME"] == "From instance"
    assert app.config["BASE_URL"] == "https://env.example"
    assert app.config["SMTP_PORT"] == 2525
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'onboarding.sqlite3'}"
    assert create_app({"INSTANCE_PATH": str(tmp_path), "SERVICE_NAME": "Test"}).config["SERVICE_NAME"] == "Test"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == first


@pytest.fixture
def empty_database(database, tmp_path):
    """A database with no tables at all: a new SQLite file, or a PostgreSQL schema of this
    test's own (the worker's schema holds the tables other tests share)."""
    if not database.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'init.sqlite3'}"
        return
    schema = f"onboarding_init_{os.getpid()}"
    url = re.sub(r"csearch_path%3D[^&]+", f"csearch_path%3D{schema}", database)
    engine = sa.create_engine(database)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield url
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def test_init_migrates_to_head_loads_playbooks_and_is_safe_to_rerun(empty_database, tmp_path):
    """`onboarding init` on a new database, twice; the migrated schema matches the models."""
    database = empty_database
    env = os.environ | {"ONBOARDING_INSTANCE_PATH": str(tmp_path), "ONBOARDING_SQLALCHEMY_DATABASE_URI": database}
    exe = os.path.join(os.path.dirname(sys.executable), "onboarding")
    first = subprocess.run([exe, "init"], capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "cdio-cio-26-weeks: loaded as version 1" in first.stdout
    second = subprocess.run([exe, "init"], capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "cdio-cio-26-weeks: unchanged at version 1" in second.stdout

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        if db.engine.dialect.name == "sqlite":  # statistics for SQLite's planner, from the playbooks loaded
            with db.engine.connect() as conn:
                analysed = set(conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1").scalars())
            assert {"playbook", "milestone_template"} <= analysed
        db.engine.dispose()


def test_migrating_in_process_leaves_the_apps_loggers_working(tmp_path):
    """Alembic's logging set-up must not silence the scheduler's and the app's own loggers."""
    import logging

    from flask_migrate import upgrade

    logger = logging.getLogger("onboarding.nudges.scheduler")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert not logger.disabled
