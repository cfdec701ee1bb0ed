"""Running it as a service (issue 17 part B): /metrics, /health/ready, request ids and JSON logs.

The clock is a fixed time put in for ``utcnow`` where readiness and metrics read it; the
database is real (and, for "unreachable", a PostgreSQL port nobody listens on or a SQLite file
in a folder that does not exist)."""
from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from onboarding import create_app, nudges
from onboarding.extensions import db
from onboarding.models import Nudge, SweepRun
from onboarding.nudges import monitoring
from onboarding.web import observability, ops

from .conftest import base_config, make_user

TOKEN = "scrape-token-0123456789"
WEDNESDAY = datetime(2026, 11, 25, 10, 0)  # 10:00 UTC = 10:00 in London, a working day


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """/metrics as Prometheus reads it: {(sample name, sorted labels): value}."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"} | headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_are_refused_to_anyone_by_default_and_to_a_wrong_token(app, ctx, client, login):
    assert client.get("/metrics").status_code == 404
    hr = make_user("hr@example.nhs.uk", hr=True)
    login(hr)
    assert client.get("/metrics").status_code == 404  # a session is no way in, even HR's
    app.config["METRICS_TOKEN"] = TOKEN
    refused = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_metrics_report_a_queued_email_and_a_completed_sweep(app, ctx, client, monkeypatch):
    app.config["METRICS_TOKEN"] = TOKEN
    before = scrape(client)
    assert before[("onboarding_last_completed_sweep_timestamp_seconds", ())] == 0
    assert before[("onboarding_nudges_queued", (("kind", "digest"),))] == 0

    result = nudges.sweep(date(2026, 11, 25), app.config)  # nothing is due: it completes with 0 of each
    run = db.session.scalars(sa.select(SweepRun)).one()
    assert (run.outcome, run.swept_for, run.recorded, run.sent) == ("completed", date(2026, 11, 25), 0, 0)
    assert result.recorded == 0
    sponsor = make_user("sponsor@example.nhs.uk")
    assert nudges.record([nudges.Due(sponsor.id, "digest", "user", sponsor.id, "2026-W48")], date(2026, 11, 25)) == 1
    queued_at = datetime(2026, 11, 25, 8, 0)
    db.session.execute(sa.update(Nudge).values(created_at=queued_at))
    db.session.commit()
    monkeypatch.setattr(ops, "utcnow", lambda: queued_at + timedelta(minutes=90))

    after = scrape(client)
    assert after[("onboarding_nudges_queued", (("kind", "digest"),))] == 1
    assert after[("onboarding_nudges_recorded", (("kind", "digest"),))] == 1
    assert after[("onboarding_nudges_sent", (("kind", "digest"),))] == 0
    assert after[("onboarding_nudges_queued", (("kind", "overdue"),))] == 0
    assert after[("onboarding_oldest_queued_email_age_seconds", ())] == 90 * 60
    assert after[("onboarding_last_completed_sweep_timestamp_seconds", ())] == run.finished_at.replace(tzinfo=UTC).timestamp()
    assert after[("onboarding_database_up", ())] == 1
    assert after[("onboarding_plans", (("status", "active"),))] == 0
    # Requests are counted by endpoint name and status, never by path.
    count = ("onboarding_http_request_duration_seconds_count", (("endpoint", "ops.metrics"), ("method", "GET"), ("status", "200")))
    assert after[count] == before.get(count, 0) + 1
    assert not [key for key in after if any(value.startswith("/") for _, value in key[1])]
    # The sweep just completed: ready.
    assert client.get("/health/ready").status_code == 200


def test_the_allow_list_admits_its_addresses_only(app, client):
    app.config["METRICS_ALLOW"] = "192.0.2.0/24, 2001:db8::1"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 404
    # With no trusted proxy, a forwarded address is the client's own claim: not believed.
    forged = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"X-Forwarded-For": "192.0.2.7"})
    assert forged.status_code == 404
    app.config["METRICS_ALLOW"] = ["192.0.2.0/24"]  # a JSON list from the environment works too
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.200"}).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_checked(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'proxy.sqlite3'}")
                     | {"INSTANCE_PATH": str(tmp_path), "TRUSTED_PROXIES": 1, "METRICS_ALLOW": "192.0.2.0/24"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 404
    with app.app_context():
        db.engine.dispose()


def _sweep_finished(at: datetime) -> None:
    db.session.add(SweepRun(swept_for=at.date(), started_at=at - timedelta(seconds=3), finished_at=at, outcome="completed"))
    # A later sweep that failed does not count as one completed.
    db.session.add(SweepRun(swept_for=at.date(), started_at=at + timedelta(hours=1),
                            finished_at=at + timedelta(hours=1), outcome="failed", error="OperationalError"))
    db.session.commit()


@pytest.mark.parametrize("now, last_sweep, status", [
    (WEDNESDAY, datetime(2026, 11, 25, 8, 0), 200),  # this morning's
    (WEDNESDAY, datetime(2026, 11, 24, 8, 0), 200),  # 26 hours ago, just
    (WEDNESDAY, datetime(2026, 11, 24, 7, 59), 503),  # a minute more: overdue on a working day
    (WEDNESDAY, None, 503),  # never
    (datetime(2026, 11, 28, 10, 0), datetime(2026, 11, 26, 8, 0), 200),  # Saturday: not a working day
    (datetime(2026, 12, 25, 10, 0), datetime(2026, 12, 23, 8, 0), 200),  # Christmas Day, a Friday bank holiday
    (datetime(2026, 12, 29, 10, 0), datetime(2026, 12, 23, 8, 0), 503),  # back to work, still no sweep
])
def test_readiness_fails_when_no_sweep_completed_for_26_hours_on_a_working_day(app, ctx, client, monkeypatch, now, last_sweep, status):
    monkeypatch.setattr(monitoring, "utcnow", lambda: now)
    if last_sweep:
        _sweep_finished(last_sweep)
    response = client.get("/health/ready")
    body = response.get_json()
    assert response.status_code == status, body
    assert body["database"] == "ok"
    assert body["sweep"] == ("ok" if status == 200 else "overdue")
    assert body["status"] == ("ready" if status == 200 else "not ready")
    if last_sweep:
        assert body["last_completed_sweep"]["finished_at"] == last_sweep.isoformat() + "Z"
    else:
        assert body["last_completed_sweep"] is None
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/health").status_code == 200  # liveness never looks at sweeps


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:1/onboarding", "sqlite:///{tmp}/no-such-folder/db.sqlite3"])
def test_readiness_fails_when_the_database_is_unreachable(tmp_path, url):
    url = url.format(tmp=tmp_path)
    app = create_app(base_config(tmp_path, url) | {"INSTANCE_PATH": str(tmp_path), "METRICS_TOKEN": TOKEN,
                                                    "TESTING": False})
    client = app.test_client()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "database": "unreachable", "working_day": response.get_json()["working_day"],
                                   "sweep": "unknown", "last_completed_sweep": None, "stale_after_hours": 26.0}
    assert scrape(client)[("onboarding_database_up", ())] == 0  # the scrape itself still answers
    # A page that needs the database: the error page, with a reference to quote.
    failed = client.post("/login", data={"email": "someone@example.nhs.uk", "password": "x" * 12})
    assert failed.status_code == 500
    page = failed.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert failed.headers["X-Request-ID"] in page
    with app.app_context():
        db.engine.dispose()


def test_the_request_id_is_returned_logged_and_shown_on_error_pages(app, client):
    first, second = client.get("/health"), client.get("/health")
    assert len(first.headers["X-Request-ID"]) == 16 and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    # A proxy's id is kept when short and safe; anything else is replaced.
    assert client.get("/health", headers={"X-Request-ID": "lb-7f3a9c21.eu"}).headers["X-Request-ID"] == "lb-7f3a9c21.eu"
    for unsafe in ("<script>alert(1)</script>", "a" * 65, "short", "id with spaces"):
        assert client.get("/health", headers={"X-Request-ID": unsafe}).headers["X-Request-ID"] != unsafe
    missing = client.get("/no-such-page", headers={"X-Request-ID": "trace-00000001"})
    assert missing.status_code == 404 and "quote the reference <strong>trace-00000001</strong>" in missing.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post("/logout")  # no CSRF token
    assert refused.status_code == 400
    assert f"quote the reference <strong>{refused.headers['X-Request-ID']}</strong>" in refused.get_data(as_text=True)


@pytest.fixture
def log_output(monkeypatch, capsys):
    """Logging as a process where nothing else configured it (pytest's own handlers set aside),
    in the format asked for: returns what was written to stderr so far."""
    def start(log_format: str):
        monkeypatch.setattr(logging.getLogger(), "handlers", [])  # pytest's, added for the test's call
        observability.configure_logging(log_format)
        return lambda: capsys.readouterr().err.splitlines()

    return start


def test_json_logs_have_a_line_per_request_with_its_request_id_and_one_per_sweep(app, ctx, client, login, log_output):
    leader = make_user("leader@example.nhs.uk", "Lee Leader")
    login(leader)
    lines = log_output("json")
    response = client.get("/account")
    assert response.status_code == 200
    nudges.sweep(date(2026, 11, 25), app.config)
    logged = [json.loads(line) for line in lines()]  # every line is one JSON object
    request_line = next(line for line in logged if line.get("request_id") == response.headers["X-Request-ID"]
                        and line.get("event") == "request")
    assert request_line["endpoint"] == "account.settings"
    assert (request_line["method"], request_line["status"], request_line["user_id"]) == ("GET", 200, leader.id)
    assert isinstance(request_line["duration_ms"], float) and request_line["level"] == "INFO"
    assert request_line["time"].endswith("Z") and request_line["logger"] == "onboarding.requests"
    sweep_line = next(line for line in logged if line.get("event") == "sweep")
    assert sweep_line["swept_for"] == "2026-11-25" and sweep_line["outcome"] == "completed"
    counts = ("recorded", "sent", "failed", "skipped", "emails")
    assert {key: sweep_line[key] for key in counts} == dict.fromkeys(counts, 0)
    assert sweep_line["duration_ms"] >= 0
    assert "lee leader" not in json.dumps(logged).lower()  # lines name ids, never the person


def test_logs_are_plain_text_otherwise(client, log_output):
    lines = log_output("text")
    response = client.get("/health")
    line = next(line for line in lines() if "onboarding.requests" in line)
    assert "INFO onboarding.requests: GET main.health 200" in line
    assert line.endswith(f"request {response.headers['X-Request-ID']}")



# Two gunicorn workers, as gunicorn makes them: forked from a process that built the app.
WORKERS = """
import os, sys
from onboarding import create_app
from onboarding.extensions import db
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
                  "METRICS_TOKEN": "T", "BASE_URL": "http://localhost"})
