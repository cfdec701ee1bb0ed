"""Backups: `onboarding backup PATH` and `onboarding restore PATH`, drilled on SQLite and
PostgreSQL (a seeded database backed up, restored into an empty one, every table compared)."""
from __future__ import annotations

import shutil
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import create_app, database_url
from onboarding.extensions import db
from onboarding.models import Nudge
from onboarding.plans import checkins

from .conftest import PG_URL, base_config, make_user, skip_or_fail

# Real commits: backups read the database from other connections and processes.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def pg_tools(database):
    if database.startswith("postgresql") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        skip_or_fail("PostgreSQL backups need pg_dump and pg_restore (apt-get install postgresql-client)")


@pytest.fixture(scope="session")
def pg_restore_db():
    """A second PostgreSQL database to restore into, kept between runs: dropping a database
    forces a checkpoint (seconds on a busy server), so each test drops only its own schema."""
    admin = sa.create_engine(database_url(PG_URL), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    name = f"{admin.url.database}_restore"
    exists = sa.text("SELECT count(*) FROM pg_database WHERE datname = :name")
    with admin.connect() as conn:
        if not conn.scalar(exists, {"name": name}):
            try:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            except sa.exc.DBAPIError:  # another test worker created it first
                assert conn.scalar(exists, {"name": name})
    admin.dispose()
    return name


@pytest.fixture
def empty_url(database, tmp_path, request):
    """An empty database to restore into: a new SQLite file, or another PostgreSQL database
    whose search_path names the same schema (pg_restore cannot rename a schema), not yet made."""
    if not database.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    source = sa.make_url(database)
    url = source.set(database=request.getfixturevalue("pg_restore_db"))
    schema = source.query["options"].removeprefix("-csearch_path=")
    engine = sa.create_engine(url.set(query={}), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    drop = sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    with engine.connect() as conn:
        conn.execute(drop)
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(drop)
    engine.dispose()


@pytest.fixture
def other_app(empty_url, tmp_path):
    """The app pointed at the empty database, as an operator restoring would run it."""
    instance = tmp_path / "restored-instance"
    app = create_app(base_config(instance, empty_url) | {"INSTANCE_PATH": str(instance)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def assert_refused(result, *phrases) -> None:
    """A clear one-line error and exit status 1, not a traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    for phrase in phrases:
        assert phrase in result.output


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table of the app, in primary-key order."""
    return {table.name: [tuple(row) for row in db.session.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def seed(cast) -> None:
    """The cast's users and two plans, plus a check-in (with its audit row), a nudge and text
    that plain dumps get wrong: tabs, newlines, backslashes, non-ASCII."""
    plan = cast["plan_a"]
    data = checkins.CheckInInput(held_on=date(2026, 9, 18), rag="amber",
                                 summary="Good start \u2014 caf\u00e9 \U0001F44D\nline two\twith a tab \\N",
                                 private_note="Only for HR", next_checkin_on=date(2026, 10, 2))
    checkins.log_checkin(plan, cast["sponsor_a"], data, today=date(2026, 9, 18), remote_addr="192.0.2.7")
    db.session.add(Nudge(recipient_id=cast["leader_a"].id, kind="overdue", subject_type="milestone",
                         subject_id=plan.milestones[3].id, period="1", plan_id=plan.id,
                         milestone_id=plan.milestones[3].id, recorded_on=date(2026, 9, 21), status="failed",
                         attempts=2, last_error="connection refused"))
    db.session.commit()


def test_backup_restore_drill_gives_back_every_row(app, runner, cast, other_app, pg_tools, tmp_path):
    seed(cast)
    before = every_row()
    for table in ("user", "plan", "milestone", "checkin", "nudge", "audit_event", "playbook_version"):
        assert before[table], f"the drill seeds {table}"
    backup_file = tmp_path / "drill.backup"

    backed_up = runner.invoke(args=["backup", str(backup_file)])
    assert backed_up.exit_code == 0, backed_up.output
    assert str(backup_file) in backed_up.output
    assert f"{backup_file.stat().st_size:,} bytes" in backed_up.output
    assert f"{sum(map(len, before.values())):,} rows" in backed_up.output
    assert backup_file.stat().st_mode & 0o077 == 0, "a backup holds personal data: only its owner reads it"

    def restore(*args):
        # Inside its context: the CLI runs on the current app, and the test's is the source.
        with other_app.app_context():
            return other_app.test_cli_runner().invoke(args=["restore", *args, str(backup_file)])

    restored = restore()
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "Replaced" not in restored.output
    with other_app.app_context():
        assert every_row() == before
        # The restored database keeps working: ids carry on after the restored ones.
        newcomer = make_user("after.restore@example.nhs.uk")
        assert newcomer.id > max(row[0] for row in before["user"])

        with_newcomer = every_row()

    # Now it holds data: a second restore refuses and leaves it alone...
    assert_refused(restore(), "already holds data", "--force")
    with other_app.app_context():
        assert every_row() == with_newcomer

    # ...and with --force replaces it, so the user added since the backup is gone.
    forced = restore("--force")
    assert forced.exit_code == 0, forced.output
    assert "Replaced" in forced.output
    with other_app.app_context():
        assert every_row() == before


def test_backup_refuses_to_overwrite_a_file_unless_forced(app, runner, ctx, pg_tools, tmp_path):
    make_user("someone@example.nhs.uk")
    existing = tmp_path / "keep.me"
    existing.write_text("an older backup\n")

    assert_refused(runner.invoke(args=["backup", str(existing)]), f"{existing} already exists", "--force")
    assert existing.read_text() == "an older backup\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep.me")] == [], "no partial file left"

    forced = runner.invoke(args=["backup", "--force", str(existing)])
    assert forced.exit_code == 0, forced.output
    assert existing.read_bytes()[:5] in (b"SQLit", b"PGDMP"), "the file is now a backup"


def test_restore_refuses_a_file_that_is_not_a_backup_for_this_database(app, runner, ctx, database, pg_tools, tmp_path):
    make_user("stays@example.nhs.uk")
    before = every_row()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list\n")
    wrong_kind = tmp_path / "wrong.backup"
    if database.startswith("postgresql"):
        wrong_kind.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
        expected = "is a SQLite backup, but this app's database is PostgreSQL"
    else:
        wrong_kind.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "is a PostgreSQL backup (pg_dump custom format), but this app's database is SQLite"

    for path, message in ((not_a_backup, "is not a backup made by `onboarding backup`"), (wrong_kind, expected)):
        assert_refused(runner.invoke(args=["restore", "--force", str(path)]), f"Error: {path} {message}")
    db.session.remove()
    assert every_row() == before


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_postgresql_restore_refuses_a_backup_of_another_schema(app, runner, ctx, database, pg_tools, tmp_path):
    make_user("stays@example.nhs.uk")
    backup_file = tmp_path / "schema.backup"
    assert runner.invoke(args=["backup", str(backup_file)]).exit_code == 0
    other_schema = f"onboarding_elsewhere_{uuid.uuid4().hex[:8]}"
    url = sa.make_url(database)
    elsewhere = url.set(query={**url.query, "options": f"-csearch_path={other_schema}"})
    other = create_app(base_config(tmp_path, elsewhere.render_as_string(hide_password=False))
                       | {"INSTANCE_PATH": str(tmp_path / "elsewhere")})

    with other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", str(backup_file)])
        db.engine.dispose()

    assert_refused(result, f"uses schema {other_schema}", "holds schema onboarding_test_")
    exists = db.session.scalar(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": other_schema})
    assert exists == 0, "nothing was written"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_postgresql_restore_refuses_a_schema_with_tables_the_backup_lacks(app, runner, ctx, pg_tools, tmp_path):
    make_user("stays@example.nhs.uk")
    backup_file = tmp_path / "older.backup"
    assert runner.invoke(args=["backup", str(backup_file)]).exit_code == 0
    # As after an upgrade whose migration added a table pointing at user.
    db.session.execute(sa.text('CREATE TABLE added_later (id int PRIMARY KEY, user_id int REFERENCES "user"(id))'))
    db.session.commit()
    before = every_row()

    result = runner.invoke(args=["restore", "--force", str(backup_file)])

    assert_refused(result, "has tables the backup does not (added_later)", "restore into an empty database")
    db.session.remove()
    assert every_row() == before
    db.session.execute(sa.text("DROP TABLE added_later"))
    db.session.commit()
