"""Shared fixtures: one app per database per test worker, each test in a transaction
that is rolled back, on SQLite and, when ONBOARDING_TEST_DATABASE_URL is set, on
PostgreSQL too; users, plans and a sign-in helper.

The rolled-back transaction (as Lemur's conftest does): the test's connection opens an
outer transaction and every ORM session joins it with a SAVEPOINT, so commit() in the
test or in the app only releases a savepoint and the test leaves nothing behind. Tests
whose work must really be committed (other processes, threaded servers, races, a
second connection such as the nudge sender's) carry ``@pytest.mark.real_commits`` and
get a fresh app and database of their own, as every test did before.

`.ci/run` sets ONBOARDING_REQUIRE_ALL=1, which turns every "cannot run here"
skip (no PostgreSQL, no Chromium) into a failure.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession
from flask_sqlalchemy.session import _app_ctx_id
from jinja2 import BytecodeCache

from onboarding import create_app, database_url
from onboarding.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ONBOARDING_TEST_DATABASE_URL")
REQUIRE_ALL = os.environ.get("ONBOARDING_REQUIRE_ALL") == "1"
PASSWORD = "correct horse battery staple"
# PostgreSQL variants exist only when there is a server to run them on.
DATABASES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared by every app this test process builds: a test that makes
    its own app (real_commits, live servers, create_app) would otherwise compile each
    template it renders again. Keyed by template and checked against its source by Jinja."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


# create_app spreads Flask.jinja_options into its own, so every app built in tests gets it.
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _CompiledTemplates()}


def pytest_configure(config):
    if REQUIRE_ALL and not PG_URL:
        # Once, before collection, rather than a failure per PostgreSQL variant.
        raise pytest.UsageError("ONBOARDING_REQUIRE_ALL=1 needs ONBOARDING_TEST_DATABASE_URL (PostgreSQL tests)")
    if not hasattr(config, "workerinput"):  # the run itself, not an xdist worker (which inherits it)
        os.environ[AXE_PASSED_ENV] = tempfile.mkdtemp(prefix="onboarding-axe-")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(AXE_PASSED_ENV, ""), ignore_errors=True)


# Tests that take seconds, started first so that the two workers (make test: -n 2 with
# --dist worksteal) finish together instead of one running a long test at the end.
SLOW_FIRST = ("test_fuzz.py::", "test_bench_smoke.py::test_benchmark", "test_api_schema.py::test_schemathesis",
              "test_nudges_crash.py::", "test_throttling.py::test_sixty", "test_confidential_crawl.py::",
              "test_escaping.py::test_every_page", "test_setup.py::test_init_migrates")


def _slowness(item) -> int:
    if item.get_closest_marker("browser"):
        return 0
    return 1 if any(slow in item.nodeid for slow in SLOW_FIRST) else 2


def pytest_collection_modifyitems(config, items):
    """Without a PostgreSQL URL, a test parametrized onto PostgreSQL alone is not generated.
    Browser and other slow tests run first (a stable sort: otherwise in file order)."""
    if not PG_URL:
        kept, dropped = [], []
        for item in items:
            params = getattr(item, "callspec", None)
            (dropped if params and params.params.get("database") == "postgresql" else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    items.sort(key=_slowness)


def pytest_collection_finish(session):
    # Playwright (and its event loop thread) is for browser tests only: a test module that
    # imports it at the top slows every run that collects it.
    if "playwright" in sys.modules:
        raise pytest.UsageError("a test module imports playwright at import time; import it inside the browser test")


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (ONBOARDING_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


def base_config(tmp_path: Path, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "BASE_URL": "http://onboarding.test",
        # The cheapest argon2id (64 KiB): tests create and sign in thousands of users.
        # Production's cost is checked in tests/test_throttling.py.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "PLAYBOOK_DIR": str(ROOT / "playbooks"),
    }


def real_commits(request) -> bool:
    return request.node.get_closest_marker("real_commits") is not None


def _pg_schema(worker_id: str, name: str):
    """A PostgreSQL URL whose search_path is a schema of this test worker's own."""
    if not PG_URL:
        yield None
        return
    # The process id keeps two test runs on one server (two developers, or CI) apart.
    schema = f"onboarding_test_{name}{worker_id}_{os.getpid()}"
    engine = sa.create_engine(database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{database_url(PG_URL)}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


# Databases whose shared app is made with the default playbooks already published and
# committed (see `loaded`): publishing them was the biggest part of most tests' set-up;
# CAST_PRELOADED ones hold the cast as well (see `cast`).
PRELOADED: set[str] = set()
CAST_PRELOADED: set[str] = set()


@pytest.fixture(scope="session")
def pg_schema_url(worker_id):
    yield from _pg_schema(worker_id, "")


@pytest.fixture(scope="session")
def pg_loaded_schema_url(worker_id):
    for url in _pg_schema(worker_id, "loaded_"):
        PRELOADED.add(url)
        yield url


@pytest.fixture(scope="session")
def pg_cast_schema_url(worker_id):
    for url in _pg_schema(worker_id, "cast_"):
        PRELOADED.add(url)
        CAST_PRELOADED.add(url)
        yield url


@pytest.fixture(scope="session")
def shared_sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('shared') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def loaded_sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('loaded') / 'test.sqlite3'}"
    PRELOADED.add(url)
    return url


