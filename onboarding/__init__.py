"""Leader onboarding tracker: the app factory."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request

from .config import PROJECT_ROOT, Defaults, base_url, warn_once_if_host_differs

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then ONBOARDING_* variables,
    then ``test_config``."""
    instance_path = (
        (test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("ONBOARDING_INSTANCE_PATH")
        or str(PROJECT_ROOT / "instance")
    )
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    configure_settings(app, test_config)
    configure_proxies(app)
    configure_base_url_check(app)
    configure_templates(app)
    configure_extensions(app)
    configure_web(app)
    configure_cli(app)
    return app


def configure_settings(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ONBOARDING")
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "onboarding.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    # Kept apart so `onboarding run` can tell a BASE_URL someone set from the default.
    app.config["CONFIGURED_BASE_URL"] = app.config.get("BASE_URL")
    app.config["BASE_URL"] = base_url(app.config["CONFIGURED_BASE_URL"])


def configure_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, take the client's address and scheme from the
    X-Forwarded-For/-Proto entries they appended; with none, no header is believed (a client
    could write any address there and dodge per-address sign-in throttling)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def configure_base_url_check(app: Flask) -> None:
    """Warn once when requests arrive at a host other than the one links point to."""

    @app.before_request
    def _check_base_url():
        warn_once_if_host_differs(app, request.scheme, request.host)


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever way the URL names it."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(path: Path) -> str:
    """Read the secret key kept in instance/, creating it on first start."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except FileExistsError:  # pragma: no cover - another process won the race
        return path.read_text().strip()


def configure_templates(app: Flask) -> None:
    from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader, select_autoescape

    # The NHS.UK macros need ChainableUndefined; our templates come first.
    app.jinja_options = {
        **app.jinja_options,
        # Flask escapes only .html and friends, but the NHS.UK component templates end in .jinja
        # and print their `text` params: escape everything except the plain-text email bodies.
        "autoescape": select_autoescape(
            enabled_extensions=("html", "htm", "xml", "jinja"),
            disabled_extensions=("txt",),
            default_for_string=True,
            default=True,
        ),
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(Path(__file__).parent / "templates")), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    from .web import dates

    dates.register(app)  # |day, |weekday, |when: one date style on every page and email


def configure_extensions(app: Flask) -> None:
    from .extensions import csrf, db, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A pooled connection the server has since closed (restart, pg_terminate_backend)
        # is replaced at checkout rather than failing the request. A new dict: the
        # default one is shared by every app. A server that silently drops packets fails a new
        # connection after 10 s (libpq's connect_timeout) rather than hanging a request, a sweep
        # or /health/ready until the network gives up.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10},
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    from .people import accounts

    accounts.configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    import sqlalchemy as sa

    from .extensions import db

    with app.app_context():
        engine = db.engine

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            # WAL lets the scheduler write while pages read; NORMAL is durable enough with WAL.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


# Rows of each index ANALYZE reads: enough for the planner to tell a rare value from a common
# one, and a few milliseconds whatever the size of the database.
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """Give SQLite's query planner statistics about the tables (ANALYZE), as PostgreSQL's
    autovacuum does for it; run by ``onboarding init`` and the daily sweep's job, in the app
    context. Without them SQLite takes any range (such as the plans with something overdue) to be
    a small part of the table: the HR cohort then sorted every overdue plan to show 25 (issue 16)."""
    import sqlalchemy as sa

    from .extensions import db

    if db.engine.dialect.name != "sqlite":
        return
    db.session.execute(sa.text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def configure_web(app: Flask) -> None:
    from .web import init_app

    init_app(app)


def configure_cli(app: Flask) -> None:
    from .cli import init_app

    init_app(app)
