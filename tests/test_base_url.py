"""One base URL (issue 10, item 6): links in emails, invites and calendar feeds come from
ONBOARDING_BASE_URL, else from where `onboarding run` listens; a request to another host
is logged once."""
import logging
import sys

import pytest
import werkzeug.serving
from click.testing import CliRunner
from flask.cli import ScriptInfo

from onboarding import create_app
from onboarding.cli.nudges import run_command
from onboarding.config import base_url
from onboarding.extensions import db

from .conftest import PASSWORD, base_config, make_user


def test_base_url_is_the_configured_one_else_where_the_server_listens():
    assert base_url(None, "127.0.0.1", 5101) == "http://127.0.0.1:5101"
    assert base_url("", "onboarding.local", 8080) == "http://onboarding.local:8080"
    assert base_url(None, "::1", 5101) == "http://[::1]:5101"
    assert base_url("https://onboarding.example.nhs.uk/", "127.0.0.1", 5101) == "https://onboarding.example.nhs.uk"
    assert base_url(None) == "http://127.0.0.1:5000"


@pytest.fixture
def fresh_app(tmp_path, monkeypatch):
    """An app built as `onboarding run` builds it, with BASE_URL set only if the test says so."""
    monkeypatch.delenv("ONBOARDING_BASE_URL", raising=False)

    def build(**config):
        settings = base_config(tmp_path, f"sqlite:///{tmp_path / 'run.sqlite3'}") | {"INSTANCE_PATH": str(tmp_path)}
        del settings["BASE_URL"]
        app = create_app(settings | config)
        with app.app_context():
            db.create_all()
            make_user("leader@example.nhs.uk", "Leader")
            db.session.remove()
        return app

    yield build


def serve(app, *args):
    """`onboarding run ARGS` with the server start replaced by a note of what it would serve."""
    served = {}

    def run_simple(host, port, application, **_):
        served.update(host=host, port=port, app=application)

    mp = pytest.MonkeyPatch()
    mp.setattr(werkzeug.serving, "run_simple", run_simple)
    # ...and where the command's module imported it, whichever module that is.
    mp.setattr(sys.modules[run_command.callback.__module__], "run_simple", run_simple, raising=False)
    try:
        result = CliRunner().invoke(run_command, ["--no-scheduler", *args], obj=ScriptInfo(create_app=lambda: app))
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return served


def calendar_address(app) -> str:
    """The feed address a signed-in user is shown after creating one."""
    client = app.test_client()
    assert client.post("/login", data={"email": "leader@example.nhs.uk", "password": PASSWORD}).status_code == 302
    page = client.post("/account/calendar").get_data(as_text=True)
    start = page.index("/calendar/")
    return page[page.rindex("http", 0, start):start]


def test_run_on_another_port_puts_that_port_in_links(fresh_app):
    app = fresh_app()
    served = serve(app, "--port", "5101")
    assert served["port"] == 5101
    assert calendar_address(app) == "http://127.0.0.1:5101"


def test_run_uses_the_host_it_binds_too(fresh_app):
    app = fresh_app()
    serve(app, "--host", "onboarding.local", "--port", "8080")
    assert calendar_address(app) == "http://onboarding.local:8080"


def test_an_explicit_base_url_wins_over_the_port(fresh_app):
    app = fresh_app(BASE_URL="https://onboarding.example.nhs.uk")
    serve(app, "--port", "5101")
    assert calendar_address(app) == "https://onboarding.example.nhs.uk"


def test_without_run_links_use_the_default_address(fresh_app):
    assert calendar_address(fresh_app()) == "http://127.0.0.1:5000"


def test_a_request_to_another_host_is_logged_once(fresh_app, caplog, monkeypatch):
    app = fresh_app(BASE_URL="http://127.0.0.1:5000")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="onboarding.config"):
        client.get("/login", base_url="http://127.0.0.1:5000")
        assert caplog.records == []  # the configured host: nothing to say
        client.get("/login", base_url="http://127.0.0.1:5101")
        client.get("/login", base_url="http://127.0.0.1:5101")
        client.get("/login", base_url="http://elsewhere.example")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "http://127.0.0.1:5000" in message and "127.0.0.1:5101" in message and "ONBOARDING_BASE_URL" in message


def test_default_ports_count_as_the_same_host(fresh_app, caplog):
    app = fresh_app(BASE_URL="https://onboarding.example.nhs.uk/")
    with caplog.at_level(logging.WARNING, logger="onboarding.config"):
        app.test_client().get("/login", base_url="https://ONBOARDING.example.nhs.uk:443")
    assert caplog.records == []
