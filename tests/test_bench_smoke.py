"""The benchmark runs end to end at a tiny scale: seeding, pages in-process and over
gunicorn, the nudge sweep and plan creation, and it writes its table and JSON."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from onboarding import create_app, database_url
from onboarding.extensions import db

from .conftest import DATABASES, PG_URL, base_config

ROOT = Path(__file__).resolve().parent.parent


def load_bench(monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", bench)  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    return bench


def test_benchmark_prints_table_and_writes_json(tmp_path, monkeypatch):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--plans", "20", "--quick", "--databases", "sqlite",
         "--output-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        # The tests' cheap argon2 for its sign-ins (seconds at full cost, and none of them is
        # measured); tests/test_throttling.py checks the full cost.
        env=os.environ | {"ONBOARDING_ARGON2_TIME_COST": "1", "ONBOARDING_ARGON2_MEMORY_COST": "64"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| Page | Database |" in done.stdout
    for page in ("leader plan", "sponsor dashboard", "HR cohort", "HR cohort, overdue"):
        assert f"| {page} | sqlite |" in done.stdout
    assert "Daily nudge sweep, 20 plans" in done.stdout

    latest = json.loads((tmp_path / "latest.json").read_text())
    assert len(list(tmp_path.glob("*.json"))) == 2  # the timestamped copy and latest.json
    sqlite = latest["databases"]["sqlite"]
    assert latest["settings"]["plans"] == 20
    assert latest["machine"]["cpus"] >= 1 and latest["machine"]["python"]
    assert sqlite["seed"]["20"]["rows"]["milestone"] == 20 * 34  # the CDIO playbook's milestones per plan
    for page in ("health", "leader plan", "sponsor dashboard", "HR cohort", "HR cohort, overdue"):
        assert sqlite["inprocess"][page]["status"] == 200, page
        assert sqlite["http"][page]["status"] == 200, page
        assert sqlite["queries"]["20"][page]["queries"] >= 1, page
    assert sqlite["sweep"]["20"]["daily"]["seconds"] > 0
    assert sqlite["create"]["plans"] == 20
    assert sqlite["memory"]["web_worker_peak_mib"] > 0

    # The warning about a busy machine comes from how busy it was just before the pages were measured.
    assert 0 <= sqlite["busy"]["before_latency"] <= 1
    bench = load_bench(monkeypatch)
    sqlite["busy"]["before_latency"] = 0.6
    assert "WARNING: other work kept the machine busy just before the pages were measured (share of all CPUs: " \
        "sqlite 60%)" in bench.markdown(latest)
    sqlite["busy"]["before_latency"] = 0.1
    assert "WARNING" not in bench.markdown(latest)


def test_busy_share_counts_other_work_on_every_cpu(monkeypatch):
    """Processes spinning on every CPU while the benchmark waits make the machine (nearly) all busy."""
    bench = load_bench(monkeypatch)
    spinner = "import time\nend = time.time() + 5\nprint('spinning', flush=True)\nwhile time.time() < end: pass"
    spin = [subprocess.Popen([sys.executable, "-c", spinner], stdout=subprocess.PIPE, text=True)
            for _ in range(os.cpu_count() or 1)]
    try:
        assert all(p.stdout.readline() == "spinning\n" for p in spin)  # every one of them running
        assert bench.busy_share(1.0) > 0.9
    finally:
        for p in spin:
            p.kill()
            p.communicate()  # reaped, its pipe closed


# A statement that would run for seconds: SQLite counting without end, PostgreSQL asleep.
SLOW = {"sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        "postgresql": "SELECT pg_sleep(3)"}


@pytest.mark.parametrize("kind", DATABASES)
def test_the_benchmark_cuts_off_a_slow_statement_in_every_transaction(tmp_path, kind, monkeypatch):
    """One pathological query cannot hold the benchmark up: past its limit a statement fails,
    in the first transaction on a connection and in those after it."""
    bench = load_bench(monkeypatch)
    url = f"sqlite:///{tmp_path / 'limit.sqlite3'}" if kind == "sqlite" else database_url(PG_URL)
    app = create_app(base_config(tmp_path, url))
    bench.limit_statements(app, 0.2)
    with app.app_context():
        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError):
                db.session.execute(sa.text(SLOW[kind]))
            db.session.rollback()
            db.session.remove()  # the connection back to the pool, taken again next time
            assert time.monotonic() - started < 2
        db.engine.dispose()
