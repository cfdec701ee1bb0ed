"""Where a page's time goes, for bench/run.py: SQL, template rendering and the rest of each
request; a profile of one page (top functions by cumulative time); the cohort's query plans on
PostgreSQL; and how fast the `onboarding` command starts.
"""
from __future__ import annotations

import contextlib
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TARGET_SECONDS = 0.3
STARTUP_COMMANDS = (("onboarding --help", ["--help"]), ("onboarding nudges run --help", ["nudges", "run", "--help"]))


# --- SQL / rendering / rest --------------------------------------------------------------------


class Split:
    """Time spent inside SQL statements and inside the top-level template render of each request,
    from SQLAlchemy's cursor events and Flask's render signals (no patching). SQL run while a
    template renders (a lazy load) counts as SQL, not rendering."""

    def __init__(self, app):
        from onboarding.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.app = app
        self.sql = self.render = 0.0
        self._sql_started = self._render_started = None
        self._sql_at_render = 0.0

    def _before_sql(self, *_args):
        self._sql_started = time.perf_counter()

    def _after_sql(self, *_args):
        if self._sql_started is not None:
            self.sql += time.perf_counter() - self._sql_started
            self._sql_started = None

    def _before_render(self, *_args, **_kw):
        self._render_started = time.perf_counter()
        self._sql_at_render = self.sql

    def _after_render(self, *_args, **_kw):
        if self._render_started is not None:
            self.render += (time.perf_counter() - self._render_started) - (self.sql - self._sql_at_render)
            self._render_started = None

    @contextlib.contextmanager
    def listening(self):
        from flask import before_render_template, template_rendered

        sa.event.listen(self.engine, "before_cursor_execute", self._before_sql)
        sa.event.listen(self.engine, "after_cursor_execute", self._after_sql)
        before_render_template.connect(self._before_render, self.app)
        template_rendered.connect(self._after_render, self.app)
        try:
            yield self
        finally:
            sa.event.remove(self.engine, "before_cursor_execute", self._before_sql)
            sa.event.remove(self.engine, "after_cursor_execute", self._after_sql)
            before_render_template.disconnect(self._before_render, self.app)
            template_rendered.disconnect(self._after_render, self.app)


def time_split(app, client, path: str, requests: int = 30) -> dict:
    """Mean ms per request of ``path`` in SQL, rendering and the rest (after up to 3 warm-ups)."""
    for _ in range(min(3, requests)):
        client.get(path)
    split = Split(app)
    total = 0.0
    with split.listening():
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path)
            total += time.perf_counter() - started
    sql, render = split.sql / requests * 1000, split.render / requests * 1000
    total_ms = total / requests * 1000
    rest = max(0.0, total_ms - sql - render)

    def share(part: float) -> int:
        return round(100 * part / total_ms) if total_ms else 0

    return {"requests": requests, "total_ms": round(total_ms, 2), "sql_ms": round(sql, 2),
            "render_ms": round(render, 2), "rest_ms": round(rest, 2),
            "sql_percent": share(sql), "render_percent": share(render), "rest_percent": share(rest)}


# --- profile of one page -----------------------------------------------------------------------


def profile_page(app, client, path: str, requests: int = 50, top: int = 40, profiler: str = "cprofile") -> str:
    """The top functions by cumulative time over ``requests`` requests of ``path``, as text."""
    for _ in range(3):
        client.get(path)
    if profiler == "pyinstrument":
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(requests):
            client.get(path)
        prof.stop()
        return prof.output_text(unicode=True, color=False, show_all=False)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(requests):
        client.get(path)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"\nThe same {requests} requests by own time (tottime):\n")
    stats.sort_stats("tottime").print_stats(top // 2)
    # Shorten the site-packages prefixes so each line fits a terminal.
    text = out.getvalue()
    for prefix in sorted({p for p in sys.path if p and p.endswith("site-packages")}, key=len, reverse=True):
        text = text.replace(prefix + "/", "")
    return text.replace(str(ROOT) + "/", "")


# --- query plans --------------------------------------------------------------------------------


def explain_page(app, client, path: str) -> list[dict]:
    """Each SELECT one request of ``path`` runs, with PostgreSQL's EXPLAIN ANALYZE of it run again
    with the same parameters (after a warm-up request). Empty on SQLite."""
    from onboarding.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return []
    client.get(path)
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    plans = []
    with engine.connect() as conn:
        for statement, parameters in seen:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters or {}).scalars().all()
            plans.append({"statement": " ".join(statement.split()), "plan": rows})
        conn.rollback()
    return plans


def explain_text(name: str, plans: list[dict], width: int = 160) -> str:
    lines = [f"### {name}: {len(plans)} SELECT statements", ""]
    for i, item in enumerate(plans, 1):
        statement = item["statement"]
        lines.append(f"{i}. {statement[:width]}{'…' if len(statement) > width else ''}")
        lines += ["       " + row for row in item["plan"]]
    return "\n".join(lines)


# --- command start ------------------------------------------------------------------------------


def _median_run(command: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, cwd=str(ROOT), env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def startup_times(runs: int = 5) -> dict:
    """Median wall time of `python -c pass` and of each command in STARTUP_COMMANDS, with the ratio."""
    # What the installed `onboarding` script runs, here against this tree (cwd first on sys.path).
    script = [sys.executable, "-c", "from onboarding.cli import main; main()"]
    with tempfile.TemporaryDirectory(prefix="onboarding-start-") as instance:
        env = dict(os.environ, ONBOARDING_INSTANCE_PATH=instance)
        baseline = _median_run([sys.executable, "-c", "pass"], runs, env)
        result = {"python -c pass": {"seconds": round(baseline, 3), "runs": runs}}
        for label, args in STARTUP_COMMANDS:
            seconds = _median_run([*script, *args], runs, env)
            result[label] = {"seconds": round(seconds, 3), "ratio": round(seconds / baseline, 1)}
    return result