@pytest.fixture(scope="session")
def cast_sqlite_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cast') / 'test.sqlite3'}"
    PRELOADED.add(url)
    CAST_PRELOADED.add(url)
    return url


@pytest.fixture(params=DATABASES)
def database(request, tmp_path):
    """The database URL for one test: the worker's shared SQLite file or PostgreSQL schema
    (one with the default playbooks in it for a test that uses ``loaded``, one with the cast
    as well for a test that uses ``cast``), or a new SQLite file for a real_commits test."""
    names = request.fixturenames
    preloaded = "" if real_commits(request) else "cast" if "cast" in names else "loaded" if "loaded" in names else ""
    if request.param == "postgresql":
        url = request.getfixturevalue(f"pg_{preloaded}_schema_url" if preloaded else "pg_schema_url")
        if not url:
            skip_or_fail("PostgreSQL tests need ONBOARDING_TEST_DATABASE_URL")
        return url
    if real_commits(request):
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue(f"{preloaded}_sqlite_url" if preloaded else "shared_sqlite_url")


def _empty_tables() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class JoinedSession(FlaskSession):
    """A Flask-SQLAlchemy session on the test's connection (its get_bind ignores ``bind``)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def _sqlite_savepoints(engine: sa.Engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN
    (the recipe in SQLAlchemy's SQLite dialect documentation)."""

    @sa.event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def shared_apps(tmp_path_factory):
    """One app per database URL for this worker, its tables created once."""
    apps: dict[str, object] = {}

    def get(url: str):
        if url not in apps:
            instance = tmp_path_factory.mktemp("instance")
            app = create_app(base_config(instance, url) | {"INSTANCE_PATH": str(instance)})
            with app.app_context():
                if url.startswith("sqlite"):
                    _sqlite_savepoints(db.engine)
                db.create_all()
                if url.startswith("postgresql"):
                    _empty_tables()
                if url in PRELOADED:
                    _publish_default_playbooks()
                    app.config["PLAYBOOKS_PRELOADED"] = True
                if url in CAST_PRELOADED:
                    app.config["CAST_PRELOADED"] = _cast_ids(_make_cast())
                db.session.remove()
            apps[url] = app
        return apps[url]

    yield get
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()


