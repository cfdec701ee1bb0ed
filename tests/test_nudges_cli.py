"""`onboarding nudges run`, `scheduler` and `run` from the command line."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import Nudge

from .conftest import ROOT, make_user
from .nudge_helpers import SMTPServer, complete, world

# Real commits: `nudges run` sends, marking emails on a second connection.
pytestmark = pytest.mark.real_commits


def statuses():
    db.session.expire_all()
    return sorted((n.kind, n.status) for n in db.session.scalars(sa.select(Nudge)))


def test_nudges_run_prints_the_counts(ctx, runner):
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])
    result = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "recorded 2, sent 2, failed 0"
    if db.engine.dialect.name == "sqlite":  # the daily job's statistics for the planner, as the scheduler's
        assert db.session.scalar(sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'nudge'")) > 0
    again = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
    assert (again.exit_code, again.output.strip()) == (0, "recorded 0, sent 0, failed 0")


def test_a_failed_statistics_refresh_does_not_fail_a_sweep_that_sent(ctx, runner, monkeypatch, caplog):
    from onboarding.nudges import delivery

    def locked():
        raise sa.exc.OperationalError("ANALYZE", {}, Exception("database is locked"))

    monkeypatch.setattr(delivery, "refresh_statistics", locked)
    world(make_user)
    result = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "recorded 3, sent 3, failed 0"
    assert "refreshing SQLite's statistics failed" in caplog.text
    assert [status for _, status in statuses()] == ["sent"] * 3  # marked, and none to send again


def test_dry_run_writes_and_sends_nothing(ctx, runner):
    from onboarding.nudges import mail

    world(make_user)
    result = runner.invoke(args=["nudges", "run", "--today", "2026-12-22", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would record: due_soon to lee.leader@example.nhs.uk" in result.output
    assert "would record 3" in result.output and "nothing written or sent" in result.output
    assert statuses() == [] and mail.memory_outbox() == []


def test_bad_date_is_a_usage_error(ctx, runner):
    result = runner.invoke(args=["nudges", "run", "--today", "22/12/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


@pytest.mark.parametrize("day", ["1999-12-31", "9999-12-31"])
def test_a_date_outside_the_planning_years_is_a_usage_error(ctx, runner, day):
    result = runner.invoke(args=["nudges", "run", "--today", day])
    assert result.exit_code == 2
    assert "must be between 1 January 2000 and 31 December 2099" in result.output


def test_an_unexpected_error_is_not_exit_3(ctx, runner):
    world(make_user)
    ctx.config["NUDGE_MAX_ATTEMPTS"] = "many"  # a broken setting, not a mail failure
    result = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
    assert result.exit_code == 1 and "error: nudge sweep failed" in result.output


def test_smtp_down_exits_3_and_loses_nothing_then_delivers_once(ctx, runner):
    people = world(make_user)
    complete(people["plan"], "welcome", people["hr"])
    server = SMTPServer()
    ctx.config.update(server.config())  # nothing is listening on the port yet
    down = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
    assert down.exit_code == 3, down.output
    assert down.output.strip().splitlines()[-1] == "recorded 2, sent 0, failed 2"
    assert "cannot connect to mail server" in down.output
    assert statuses() == [("digest", "pending"), ("due_soon", "pending")]
    server.start()
    try:
        up = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
        assert up.exit_code == 0, up.output
        assert up.output.strip() == "recorded 0, sent 2, failed 0"
        after = runner.invoke(args=["nudges", "run", "--today", "2026-12-22"])
        assert after.output.strip() == "recorded 0, sent 0, failed 0"
        received = sorted((msg["To"], msg["Subject"]) for _, msg in server.handler.take())
    finally:
        server.stop()
    assert received == [("lee.leader@example.nhs.uk", "Due soon: Meet the digital team (due 24 Dec)"),
                        ("sam.sponsor@example.nhs.uk", "Your weekly onboarding digest: week of 21 December 2026")]
    assert statuses() == [("digest", "sent"), ("due_soon", "sent")]


def _onboarding(*args, tmp_path):
    env = os.environ | {"ONBOARDING_INSTANCE_PATH": str(tmp_path), "ONBOARDING_SECRET_KEY": "test",
                        "ONBOARDING_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    return subprocess.run([str(Path(ROOT) / ".venv/bin/onboarding"), *args], env=env, capture_output=True, text=True, timeout=60)


def test_onboarding_run_is_ours_and_the_commands_are_listed(tmp_path):
    run = _onboarding("run", "--help", tmp_path=tmp_path)
    assert run.returncode == 0
    assert "--scheduler / --no-scheduler" in run.stdout and "--host" in run.stdout and "--reload" in run.stdout
    top = _onboarding("--help", tmp_path=tmp_path).stdout
    assert "nudges" in top and "scheduler" in top
    nudges_help = _onboarding("nudges", "run", "--help", tmp_path=tmp_path).stdout
    assert "--today" in nudges_help and "--dry-run" in nudges_help
