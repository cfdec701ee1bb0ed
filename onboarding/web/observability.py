"""What every request leaves behind for the people who run the service: a request id (accepted
from a proxy's X-Request-ID when it is short and safe, else made here) on ``g``, in the
X-Request-ID header and on the error pages; its latency in the app's Prometheus histogram
(by endpoint name, method and status, never the raw path: paths hold ids and feed tokens); and
one log line, JSON with ONBOARDING_LOG_FORMAT=json. Two hooks and no query: the user id is
read only if the request already loaded the user."""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

log = logging.getLogger("onboarding.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it could not carry markup or split a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Methods outside these are counted as "other", so a client cannot invent label values.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Seconds: from a static file to a slow HR report.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def multiprocess_dir() -> str | None:
    """prometheus_client's multiprocess mode (several gunicorn workers), read as it reads it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")  # noqa: SIM112 (its old name)


class Metrics:
    """One app's request histogram in a registry of its own (tests build many apps in one
    process: the global default registry would refuse the second). Under several worker
    processes each keeps its own counts unless PROMETHEUS_MULTIPROC_DIR is set, when they go to
    files there and every scrape sums all workers' (web/ops.py)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Histogram

        self.registry = CollectorRegistry()
        self.multiprocess = multiprocess_dir() is not None
        self.requests = Histogram(
            "onboarding_http_request_duration_seconds",
            "Time to answer a request, by endpoint name, method and status (its _count is the number of requests)",
            ["endpoint", "method", "status"], buckets=BUCKETS,
            registry=None if self.multiprocess else self.registry,
        )


def request_id() -> str:
    """This request's id (made on first use if the request hook has not run, e.g. an error
    raised before it)."""
    rid = request.environ.get("onboarding.request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
        request.environ["onboarding.request_id"] = rid
    g.request_id = rid
    return rid


def _start() -> None:
    request.environ["onboarding.started"] = time.perf_counter()
    request_id()


def _user_id() -> int | None:
    user = g.get("_login_user") or g.get("api_user")  # only if this request loaded one
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def init_app(app: Flask) -> None:
    metrics = Metrics()
    app.extensions["onboarding.metrics"] = metrics
    app.jinja_env.globals["request_id"] = request_id
    # First of all before_request hooks: CSRF's refusal must already have an id to show.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response):
        started = request.environ.get("onboarding.started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"  # no route: a 404 or 405
        method = request.method if request.method in METHODS else "other"
        metrics.requests.labels(endpoint, method, str(response.status_code)).observe(seconds)
        rid = request_id()
        response.headers[REQUEST_ID_HEADER] = rid
        if log.isEnabledFor(logging.INFO):
            user_id, ms = _user_id(), round(seconds * 1000, 1)
            log.info("%s %s %d %.1f ms user %s request %s", method, endpoint, response.status_code, ms, user_id, rid,
                     extra={"event": "request", "request_id": rid, "user_id": user_id, "endpoint": endpoint,
                            "method": method, "status": response.status_code, "duration_ms": ms})
        return response

    configure_logging(app.config.get("LOG_FORMAT"))


# --- log format ------------------------------------------------------------------------------

_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the fields a call passed
    in ``extra`` (a request's or a sweep's); the request id of any line logged during a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _RECORD_FIELDS and not k.startswith("_"))
        if "request_id" not in entry and has_request_context():
            entry["request_id"] = request.environ.get("onboarding.request_id")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def formatter(log_format: str | None) -> logging.Formatter:
    return JsonFormatter() if str(log_format or "text").lower() == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: str | None) -> None:
    """Our loggers speak at INFO (a line per request and per sweep). Where nothing has set up
    logging yet (gunicorn, `onboarding run`, `onboarding scheduler`), one stderr handler on the
    root logger in the chosen format; a deployment's own logging configuration is left alone."""
    ours = logging.getLogger("onboarding")
    if ours.level == logging.NOTSET:
        ours.setLevel(logging.INFO)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "onboarding", False)), None)
    if handler is None:
        if root.handlers:
            return
        handler = logging.StreamHandler()
        handler.onboarding = True
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