def _committing_app(database: str, tmp_path: Path):
    config = base_config(tmp_path, database)
    app = create_app(config | {"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        db.create_all()
        if database.startswith("postgresql"):
            _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        if database.startswith("postgresql"):
            _empty_tables()
        db.engine.dispose()


def _rolled_back_app(app):
    from onboarding.people import accounts

    config = dict(app.config)
    # Another app built in this worker (a test's own create_app) may have set other costs.
    accounts.configure_hasher(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"])
    app.extensions["mail_outbox"] = []
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    joined = db._make_session_factory(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": JoinedSession})
    plain = db._make_session_factory({})

    def session_for_current_app():
        # An app the test builds for itself keeps sessions on its own database.
        return joined() if current_app._get_current_object() is app else plain()

    db.session = sa_orm.scoped_session(session_for_current_app, scopefunc=_app_ctx_id)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        app.config.clear()
        app.config.update(config)
        app.extensions["mail_outbox"] = []


@pytest.fixture
def app(request, database, tmp_path):
    """The app for one test: the worker's shared app in a rolled-back transaction, or a
    fresh app and database for a test marked real_commits."""
    if real_commits(request):
        yield from _committing_app(database, tmp_path)
    else:
        yield from _rolled_back_app(request.getfixturevalue("shared_apps")(database))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@functools.cache
def _default_playbooks() -> list:
    from onboarding import playbooks

    contents, problems = playbooks.parse_files(playbooks.default_paths(ROOT / "playbooks"))
    assert not problems, problems
    return contents


def _publish_default_playbooks() -> None:
    """What playbooks.load() does on a database without playbooks: publish each, one commit
    (from the files parsed once per test process: parsing them was a third of a small test)."""
    from onboarding import playbooks

    for content in copy.deepcopy(_default_playbooks()):
        playbooks.publish(content)
    db.session.commit()


@pytest.fixture
def loaded(ctx):
    """The default playbooks, loaded. A test's shared database has them already (``database``
    chooses the worker's preloaded one for tests that use this fixture), so in its rolled-back
    transaction they are simply there; a real_commits test's own database gets them now."""
    from onboarding import playbooks

    if ctx.config.get("PLAYBOOKS_PRELOADED"):
        return ctx
    if db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables["playbook"])):
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        return ctx
    _publish_default_playbooks()
    return ctx


def make_user(email: str, name: str | None = None, hr: bool = False, password: str | None = PASSWORD):
    from onboarding.people import accounts

    user = accounts.create_user(email, name or email.split("@")[0].title(), is_hr=hr, password=password)
    db.session.commit()
    return user


@contextlib.contextmanager
def counting_statements():
    """The SQL statements run inside the ``with`` block, as a list that fills as they run. The
    rolled-back test transaction's savepoints are the test's, not the code's, and are left out."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def queries_in_request(client, url: str) -> int:
    """SQL statements one GET of ``url`` runs, as a request in production would: the test's app
    context (and so its session and ``g``) is shared with the request, so each measured request
    starts from an empty identity map rather than from what the test or an earlier request loaded."""
    db.session.expire_all()
    with counting_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def _cast_ids(people: dict) -> dict[str, tuple[str, int]]:
    return {key: (type(row).__name__, row.id) for key, row in people.items()}


@pytest.fixture
def cast(loaded):
    """The people of the access table in docs/architecture.md, with plan A (leader A) and plan B (leader B).
    A test's shared database has them already (made once, like the playbooks: ``database`` picks
    the worker's database with the cast in it), so they are looked up; a real_commits test's own
    database gets them now."""
    from onboarding import models

    if ids := loaded.config.get("CAST_PRELOADED"):
        return {key: db.session.get(getattr(models, kind), row_id) for key, (kind, row_id) in ids.items()}
    return _make_cast()


def _make_cast() -> dict:
    from onboarding import plans, playbooks

    people = {
        "leader_a": make_user("leader.a@example.nhs.uk", "Leader A"),
        "leader_b": make_user("leader.b@example.nhs.uk", "Leader B"),
        "sponsor_a": make_user("sponsor.a@example.nhs.uk", "Sponsor A"),
        "other_sponsor": make_user("sponsor.b@example.nhs.uk", "Sponsor B"),
        "mentor_a": make_user("mentor.a@example.nhs.uk", "Mentor A"),
        "hr": make_user("hr@example.nhs.uk", "Helen HR", hr=True),
    }
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan_a = plans.create_plan(leader=people["leader_a"], sponsor=people["sponsor_a"], mentor=people["mentor_a"],
                               version=version, start=date(2026, 9, 7), months=6, actor=people["hr"])
    plan_b = plans.create_plan(leader=people["leader_b"], sponsor=people["other_sponsor"],
                               version=version, start=date(2026, 9, 7), months=6, actor=people["hr"])
    db.session.commit()
    people["plan_a"], people["plan_b"] = plan_a, plan_b
    return people


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a loopback port for one test; ``smtp.config()`` holds the
    settings that point an app at it, ``smtp.handler`` what it received."""
    from .nudge_helpers import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def login(app, client):
    """login(user) signs the test client in as that user, as the sign-in form does when the
    password is right: a new server-side session, the sign-in recorded, two-factor set-up asked
    for where HR requires it. Without the form's password check and throttle (argon2 and three
    counts made it most of a small test); tests/test_auth.py and the two-factor, throttling and
    browser tests sign in through the form. Someone with two-factor on, or a password given,
    goes through the form, whose answer (the code step's redirect) is returned."""
    from flask import session

    from onboarding.people import mfa, sessions
    from onboarding.web import auth
    from onboarding.web import mfa as two_factor

    def _login(user, password: str | None = None):
        if password is not None or mfa.is_enabled(user):
            client.post("/logout")
            response = client.post("/login", data={"email": user.email, "password": password or PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            return response
        with app.test_request_context():
            auth.start_session(user, "127.0.0.1")
            two_factor.mark_if_setup_required(user)
            sessions.record_sign_in(user, "127.0.0.1")
            db.session.commit()
            signed_in = dict(session)
        with client.session_transaction() as cookie:
            cookie.clear()
            cookie.update(signed_in)
        return None

    return _login


# --- browser ---------------------------------------------------------------------------------

CHROMIUM = os.environ.get("ONBOARDING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # Only the live server: the one other address the pages use is the NHS.UK
                 # fonts', whose lookup held a page's load event for up to 5 s where DNS is
                 # slow or absent. The pages fall back to Arial, as on a machine offline.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def live_server(tmp_path):
    """The app on a real HTTP port (SQLite), in a thread, with CSRF on as in production."""
    from .serving import serve

    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'live.sqlite3'}") | {
        "INSTANCE_PATH": str(tmp_path), "WTF_CSRF_ENABLED": True}
    app = create_app(config)
    with app.app_context():
        db.create_all()
    with serve(app) as base:
        app.config["BASE_URL"] = base
        yield app, base
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (no cookies) of the worker's one Chromium."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


# A phone: no page may be wider than this (issue 11).
PHONE = {"width": 375, "height": 812}


def fits_a_phone(page, what: str | None = None) -> None:
    """The page as drawn is no wider than the phone's screen (nothing to scroll sideways)."""
    page.wait_for_load_state("load")  # a click returns once navigation starts, before the styles apply
    # The NHS.UK header's script folds navigation that does not fit into "More" once it has run
    # (after a resize too); give it a moment, as a person would see it, then measure.
    with contextlib.suppress(Exception):
        page.wait_for_function(f"document.documentElement.scrollWidth <= {PHONE['width']}", timeout=2000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what or page.url} is {width} px wide"


def sign_in_with_password(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form as a person would; returns once the next page has loaded."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


# What axe's rules read of a document: every element with its attributes and whether each text
# node holds text. Values that only link or name things (addresses, numbered ids of rows) are
# reduced to whether they are set, or have their digits masked; the attributes by which one
# element refers to another (id, for, aria-describedby...) keep theirs, so a duplicate id still
# makes a new shape.
SHAPE = """() => {
  const opaque = new Set(['href', 'action', 'value', 'title', 'alt', 'content', 'src', 'datetime']);
  const exact = new Set(['id', 'for', 'headers', 'aria-describedby', 'aria-labelledby', 'aria-controls',
                         'lang', 'autocomplete', 'role', 'type']);
  const out = [];
  const walk = node => {
    if (!node) return;  // a document being replaced by the next one
    if (node.nodeType === 3) { if (node.textContent.trim()) out.push('T'); return; }
    if (node.nodeType !== 1) return;
    const attrs = [...node.attributes].map(a => a.name + '=' +
        (exact.has(a.name) ? a.value : opaque.has(a.name) ? (a.value ? 'x' : '') : a.value.replace(/[0-9]+/g, '#')));
    out.push('<' + node.tagName + ' ' + attrs.sort().join(' ') + '>');
    for (const child of node.childNodes) walk(child);
    out.push('>');
  };
  walk(document.documentElement);
  return out.join('');
}"""
# Shapes axe has passed in this run, in every test worker: a line each in a file in the
# run's directory (appends of a line are atomic), read again when a shape is not yet known.
AXE_PASSED_ENV = "ONBOARDING_TEST_AXE_DIR"
_AXE_PASSED: set[str] = set()


def _axe_passed(shape: str) -> bool:
    if shape not in _AXE_PASSED and (directory := os.environ.get(AXE_PASSED_ENV)):
        with contextlib.suppress(FileNotFoundError), open(os.path.join(directory, "passed")) as passed:
            _AXE_PASSED.update(passed.read().split())
    return shape in _AXE_PASSED


def _remember_axe_passed(shape: str) -> None:
    _AXE_PASSED.add(shape)
    if directory := os.environ.get(AXE_PASSED_ENV):
        with open(os.path.join(directory, "passed"), "a") as passed:
            passed.write(shape + "\n")


def assert_accessible(page) -> None:
    """axe finds no WCAG 2.2 AA violation on the page as it is now.

    A page of the same shape as one axe has already passed in this run (the same
    elements and attributes, text in the same places, at the same viewport size: another plan's
    copy of a page, or the same page reached by another test) would give the same answer, so it is not run again:
    the browser tests visit the same pages many times, and axe is most of their time."""
    from axe_playwright_python.base import AXE_SCRIPT, AxeResults

    page.wait_for_load_state("load")  # a click returns once a navigation starts: check the new page
    drawn = page.evaluate(SHAPE)
    # The same elements drawn at another width are another page to axe (a target's size, a table
    # that scrolls, what overlaps what), so the viewport is part of the shape.
    viewport = page.viewport_size or {}
    drawn = drawn and f"{viewport.get('width')}x{viewport.get('height')} {drawn}"
    shape = hashlib.sha256(drawn.encode()).hexdigest() if drawn else None  # None: no document to remember
    if shape and _axe_passed(shape):
        return
    if not page.evaluate("typeof window.axe === 'object'"):  # once per document
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = AxeResults(page.evaluate("options => axe.run(document, options)", options))
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
    if shape:
        _remember_axe_passed(shape)
