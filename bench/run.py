"""Benchmarks: the pages and the nudge sweep at national scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/run.py [--plans 10000] [--databases sqlite,postgresql] [--quick]
                                  [--postgres-url URL] [--output-dir bench/results]

For each database it seeds fresh data with bulk inserts (bench/seed.py) at 100 plans,
1,000 plans and --plans plans, and measures:

- SQL queries per request of each page at 100 plans and at --plans plans;
- p50/p95 latency of each page in-process (Flask test client, signed in through the
  login form) and over HTTP against gunicorn (2 sync workers, several client threads),
  each also as a multiple of /health measured the same way in the same run;
- one nudge sweep (in a subprocess, so its own peak memory is measurable) at 1,000
  and at --plans plans;
- plans created per second through onboarding.plans.create_plan, committing each like
  `onboarding plans create` does;
- the peak resident memory (VmHWM) of a gunicorn web worker and of the sweep.

It prints Markdown tables and writes the figures as JSON to bench/results/<timestamp>.json
and bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
import timing  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "bench"
SECRET_KEY = "benchmark-secret-key-not-for-production"
QUERY_SCALE = 100  # queries per request are compared between this and --plans
SWEEP_SCALE = 1000  # the sweep is compared between this and --plans
CREATE_PLANS = 1000
CLIENT_THREADS = 8
GUNICORN_WORKERS = 2
# A page slower than this for one request is measured once only, and not over HTTP, so
# that one pathological query cannot push the run past its 15-minute budget.
SLOW_SECONDS = 5.0
# No single statement may run longer than this while pages are measured: a query that
# would take minutes is cut off (the page answers 500) and reported as timed out.
STATEMENT_LIMIT_SECONDS = 20.0
PAGE_BUDGET_SECONDS = 30.0  # at most this long measuring one page in one way
SWEEP_TIMEOUT_SECONDS = 600

# (name, path, who signs in). The HR cohort's overdue filter is the form's checkbox; the plan
# page is the measured leader's plan as their sponsor sees it ({plan_id} filled in once seeded).
PAGES = (
    ("health", "/health", None),
    ("leader plan", "/my-plan", "leader"),
    ("sponsor dashboard", "/sponsor", "sponsor"),
    ("plan page", "/plans/{plan_id}", "sponsor"),
    ("HR cohort", "/hr/cohort", "hr"),
    ("HR cohort, overdue", "/hr/cohort?overdue=y", "hr"),
)
COHORT_PAGES = ("HR cohort", "HR cohort, overdue")
TARGETS = {
    "page_p95_ms": 100.0,
    "sweep_seconds": {"sqlite": 5.0, "postgresql": 3.0},
    "sweep_ratio": 10.0,
    "create_seconds": 10.0,
    # Over HTTP, sequential requests: each main page against /health in the same run.
    "health_p50_ratio": 4.0,
    "health_p95_ratio": 6.0,
    "cohort_scale_ratio": 1.10,  # cohort p50 at --plans over the cohort at 1,000 plans
    "concurrent_errors": 0,
}
SEQUENTIAL_REQUESTS = 200  # a page, over HTTP, one client
COHORT_ROUNDS = 10  # interleaved rounds of the cohort at 1,000 and at --plans plans
BUSY_WARNING = 0.25  # other work using more than this share of all CPUs makes latencies suspect


def page_path(path: str, seeded) -> str:
    return path.format(plan_id=seeded.plan_id)


# --- small helpers ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(latencies: list[float]) -> dict:
    return {
        "n": len(latencies),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
    }


def proc_status_kib(pid: int | str, field: str) -> int | None:
    """A field of /proc/<pid>/status in KiB (VmHWM is the peak resident set)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def busy_share(seconds: float = 2.0) -> float | None:
    """The share of all the CPUs busy over ``seconds`` while the benchmark itself waits: other
    work on the machine. (The 1-minute load average would count the benchmark's own seeding of
    the minute before, and so warned on every run.) None where /proc/stat cannot be read."""
    def sample() -> tuple[int, int]:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # busy, total: all but idle and iowait

    try:
        busy, total = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except (OSError, ValueError, IndexError):
        return None
    return round((busy_after - busy) / max(total_after - total, 1), 3)


