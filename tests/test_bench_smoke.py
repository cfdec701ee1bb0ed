"""The benchmark runs end to end at a tiny scale: seeding, pages in-process and over
gunicorn, the nudge sweep and plan creation, and it writes its table and JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_prints_table_and_writes_json(tmp_path):
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
