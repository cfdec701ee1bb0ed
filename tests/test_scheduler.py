"""The APScheduler wiring: jobs, triggers in Europe/London, one scheduler per process,
and never two under the development server's reloader."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from onboarding import create_app
from onboarding.nudges import scheduler

from .conftest import ROOT, base_config
from .nudge_helpers import free_port

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def plain_app(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 's.sqlite3'}") | {"INSTANCE_PATH": str(tmp_path)})
    from onboarding.extensions import db

    with app.app_context():
        db.create_all()
    yield app
    scheduler.stop_in_process()


def test_jobs_run_daily_at_eight_london_time_and_retry_every_fifteen_minutes(plain_app):
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = scheduler.configure(BackgroundScheduler(timezone=LONDON), plain_app)
    sweep, retry = sched.get_job(scheduler.SWEEP_JOB), sched.get_job(scheduler.RETRY_JOB)
    for job in (sweep, retry):
        assert job.coalesce is True and job.max_instances == 1
    assert sweep.misfire_grace_time >= 3600
    # 08:00 on the wall clock in London, in winter (GMT) and summer (BST) alike.
    winter = sweep.trigger.get_next_fire_time(None, datetime(2027, 1, 4, 9, 0, tzinfo=LONDON))
    assert winter == datetime(2027, 1, 5, 8, 0, tzinfo=LONDON) and winter.utcoffset().total_seconds() == 0
    summer = sweep.trigger.get_next_fire_time(None, datetime(2027, 3, 27, 12, 0, tzinfo=LONDON))
    assert summer.replace(tzinfo=None) == datetime(2027, 3, 28, 8, 0) and summer.utcoffset().total_seconds() == 3600
    assert retry.trigger.interval.total_seconds() == 15 * 60


def test_only_the_reloaders_child_process_starts_a_scheduler(monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert scheduler.should_start_in_process(use_reloader=False)
    assert not scheduler.should_start_in_process(use_reloader=True)
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert scheduler.should_start_in_process(use_reloader=True)


def test_in_process_scheduler_starts_once_and_runs_jobs_inside_an_app_context(plain_app, caplog):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    first = scheduler.start_in_process(plain_app)
    assert scheduler.start_in_process(plain_app) is first and first.running
    done = threading.Event()
    outcome = []
    first.add_listener(lambda event: (outcome.append(event), done.set()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    with caplog.at_level("INFO", logger="onboarding"):
        first.modify_job(scheduler.SWEEP_JOB, next_run_time=datetime.now(LONDON))
        assert done.wait(10)
    assert outcome[0].exception is None
    assert any("daily nudge sweep: recorded 0, sent 0, failed 0" in r.getMessage() for r in caplog.records)
    scheduler.stop_in_process()
    assert not first.running


def test_run_under_the_reloader_starts_the_scheduler_once(tmp_path):
    port = free_port()
    env = os.environ | {
        "ONBOARDING_INSTANCE_PATH": str(tmp_path),
        "ONBOARDING_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "ONBOARDING_SECRET_KEY": "test-secret-key",
        "ONBOARDING_MAIL_BACKEND": "file",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WERKZEUG_RUN_MAIN", None)
    command = [str(Path(ROOT) / ".venv/bin/onboarding"), "run", "--port", str(port), "--reload"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as proc:
        # Should the server hang, kill it: the reads below then end.
        watchdog = threading.Timer(30, os.killpg, (proc.pid, signal.SIGKILL))
        watchdog.start()
        try:
            # The watcher process listens on the port before it starts the child that serves,
            # and says so; from then on a request waits in the queue until the child answers.
            seen = []
            for line in proc.stdout:
                seen.append(line)
                if "Running on http" in line:
                    break
            else:
                pytest.fail("the development server did not start: " + "".join(seen))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as health:
                assert health.status == 200
            # Each process prints the scheduler line, if at all, before it serves: all in by now.
        finally:
            watchdog.cancel()
            with contextlib.suppress(ProcessLookupError):  # the watchdog got there first
                os.killpg(proc.pid, signal.SIGTERM)
            rest, _ = proc.communicate(timeout=10)
    text = "".join(seen) + rest
    assert text.count("Nudge scheduler running in this process") == 1, text


def test_the_daily_job_sweeps_then_gives_sqlite_statistics_about_the_days_plans(plain_app, tmp_path):
    """After the sweep, the job refreshes SQLite's statistics (PostgreSQL's autovacuum keeps its
    own), so the planner knows how the day's plans are spread (plans.cohort's overdue page)."""
    import sqlalchemy as sa

    from onboarding import demo, playbooks
    from onboarding.extensions import db
    from onboarding.models import SweepRun

    with plain_app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        demo.seed()
        analysed = sa.select(sa.func.count()).select_from(sa.table("sqlite_stat1")).where(sa.column("tbl") == "plan")
        assert not db.session.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
    scheduler.daily_sweep(plain_app)
    with plain_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SweepRun)) == 1
        assert db.session.scalar(analysed) > 0
        db.engine.dispose()