with app.app_context():
    db.create_all()
pid = os.fork()
client = app.test_client()
for _ in range(3 if pid == 0 else 2):
    client.get("/health")
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print(client.get("/metrics", headers={"Authorization": "Bearer T"}).get_data(as_text=True))
"""


def test_gunicorn_workers_add_up_their_counts_in_the_multiprocess_directory(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (read when prometheus_client is imported, hence a process of
    its own), one worker's scrape counts every worker's requests."""
    import os
    import subprocess
    import sys

    shared = tmp_path / "metrics"
    shared.mkdir()
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    out = subprocess.run([sys.executable, "-c", WORKERS, f"sqlite:///{tmp_path / 'workers.sqlite3'}", str(tmp_path)],
                         env=env, text=True, capture_output=True, check=True, timeout=120).stdout
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(out) for s in family.samples}
    assert samples[("onboarding_http_request_duration_seconds_count",
                    (("endpoint", "main.health"), ("method", "GET"), ("status", "200")))] == 5
    assert len(list(shared.glob("histogram_*.db"))) == 2  # a file for each worker


def test_a_sweep_that_fails_is_recorded_as_failed_and_does_not_count(app, ctx, client, monkeypatch):
    from onboarding.nudges import delivery

    def broken(*_args):
        raise RuntimeError("facts unavailable")

    monkeypatch.setattr(delivery, "load_facts", broken)
    with pytest.raises(RuntimeError):
        nudges.sweep(date(2026, 11, 25), app.config)
    run = db.session.scalars(sa.select(SweepRun)).one()
    assert (run.outcome, run.error) == ("failed", "RuntimeError: facts unavailable") and run.finished_at
    monkeypatch.setattr(monitoring, "utcnow", lambda: WEDNESDAY)
    assert client.get("/health/ready").get_json()["sweep"] == "overdue"


def test_a_mistyped_allow_list_stops_the_app_at_start(tmp_path):
    with pytest.raises(ValueError, match="ONBOARDING_METRICS_ALLOW"):
        create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}")
                   | {"INSTANCE_PATH": str(tmp_path), "METRICS_ALLOW": "10.0.0.0/33"})
