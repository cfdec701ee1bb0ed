"""For the people and machines that run the service: `/metrics` (Prometheus text format, for a
bearer token or an allowed address only) and `/health/ready` (public: states and times, no
personal data). `/health` (main.py) stays the liveness check."""
from __future__ import annotations

import hmac
import ipaddress
import logging
from datetime import UTC

from flask import Blueprint, Response, abort, current_app, jsonify, request

from ..models import utcnow
from ..nudges import monitoring

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _check_settings(state) -> None:
    """A mistyped METRICS_ALLOW stops the app at start, not silently at the first scrape."""
    try:
        allowed_networks(state.app.config.get("METRICS_ALLOW"))
    except ValueError as exc:
        raise ValueError(f"ONBOARDING_METRICS_ALLOW must be CIDRs or addresses separated by commas: {exc}") from None


def allowed_networks(value) -> list:
    """METRICS_ALLOW: CIDRs or addresses, a list or one comma-separated string."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if str(item).strip()]


def _refusal() -> Response | None:
    """None when this request may read the metrics. With neither a token nor an allow-list
    set the endpoint does not exist (404); a wrong or missing token is 401, and an address
    outside the list 404."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    try:
        networks = allowed_networks(current_app.config.get("METRICS_ALLOW"))
    except ValueError:
        log.error("ONBOARDING_METRICS_ALLOW is not a list of CIDRs: refusing every scrape")
        networks = []
    if networks and request.remote_addr:
        # remote_addr is the client's after ProxyFix (TRUSTED_PROXIES), else the TCP peer.
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            address = None
        if address is not None and any(address in network for network in networks):
            return None
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        return Response("A bearer token is needed for the metrics.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    abort(404)


@bp.get("/metrics")
def metrics():
    refusal = _refusal()
    if refusal is not None:
        return refusal
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    registry = scrape_registry(current_app.extensions["onboarding.metrics"])
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def scrape_registry(metrics):
    """This scrape's registry: the requests (this worker's, or every worker's from the
    multiprocess files) and the database's figures, read now."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if metrics.multiprocess:
        MultiProcessCollector(registry)
    else:
        registry.register(metrics.requests)
    registry.register(DatabaseFigures())
    return registry


class DatabaseFigures:
    """A custom collector: nudges, the outbox's oldest email, the last sweep and plans, from
    four aggregate queries at scrape time (monitoring.figures)."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from ..extensions import db

        up = GaugeMetricFamily("onboarding_database_up", "1 when the database answered this scrape's queries")
        try:
            figures = monitoring.figures()
        except Exception:  # noqa: BLE001 - report the database as down rather than fail the scrape
            db.session.rollback()
            log.exception("metrics: the database queries failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, statuses, text in (
            ("recorded", None, "Nudges recorded in the outbox, by kind (every status)"),
            ("sent", ("sent",), "Nudges sent, by kind"),
            ("failed", ("failed",), "Nudges that failed for good (attempts used up), by kind"),
            ("queued", ("pending", "sending"), "Nudges waiting to be sent or being sent, by kind"),
        ):
            family = GaugeMetricFamily(f"onboarding_nudges_{name}", text, labels=["kind"])
            for kind, count in figures.by_kind(statuses).items():
                family.add_metric([kind], count)
            yield family
        now = utcnow()
        oldest = figures.oldest_queued_at
        yield GaugeMetricFamily("onboarding_oldest_queued_email_age_seconds",
                                "How long the oldest queued nudge email has waited (0 when none is queued)",
                                value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        last = figures.last_sweep
        yield GaugeMetricFamily("onboarding_last_completed_sweep_timestamp_seconds",
                                "When the last completed daily sweep finished, Unix time (0: none yet)",
                                value=last.finished_at.replace(tzinfo=UTC).timestamp() if last else 0.0)
        yield GaugeMetricFamily("onboarding_last_completed_sweep_duration_seconds",
                                "How long the last completed daily sweep took",
                                value=(last.finished_at - last.started_at).total_seconds() if last else 0.0)
        plans = GaugeMetricFamily("onboarding_plans", "Plans, by status", labels=["status"])
        for status, count in figures.plans.items():
            plans.add_metric([status], count)
        yield plans


@bp.get("/health/ready")
def ready():
    """Readiness: 200 when the database answers and the daily sweep is not overdue, else 503."""
    timezone = current_app.config.get("TIMEZONE")
    state = monitoring.readiness(timezone)
    return jsonify(state.as_json(timezone)), 200 if state.ready else 503, {"Cache-Control": "no-store"}