def log_step(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def quiet_logging():
    """Alembic's migration logging is noise here."""
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- databases --------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str  # sqlite | postgresql
    base_url: str | None  # PostgreSQL server URL, without the schema option

    def schema(self, label: str) -> str:
        """The full-scale database is the schema "bench"; the smaller ones "bench_small", "bench_mid"."""
        return PG_SCHEMA if label == "full" else f"{PG_SCHEMA}_{label}"

    def fresh(self, workdir: Path, label: str) -> str:
        """A URL for an empty database: a new SQLite file, or the label's schema recreated."""
        if self.kind == "sqlite":
            path = workdir / f"bench-{label}.sqlite3"
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        from onboarding import database_url

        schema = self.schema(label)
        self.drop(label)
        engine = sa.create_engine(database_url(self.base_url))
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        sep = "&" if "?" in self.base_url else "?"
        return f"{database_url(self.base_url)}{sep}options=-csearch_path%3D{schema}"

    def drop(self, label: str) -> None:
        """Drop a smaller scale's schema when done with it (the full one stays for a look afterwards)."""
        if self.kind != "postgresql":
            return
        from onboarding import database_url

        engine = sa.create_engine(database_url(self.base_url))
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema(label)}" CASCADE'))
        engine.dispose()

    def version(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        from onboarding import database_url

        engine = sa.create_engine(database_url(self.base_url))
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return f"PostgreSQL {version}"


def app_config(url: str, instance: Path) -> dict:
    """Production settings (CSRF on, full-cost argon2, file mail) on the bench database."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": SECRET_KEY,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(instance / "outbox"),
    }


def build(url: str, instance: Path, n_plans: int, today: date):
    """A migrated, seeded database at ``n_plans``; returns (app, Seeded)."""
    import seed as seeding
    from flask_migrate import upgrade

    from onboarding import create_app, refresh_statistics
    from onboarding.extensions import db
    from onboarding.people import accounts

    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(app_config(url, instance))
    with app.app_context():
        with quiet_logging():
            upgrade()
        password_hash = accounts._hasher.hash(seeding.PASSWORD)
        seeded = seeding.seed(app, n_plans, today, password_hash)
        if db.engine.dialect.name == "postgresql":
            # Autovacuum would vacuum and analyse the new rows within a minute in production
            # (vacuuming also lets index-only scans skip the table).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            refresh_statistics()  # as the scheduler's daily job does after its sweep
        db.session.remove()
    return app, seeded


def limit_statements(app, seconds: float = STATEMENT_LIMIT_SECONDS) -> None:
    """Cut off any statement that runs longer than ``seconds``: PostgreSQL's
    statement_timeout, and on SQLite a progress handler that interrupts the query."""
    from onboarding.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        @sa.event.listens_for(engine, "connect")
        def set_timeout(dbapi_connection, _record):
            # Once a connection, committed so that it stays for the session: set on every checkout
            # instead, it cost each request and each created plan a round trip production does not make.
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(seconds * 1000)}")
            dbapi_connection.commit()

        engine.dispose()  # the connections already open have no limit: open them again
        return
    deadline = [None]

    @sa.event.listens_for(engine, "before_cursor_execute")
    def start_clock(*_args):
        deadline[0] = time.monotonic() + seconds

    def interrupt() -> int:
        return 1 if deadline[0] is not None and time.monotonic() > deadline[0] else 0

    @sa.event.listens_for(engine, "checkout")
    def install(dbapi_connection, _record, _proxy):
        dbapi_connection.set_progress_handler(interrupt, 100_000)


def dispose(app) -> None:
    from onboarding.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- in-process requests ----------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)" name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html) or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the sign-in page")
    return next(g for g in match.groups() if g)


def signed_in_client(app, email: str):
    import seed as seeding

    client = app.test_client()
    if email is None:
        return client
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": seeding.PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")
    return client


def role_emails(seeded) -> dict:
    return {None: None, "leader": seeded.leader_email, "sponsor": seeded.sponsor_email, "hr": seeded.hr_email}


@contextlib.contextmanager
def query_counter(app):
    from onboarding.extensions import db

    with app.app_context():
        engine = db.engine
    count = [0]

    def on_execute(*_args):
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def count_queries(app, seeded) -> dict:
    """SQL statements for one request of each page, after a warm-up request."""
    emails = role_emails(seeded)
    clients = {role: signed_in_client(app, email) for role, email in emails.items()}
    result = {}
    with query_counter(app) as count:
        for name, path, role in PAGES:
            client, path = clients[role], page_path(path, seeded)
            before = count[0]
            started = time.perf_counter()
            response = client.get(path)
            first = time.perf_counter() - started
            result[name] = {"queries": count[0] - before, "status": response.status_code,
                            "first_request_seconds": round(first, 3)}
            if first < SLOW_SECONDS:
                # Count a warm request: the first may fill caches.
                before = count[0]
                response = client.get(path)
                result[name].update(queries=count[0] - before, status=response.status_code)
            else:
                result[name]["slow"] = True
                if response.status_code == 500 and first >= STATEMENT_LIMIT_SECONDS:
                    result[name]["timed_out"] = STATEMENT_LIMIT_SECONDS
                    log_step(f"  {name}: a statement ran past the {STATEMENT_LIMIT_SECONDS:g} s limit")
                else:
                    log_step(f"  {name}: one request took {first:.1f} s; measured once only")
            if response.status_code != 200:
                result[name]["error"] = f"HTTP {response.status_code}"
    return result


def inprocess_latency(app, seeded, requests: int, slow: dict) -> dict:
    """``slow``: page name -> seconds of its one (first) request, for pages too slow to repeat."""
    emails = role_emails(seeded)
    clients = {role: signed_in_client(app, email) for role, email in emails.items()}
    result = {}
    for name, path, role in PAGES:
        if name in slow:
            result[name] = summary([slow[name]]) | {"status": 200, "slow": True}
            continue
        client, path = clients[role], page_path(path, seeded)
        for _ in range(3):
            client.get(path)
        latencies, status = [], 200
        budget = time.perf_counter() + PAGE_BUDGET_SECONDS
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - started)
            status = response.status_code if response.status_code != 200 else status
            if time.perf_counter() > budget and len(latencies) >= 20:
                break
        result[name] = summary(latencies) | {"status": status}
    return with_ratios(result)


def with_ratios(result: dict) -> dict:
    health = result.get("health")
    for figures in result.values():
        if health and health.get("p50_ms") and health.get("p95_ms") and "p50_ms" in figures:
            figures["p50_ratio"] = round(figures["p50_ms"] / health["p50_ms"], 1)
            figures["p95_ratio"] = round(figures["p95_ms"] / health["p95_ms"], 1)
    return result


# --- over HTTP with gunicorn ------------------------------------------------------------------


class Gunicorn:
    """gunicorn 'onboarding:create_app()' with 2 sync workers, configured through ONBOARDING_*."""

    def __init__(self, url: str, instance: Path):
        self.port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = dict(os.environ)
        env.update(
            ONBOARDING_SQLALCHEMY_DATABASE_URI=url,
            ONBOARDING_INSTANCE_PATH=str(instance),
            ONBOARDING_SECRET_KEY=SECRET_KEY,
            ONBOARDING_MAIL_BACKEND="file",
        )
        # Open for the server's whole life: stop() closes it.
        self.log = open(instance / "gunicorn.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(GUNICORN_WORKERS), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "onboarding:create_app()"],
            cwd=str(ROOT), env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {instance / 'gunicorn.log'}")
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /health within 60 s")

    def request(self, method: str, path: str, body: str | None = None, cookie: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            headers = {"Cookie": cookie} if cookie else {}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.getheader("Set-Cookie"), data
        finally:
            conn.close()

    def sign_in(self, email: str | None) -> str | None:
        import seed as seeding

        if email is None:
            return None
        status, set_cookie, html = self.request("GET", "/login")
        cookie = set_cookie.split(";", 1)[0]
        token = csrf_from(html.decode())
        body = urllib.parse.urlencode({"email": email, "password": seeding.PASSWORD, "csrf_token": token})
        status, set_cookie, _ = self.request("POST", "/login", body, cookie)
        if status != 302 or not set_cookie:
            raise RuntimeError(f"could not sign in over HTTP as {email}: {status}")
        return set_cookie.split(";", 1)[0]

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.process.pid:
                        pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def http_latency(url: str, instance: Path, seeded, requests: int, slow: dict,
                 sequential_requests: int) -> tuple[dict, dict, dict]:
    """Over gunicorn: every page with one client (sequential requests, the figures the
    /health targets apply to), then with CLIENT_THREADS concurrent clients (p95, requests a
    second and errors). Returns (sequential, concurrent, memory)."""
    server = Gunicorn(url, instance)
    try:
        cookies = {role: server.sign_in(email) for role, email in role_emails(seeded).items()}
        for _, path, role in PAGES:
            for _ in range(2 * GUNICORN_WORKERS):  # every worker has seen the page
                server.request("GET", page_path(path, seeded), cookie=cookies[role])
        sequential = _http_run(server, seeded, cookies, 1, sequential_requests, slow)
        concurrent = _http_run(server, seeded, cookies, CLIENT_THREADS, requests, slow)
        peaks = [proc_status_kib(pid, "VmHWM") for pid in server.workers()]
        memory = {"web_worker_peak_mib": round(max(p for p in peaks if p) / 1024, 1) if any(peaks) else None}
    finally:
        server.stop()
    return with_ratios(sequential), with_ratios(concurrent), memory


def _http_run(server, seeded, cookies: dict, clients: int, requests: int, slow: dict) -> dict:
    result = {}
    for name, path, role in PAGES:
        if name in slow:
            result[name] = {"skipped": f"one request took {slow[name]:.1f} s in-process"}
            continue
        path = page_path(path, seeded)
        per_client = max(1, requests // clients)
        budget = time.perf_counter() + PAGE_BUDGET_SECONDS
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            runs = [pool.submit(_client, server, path, cookies[role], per_client, budget) for _ in range(clients)]
            runs = [run.result() for run in runs]
        wall = time.perf_counter() - started
        latencies = [latency for mine, _, _ in runs for latency in mine]
        statuses = set().union(*(seen for _, seen, _ in runs))
        result[name] = summary(latencies) | {
            "clients": clients,
            "requests_per_second": round(len(latencies) / wall, 1),
            "status": max(statuses) if statuses else None,
            "errors": sum(errors for _, _, errors in runs),
        }
    return result


def _client(server, path: str, cookie: str, requests: int, budget: float) -> tuple[list[float], set[int], int]:
    """One client thread: up to ``requests`` GETs of ``path`` (at least three, then until
    ``budget``). An error is an answer other than 200 or a failed connection."""
    latencies, statuses, errors = [], set(), 0
    for i in range(requests):
        if i >= 3 and time.perf_counter() > budget:
            break
        started = time.perf_counter()
        try:
            status, _, _ = server.request("GET", path, cookie=cookie)
        except (OSError, http.client.HTTPException):
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
        statuses.add(status)
        errors += status != 200
    return latencies, statuses, errors


# --- nudge sweep (in a child process) ----------------------------------------------------------


def previous_working_day(day: date) -> date:
    from onboarding.plans import planning

    cal = planning.Calendar()
    return cal.add_working_days(day, -1)


def run_sweep(url: str, instance: Path, anchor: date) -> dict:
    """Two sweeps in a fresh process: the first on the previous working day records the
    backlog a newly seeded database has (catch-up), the second is the daily sweep on the
    anchor day that the target applies to. Returns both timings and the peak memory."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child-sweep", "--child-url", url,
               "--child-instance", str(instance), "--child-today", anchor.isoformat()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=str(ROOT), timeout=SWEEP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        log_step(f"  the sweep did not finish within {SWEEP_TIMEOUT_SECONDS} s")
        timed_out = {"seconds": None, "timed_out": SWEEP_TIMEOUT_SECONDS, "recorded": None, "emails": None,
                     "queries": None, "peak_rss_mib": None}
        return {"catch_up": timed_out, "daily": timed_out}
    if done.returncode != 0:
        raise RuntimeError(f"sweep process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_sweep(args) -> None:
    from onboarding import create_app, nudges

    instance = Path(args.child_instance)
    app = create_app(app_config(args.child_url, instance))
    today = date.fromisoformat(args.child_today)
    report = {"baseline_rss_mib": None}
    with app.app_context():
        report["baseline_rss_mib"] = round((proc_status_kib("self", "VmRSS") or 0) / 1024, 1)
        for label, day in (("catch_up", previous_working_day(today)), ("daily", today)):
            reset = _reset_peak()
            with query_counter(app) as count:
                started = time.perf_counter()
                result = nudges.sweep(day, app.config)
                seconds = time.perf_counter() - started
            report[label] = {
                "day": day.isoformat(),
                "seconds": round(seconds, 3),
                "recorded": result.recorded,
                "sent": result.delivery.sent,
                "skipped": result.delivery.skipped,
                "failed": result.delivery.failed,
                "emails": result.delivery.emails,
                "queries": count[0],
                "peak_rss_mib": round((proc_status_kib("self", "VmHWM") or 0) / 1024, 1),
                "peak_reset": reset,
            }
    print(json.dumps(report))


def _reset_peak() -> bool:
    """Linux resets VmHWM to the current RSS when 5 is written to clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# --- plan creation ----------------------------------------------------------------------------


def create_rate(app, count: int, today: date) -> dict:
    """Create ``count`` plans through plans.create_plan, one commit each as the CLI does."""
    import seed as seeding

    from onboarding import plans, playbooks
    from onboarding.extensions import db
    from onboarding.models import User
    from onboarding.people import accounts

    with app.app_context():
        leader_ids = seeding.add_users("newleader", count, accounts._hasher.hash(seeding.PASSWORD))
        db.session.commit()
        sponsor_ids = db.session.scalars(sa.select(User.id).where(User.email.like("sponsor.%")).order_by(User.id)).all()
        db.session.remove()
        start = today + timedelta(days=28)
        started = time.perf_counter()
        for i, leader_id in enumerate(leader_ids):
            # Look the people up as the CLI does, in a fresh session each time.
            leader = db.session.get(User, leader_id)
            sponsor = db.session.get(User, sponsor_ids[i % len(sponsor_ids)])
            version = playbooks.get_playbook("cdio-cio-26-weeks").latest
            plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=start, months=6)
            db.session.commit()
            db.session.remove()
        seconds = time.perf_counter() - started
    return {"plans": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1)}


# --- one database ------------------------------------------------------------------------------


def bench_database(target: Target, args, today: date, workdir: Path) -> dict:
    n = args.plans
    small, mid = min(QUERY_SCALE, n), min(SWEEP_SCALE, n)
    in_requests = 5 if args.quick else 100
    http_requests = CLIENT_THREADS if args.quick else 200
    sequential_requests = 3 if args.quick else SEQUENTIAL_REQUESTS
    out: dict = {"database": target.version(), "seed": {}, "queries": {}, "sweep": {}, "busy": {}}

    def seeded_at(label: str, plans: int):
        url = target.fresh(workdir, label)
        instance = workdir / f"instance-{target.kind}-{label}"
        shutil.rmtree(instance, ignore_errors=True)
        log_step(f"{target.kind}: seeding {plans:,} plans")
        app, seeded = build(url, instance, plans, today)
        limit_statements(app)
        out["seed"][str(plans)] = {"seconds": round(seeded.seconds, 2), "rows": seeded.rows,
                                   "sponsor_leaders": seeded.sponsor_leaders, "as_of": seeded.anchor.isoformat()}
        log_step(f"{target.kind}: seeded {sum(seeded.rows.values()):,} rows in {seeded.seconds:.1f} s")
        return url, instance, app, seeded

    # Small scale: queries per request, then plan creation on the same database.
    if small < n:
        url, instance, app, seeded = seeded_at("small", small)
        out["queries"][str(small)] = count_queries(app, seeded)
        log_step(f"{target.kind}: creating {min(CREATE_PLANS, n):,} plans through plans.create_plan")
        out["create"] = create_rate(app, min(CREATE_PLANS, n), today)
        dispose(app)
        target.drop("small")
    # Middle scale: the sweep, and later the cohort, to compare with the full scale.
    mid_db = None
    if mid < n:
        url, instance, app, seeded = seeded_at("mid", mid)
        dispose(app)
        log_step(f"{target.kind}: nudge sweep at {mid:,} plans")
        out["sweep"][str(mid)] = run_sweep(url, instance, seeded.anchor)
        mid_db = (app, seeded)
    # Full scale: everything.
    url, instance, app, seeded = seeded_at("full", n)
    out["busy"]["before_latency"] = busy_share(0.5 if args.quick else 2.0)
    out["queries"][str(n)] = count_queries(app, seeded)
    slow = {name: q["first_request_seconds"] for name, q in out["queries"][str(n)].items() if q.get("slow")}
    log_step(f"{target.kind}: in-process latency ({in_requests} requests a page)")
    out["inprocess"] = inprocess_latency(app, seeded, in_requests, slow)
    for name, q in out["queries"][str(n)].items():
        if q.get("timed_out"):
            out["inprocess"][name].update(timed_out=q["timed_out"], status=q["status"])
    log_step(f"{target.kind}: where each page's time goes (SQL, rendering, the rest)")
    out["split"] = page_splits(app, seeded, slow, 2 if args.quick else 30)
    if target.kind == "postgresql":
        log_step(f"{target.kind}: query plans of the cohort's statements")
        out["explain"] = cohort_explain(app, seeded)
    if mid_db:
        log_step(f"{target.kind}: the cohort at {mid:,} and at {n:,} plans, interleaved")
        out["cohort_scaling"] = cohort_scaling(mid_db, (app, seeded), 2 if args.quick else COHORT_ROUNDS)
        dispose(mid_db[0])
        target.drop("mid")
    dispose(app)
    log_step(f"{target.kind}: HTTP latency with gunicorn ({sequential_requests} sequential requests a page, "
             f"then {http_requests} from {CLIENT_THREADS} clients)")
    out["http_sequential"], out["http"], memory = http_latency(url, instance, seeded, http_requests, slow,
                                                               sequential_requests)
    log_step(f"{target.kind}: nudge sweep at {n:,} plans")
    out["sweep"][str(n)] = run_sweep(url, instance, seeded.anchor)
    if "create" not in out:
        # Tiny runs: there was no separate small database, so create plans on this one.
        app, _ = _reopen(url, instance)
        out["create"] = create_rate(app, min(CREATE_PLANS, n), today)
        dispose(app)
    peaks = [s[k].get("peak_rss_mib") for s in out["sweep"].values() for k in ("catch_up", "daily")]
    out["memory"] = memory | {"sweep_peak_mib": max((p for p in peaks if p), default=None)}
    low, high = out["sweep"].get(str(mid)), out["sweep"].get(str(n))
    if low and high and mid != n and low["daily"]["seconds"] and high["daily"]["seconds"]:
        out["sweep_ratio"] = round(high["daily"]["seconds"] / max(low["daily"]["seconds"], 1e-6), 2)
    return out


def page_splits(app, seeded, slow: dict, requests: int) -> dict:
    """Per page, the mean ms of a request in SQL, template rendering and the rest (bench/timing.py)."""
    emails = role_emails(seeded)
    clients = {role: signed_in_client(app, email) for role, email in emails.items()}
    return {name: timing.time_split(app, clients[role], page_path(path, seeded), requests)
            for name, path, role in PAGES if name not in slow}


def cohort_explain(app, seeded) -> dict:
    client = signed_in_client(app, seeded.hr_email)
    return {name: timing.explain_page(app, client, page_path(path, seeded))
            for name, path, _ in PAGES if name in COHORT_PAGES}


def cohort_scaling(low, high, rounds: int, per_round: int = 10) -> dict:
    """The cohort pages in-process at two scales, in alternating rounds of ``per_round``
    requests so that both see the same machine load; p50 of each and their ratio."""
    (low_app, low_seeded), (high_app, high_seeded) = low, high
    clients = [(signed_in_client(a, s.hr_email), s) for a, s in ((low_app, low_seeded), (high_app, high_seeded))]
    result = {}
    for name, path, _ in PAGES:
        if name not in COHORT_PAGES:
            continue
        times: list[list[float]] = [[], []]
        for client, s in clients:
            for _ in range(3):
                client.get(page_path(path, s))
        for _ in range(rounds):
            for which, (client, s) in enumerate(clients):
                for _ in range(per_round):
                    started = time.perf_counter()
                    client.get(page_path(path, s))
                    times[which].append(time.perf_counter() - started)
        lo, hi = summary(times[0]), summary(times[1])
        result[name] = {"plans": [low_seeded.plans, high_seeded.plans], "low": lo, "high": hi,
                        "p50_ratio": round(hi["p50_ms"] / lo["p50_ms"], 2) if lo["p50_ms"] else None}
    return result


def profile(args, today: date, pg_url: str) -> int:
    """--profile PAGE: seed one database at --plans, then print the page's time split, its
    queries and the top functions by cumulative time over 50 requests."""
    kind = args.databases[0]
    target = Target(kind, pg_url if kind == "postgresql" else None)
    name, path, role = next(p for p in PAGES if p[0] == args.profile)
    with tempfile.TemporaryDirectory(prefix="onboarding-profile-") as tmp:
        url = target.fresh(Path(tmp), "full")
        log_step(f"{kind}: seeding {args.plans:,} plans")
        app, seeded = build(url, Path(tmp) / "instance", args.plans, today)
        path = page_path(path, seeded)
        client = signed_in_client(app, role_emails(seeded)[role])
        split = timing.time_split(app, client, path, 5 if args.quick else 30)
        print(f"{name} ({path}) on {kind} at {args.plans:,} plans: {split['total_ms']} ms a request, "
              f"SQL {split['sql_ms']} ms ({split['sql_percent']}%), rendering {split['render_ms']} ms "
              f"({split['render_percent']}%), the rest {split['rest_ms']} ms ({split['rest_percent']}%)\n")
        if plans := timing.explain_page(app, client, path):
            print(timing.explain_text(name, plans) + "\n")
        print(timing.profile_page(app, client, path, 10 if args.quick else 50, profiler=args.profiler))
        dispose(app)
    return 0


def _reopen(url: str, instance: Path):
    from onboarding import create_app

    return create_app(app_config(url, instance)), None


# --- report -------------------------------------------------------------------------------------


def machine() -> dict:
    model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = proc_meminfo_mib()
    from importlib.metadata import version

    packages = {}
    for name in ("flask", "sqlalchemy", "psycopg", "gunicorn"):
        with contextlib.suppress(Exception):
            packages[name] = version(name)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=str(ROOT))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "memory_mib": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": packages,
        "commit": commit.stdout.strip() or None,
    }


def proc_meminfo_mib() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return None


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(results: dict) -> str:
    n = results["settings"]["plans"]
    dbs = results["databases"]
    lines = [f"Machine: {results['machine']['cpus']} CPUs ({results['machine']['cpu_model']}), "
             f"{fmt(results['machine']['memory_mib'])} MiB RAM, Python {results['machine']['python']}; "
             + "; ".join(d.get("database", k) for k, d in dbs.items()) + ".", ""]
    small = str(min(QUERY_SCALE, n))
    busy = [f"{kind} {d['busy']['before_latency']:.0%}" for kind, d in dbs.items()
            if (d.get("busy", {}).get("before_latency") or 0) > BUSY_WARNING]
    if busy:
        lines += [f"WARNING: other work kept the machine busy just before the pages were measured (share of all "
                  f"CPUs: {', '.join(busy)}); latencies are not representative.", ""]
    lines += [
        f"Pages at {n:,} plans. Latency in ms as p50 / p95. HTTP: gunicorn, {GUNICORN_WORKERS} workers; "
        f"sequential (one client; × health: p50 and p95 as multiples of /health's in the same run), "
        f"then {CLIENT_THREADS} concurrent clients.",
        "",
        f"| Page | Database | In-process p50 / p95 | HTTP sequential p50 / p95 | × health p50 / p95 "
        f"| {CLIENT_THREADS} clients p95 | req/s | errors | Queries at {int(small):,} / {n:,} plans |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, _, _ in PAGES:
        for kind, d in dbs.items():
            if "error" in d:
                continue
            ip, seq, hp = d["inprocess"].get(name, {}), d.get("http_sequential", {}).get(name, {}), d["http"].get(name, {})
            q_small = d["queries"].get(small, {}).get(name, {}).get("queries")
            q_full = d["queries"].get(str(n), {}).get(name, {}).get("queries")
            status = "" if ip.get("status") == 200 else f" (HTTP {ip.get('status')})"
            once = " (1 request)" if ip.get("slow") else ""
            if ip.get("timed_out"):
                status, once = "", f" (a query ran past the {ip['timed_out']:g} s limit)"
            seq_cells = ("skipped, too slow | –" if "skipped" in seq or not seq else
                         f"{fmt(seq.get('p50_ms'))} / {fmt(seq.get('p95_ms'))} | {fmt(seq.get('p50_ratio'))} / {fmt(seq.get('p95_ratio'))}")
            http_cells = ("skipped, too slow | – | –" if "skipped" in hp else
                          f"{fmt(hp.get('p95_ms'))} | {fmt(hp.get('requests_per_second'))} | {fmt(hp.get('errors'))}")
            lines.append(
                f"| {name}{status} | {kind} | {fmt(ip.get('p50_ms'))} / {fmt(ip.get('p95_ms'))}{once} "
                f"| {seq_cells} | {http_cells} | {fmt(q_small)} / {fmt(q_full)} |"
            )
    lines += split_table(results) + cohort_table(results) + startup_table(results)
    lines += ["", "| Figure | " + " | ".join(dbs) + " | Target |", "| --- |" + " --- |" * len(dbs) + " --- |"]
    for label, getter, target in figure_rows(results):
        lines.append(f"| {label} | " + " | ".join(getter(d) for d in dbs.values()) + f" | {target} |")
    checks = results.get("targets", [])
    if checks:
        lines += ["", f"Targets at {n:,} plans:", ""]
        for check in checks:
            lines.append(f"- {'met' if check['met'] else 'MISSED'}: {check['what']} ({check['database']}: {check['value']})")
    return "\n".join(lines)


def split_table(results: dict) -> list[str]:
    dbs = {k: d for k, d in results["databases"].items() if d.get("split")}
    if not dbs:
        return []
    lines = ["", "Where a request's time goes, in-process (mean ms: SQL statements, template rendering, "
             "the rest: routing, session, the view's Python, ORM objects):", "",
             "| Page | Database | Total | SQL | Rendering | Rest |", "| --- | --- | --- | --- | --- | --- |"]
    for name, _, _ in PAGES:
        for kind, d in dbs.items():
            if name in d["split"]:
                t = d["split"][name]
                lines.append(f"| {name} | {kind} | {fmt(t['total_ms'])} | {fmt(t['sql_ms'])} ({t['sql_percent']}%) "
                             f"| {fmt(t['render_ms'])} ({t['render_percent']}%) | {fmt(t['rest_ms'])} ({t['rest_percent']}%) |")
    return lines


def cohort_table(results: dict) -> list[str]:
    dbs = {k: d for k, d in results["databases"].items() if d.get("cohort_scaling")}
    if not dbs:
        return []
    lines = ["", "The cohort at two sizes, in-process, interleaved rounds (ms p50 / p95):", "",
             "| Page | Database | Smaller | Larger | p50 ratio |", "| --- | --- | --- | --- | --- |"]
    for kind, d in dbs.items():
        for name, c in d["cohort_scaling"].items():
            low, high = c["plans"]
            lines.append(f"| {name} | {kind} | {low:,} plans: {fmt(c['low']['p50_ms'])} / {fmt(c['low']['p95_ms'])} "
                         f"| {high:,} plans: {fmt(c['high']['p50_ms'])} / {fmt(c['high']['p95_ms'])} | {fmt(c['p50_ratio'], 2)} |")
    return lines


def startup_table(results: dict) -> list[str]:
    start = results.get("startup")
    if not start:
        return []
    runs = start.get("python -c pass", {}).get("runs", 5)
    lines = ["", f"Command start (median of {runs} run{'s' if runs != 1 else ''}):", "", "| Command | Seconds | × `python -c pass` |", "| --- | --- | --- |"]
    for label, figures in start.items():
        lines.append(f"| `{label}` | {fmt(figures['seconds'], 3)} | {fmt(figures.get('ratio', 1.0))} |")
    return lines


def explain_output(results: dict) -> str:
    parts = []
    for kind, d in results["databases"].items():
        for name, plans in (d.get("explain") or {}).items():
            parts.append(timing.explain_text(f"{name} ({kind}, {results['settings']['plans']:,} plans)", plans))
    return "\n\n".join(parts)


def figure_rows(results: dict):
    n = results["settings"]["plans"]
    mid = str(min(SWEEP_SCALE, n))

    def sweep(key, field):
        return lambda d: fmt(d.get("sweep", {}).get(key, {}).get("daily", {}).get(field), 2) if "error" not in d else d["error"]

    def catch_up(key):
        def get(d):
            s = d.get("sweep", {}).get(key, {}).get("catch_up")
            if s and s.get("timed_out"):
                return f"not finished within {s['timed_out']} s"
            return f"{fmt(s['seconds'], 2)} s, {fmt(s['recorded'])} nudges, {fmt(s['emails'])} emails" if s else "–"
        return get

    def daily(key):
        def get(d):
            s = d.get("sweep", {}).get(key, {}).get("daily")
            if s and s.get("timed_out"):
                return f"not finished within {s['timed_out']} s"
            return f"{fmt(s['seconds'], 2)} s, {fmt(s['recorded'])} nudges, {fmt(s['emails'])} emails, {fmt(s['queries'])} queries" if s else "–"
        return get

    rows = []
    if mid != str(n):
        rows.append((f"Daily nudge sweep, {int(mid):,} plans", daily(mid), "–"))
    rows += [
        (f"Daily nudge sweep, {n:,} plans", daily(str(n)),
         " / ".join(f"{kind} ≤ {limit:g} s" for kind, limit in TARGETS["sweep_seconds"].items())),
    ]
    if mid != str(n):
        rows.append((f"Sweep ratio {n:,} / {int(mid):,}", lambda d: fmt(d.get("sweep_ratio"), 2), f"≤ {TARGETS['sweep_ratio']:g}"))
        rows.append((f"First (catch-up) sweep, {int(mid):,} plans", catch_up(mid), "–"))
    rows.append((f"First (catch-up) sweep, {n:,} plans", catch_up(str(n)), "–"))
    rows += [
        ("Plans created through plans.create_plan",
         lambda d: f"{fmt(d['create']['plans'])} in {fmt(d['create']['seconds'], 2)} s ({fmt(d['create']['per_second'])}/s)" if "create" in d else "–",
         f"{CREATE_PLANS:,} in ≤ {TARGETS['create_seconds']:g} s"),
        ("Peak memory of a web worker (VmHWM)", lambda d: f"{fmt(d.get('memory', {}).get('web_worker_peak_mib'))} MiB", "–"),
        ("Peak memory of the sweep process (VmHWM)", lambda d: f"{fmt(d.get('memory', {}).get('sweep_peak_mib'))} MiB", "–"),
        (f"Seeding {n:,} plans (bulk inserts)",
         lambda d: f"{fmt(d['seed'][str(n)]['seconds'])} s, {fmt(sum(d['seed'][str(n)]['rows'].values()))} rows" if "seed" in d and str(n) in d["seed"] else "–",
         "–"),
    ]
    return rows


def evaluate(results: dict) -> list[dict]:
    """The issue's acceptance targets, per database."""
    n = results["settings"]["plans"]
    small = str(min(QUERY_SCALE, n))
    checks = []
    for kind, d in results["databases"].items():
        if "error" in d:
            checks.append({"what": "benchmark ran", "database": kind, "value": d["error"], "met": False})
            continue
        for name, _, _ in PAGES[1:]:
            p95 = d["inprocess"].get(name, {}).get("p95_ms")
            ok_status = d["inprocess"].get(name, {}).get("status") == 200
            checks.append({"what": f"{name} p95 in-process ≤ {TARGETS['page_p95_ms']:g} ms", "database": kind,
                           "value": f"{fmt(p95)} ms" + (" (a query was cut off)" if d["inprocess"].get(name, {}).get("timed_out")
                                                        else "" if ok_status else " (page not 200)"),
                           "met": ok_status and p95 is not None and p95 <= TARGETS["page_p95_ms"]})
            q_small = d["queries"].get(small, {}).get(name, {}).get("queries")
            q_full = d["queries"].get(str(n), {}).get(name, {}).get("queries")
            checks.append({"what": f"{name} queries per request equal at {int(small):,} and {n:,} plans", "database": kind,
                           "value": f"{q_small} / {q_full}", "met": q_small is not None and q_small == q_full})
        checks += page_checks(kind, d)
        daily = d["sweep"].get(str(n), {}).get("daily", {})
        limit = TARGETS["sweep_seconds"][kind]
        checks.append({"what": f"daily nudge sweep at {n:,} plans ≤ {limit:g} s", "database": kind,
                       "value": f"{fmt(daily.get('seconds'), 2)} s", "met": (daily.get("seconds") or 1e9) <= limit})
        if "sweep_ratio" in d:
            checks.append({"what": f"sweep ratio {n:,} / {min(SWEEP_SCALE, n):,} ≤ {TARGETS['sweep_ratio']:g}", "database": kind,
                           "value": fmt(d["sweep_ratio"], 2), "met": d["sweep_ratio"] <= TARGETS["sweep_ratio"]})
        create = d.get("create", {})
        # The target is 1,000 plans in 10 s; smaller runs are held to the same rate.
        allowed = TARGETS["create_seconds"] * create.get("plans", CREATE_PLANS) / CREATE_PLANS
        checks.append({"what": f"{create.get('plans', 0):,} plans created in ≤ {allowed:g} s", "database": kind,
                       "value": f"{fmt(create.get('seconds'), 2)} s", "met": (create.get("seconds") or 1e9) <= allowed})
    for label, figures in (results.get("startup") or {}).items():
        if "ratio" in figures:
            checks.append({"what": f"`{label}` starts in < {timing.STARTUP_TARGET_SECONDS:g} s", "database": "–",
                           "value": f"{fmt(figures['seconds'], 3)} s, {fmt(figures['ratio'])}× python -c pass",
                           "met": figures["seconds"] < timing.STARTUP_TARGET_SECONDS})
    return checks


def page_checks(kind: str, d: dict) -> list[dict]:
    """Issue 16's page targets: over HTTP, sequential, each main page's p50 within 4× and p95
    within 6× of /health; no errors with concurrent clients; the cohort as fast at --plans as at
    1,000 plans (within 10%)."""
    checks = []
    for name, _, _ in PAGES[1:]:
        seq = d.get("http_sequential", {}).get(name, {})
        if "p50_ratio" in seq:
            checks.append({"what": f"{name} HTTP p50 ≤ {TARGETS['health_p50_ratio']:g}× and p95 ≤ "
                                   f"{TARGETS['health_p95_ratio']:g}× /health (sequential)", "database": kind,
                           "value": f"{fmt(seq['p50_ratio'])}× / {fmt(seq['p95_ratio'])}×",
                           "met": seq["status"] == 200 and seq["p50_ratio"] <= TARGETS["health_p50_ratio"]
                           and seq["p95_ratio"] <= TARGETS["health_p95_ratio"]})
        conc = d.get("http", {}).get(name, {})
        if "errors" in conc:
            checks.append({"what": f"{name} no errors with {CLIENT_THREADS} concurrent clients", "database": kind,
                           "value": f"{conc['errors']} errors", "met": conc["errors"] <= TARGETS["concurrent_errors"]})
    for name, c in (d.get("cohort_scaling") or {}).items():
        low, high = c["plans"]
        checks.append({"what": f"{name} p50 at {high:,} plans within {round((TARGETS['cohort_scale_ratio'] - 1) * 100)}% "
                               f"of {low:,} plans", "database": kind, "value": f"{fmt(c['p50_ratio'], 2)}×",
                       "met": c["p50_ratio"] is not None and c["p50_ratio"] <= TARGETS["cohort_scale_ratio"]})
    return checks


# --- entry point ----------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the pages and the nudge sweep at scale.")
    parser.add_argument("--plans", type=int, default=10_000, help="plans at full scale (default 10,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--quick", action="store_true", help="fewer requests a page (for a smoke run)")
    parser.add_argument("--postgres-url", default=None,
                        help=f"PostgreSQL server (default ONBOARDING_TEST_DATABASE_URL or {DEFAULT_PG_URL}); "
                             f"the schemas '{PG_SCHEMA}', '{PG_SCHEMA}_small' and '{PG_SCHEMA}_mid' are dropped and recreated")
    parser.add_argument("--profile", metavar="PAGE", default=None,
                        help="profile one page instead (one of: " + ", ".join(repr(name) for name, _, _ in PAGES[1:])
                             + "): seed --plans plans on the first of --databases, then print where its time goes "
                               "and the top functions by cumulative time")
    parser.add_argument("--profiler", choices=("cprofile", "pyinstrument"), default="cprofile",
                        help="with --profile: cProfile's top functions (default) or pyinstrument's call tree")
    parser.add_argument("--output-dir", default=str(ROOT / "bench" / "results"), help="where the JSON goes")
    parser.add_argument("--child-sweep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-instance", help=argparse.SUPPRESS)
    parser.add_argument("--child-today", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plans < 1:
        parser.error("--plans must be at least 1")
    if args.profile is not None:
        names = {name.lower(): name for name, _, _ in PAGES}
        if args.profile.lower() not in names:
            parser.error(f"unknown page {args.profile!r}: use one of " + ", ".join(repr(n) for n, _, _ in PAGES))
        args.profile = names[args.profile.lower()]
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for name in args.databases:
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}: use sqlite and/or postgresql")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child_sweep:
        child_sweep(args)
        return 0
    from onboarding import plans

    started = time.perf_counter()
    today = plans.today()
    pg_url = args.postgres_url or os.environ.get("ONBOARDING_TEST_DATABASE_URL") or DEFAULT_PG_URL
    if args.profile:
        return profile(args, today, pg_url)
    results: dict = {
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"plans": args.plans, "quick": args.quick, "client_threads": CLIENT_THREADS,
                     "gunicorn_workers": GUNICORN_WORKERS, "query_scale": min(QUERY_SCALE, args.plans),
                     "sweep_scale": min(SWEEP_SCALE, args.plans), "create_plans": min(CREATE_PLANS, args.plans)},
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="onboarding-bench-") as tmp:
        for kind in args.databases:
            target = Target(kind, pg_url if kind == "postgresql" else None)
            try:
                results["databases"][kind] = bench_database(target, args, today, Path(tmp))
            except sa.exc.OperationalError as exc:
                # No PostgreSQL server here: say so and carry on with the others.
                message = str(exc.orig or exc).strip().splitlines()[0]
                log_step(f"{kind}: skipped, database unavailable: {message}")
                results["databases"][kind] = {"error": f"database unavailable: {message}"}
    log_step("command start: onboarding --help and onboarding nudges run --help")
    results["startup"] = timing.startup_times(1 if args.quick else 5)
    results["targets"] = evaluate(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    table = markdown(results)
    results["markdown"] = table
    print(table)
    if explained := explain_output(results):
        print("\nQuery plans of the cohort's statements (EXPLAIN ANALYZE):\n")
        print(explained)
    print(f"\nTotal time: {results['seconds']:.0f} s")
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    text = json.dumps(results, indent=2, default=str) + "\n"
    (out_dir / f"{stamp}.json").write_text(text)
    (out_dir / "latest.json").write_text(text)
    print(f"Wrote {out_dir / (stamp + '.json')} and {out_dir / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
