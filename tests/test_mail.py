"""The mail helper: file, SMTP (a real aiosmtpd server on loopback) and memory backends."""
from __future__ import annotations

import email
import email.policy

import pytest

from onboarding import create_app
from onboarding.nudges import mail

from .conftest import base_config
from .nudge_helpers import SMTPServer, free_port, parts

TEXT = "Your milestone is due on Thursday 24 December 2026.\nhttp://onboarding.test/plans/1/milestones/2\n"
HTML = '<p>Your milestone is due on <strong>Thursday 24 December 2026</strong>.</p><p><a href="http://onboarding.test/plans/1/milestones/2">Open it</a></p>'


@pytest.fixture
def mail_app(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'mail.sqlite3'}") | {"INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        yield app


def test_file_backend_writes_one_eml_per_message_with_text_and_html(mail_app, tmp_path):
    mail_app.config["MAIL_BACKEND"] = "file"
    mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Due soon: Meet the team", TEXT, HTML)
    mail.send(mail_app.config, "sam.sponsor@example.nhs.uk", "Your weekly onboarding digest", TEXT, HTML)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    msgs = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert {m["To"] for m in msgs} == {"lee.leader@example.nhs.uk", "sam.sponsor@example.nhs.uk"}
    msg = next(m for m in msgs if m["To"] == "lee.leader@example.nhs.uk")
    assert msg["Subject"] == "Due soon: Meet the team"
    assert msg["From"] == mail_app.config["MAIL_FROM"] and msg["Auto-Submitted"] == "auto-generated"
    text, html = parts(msg)
    assert text == TEXT and html.strip() == HTML
    assert not list((tmp_path / "outbox").glob(".*.tmp"))


def test_file_backend_is_the_default(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["MAIL_BACKEND"] == "file"


def test_smtp_backend_delivers_to_a_real_server(mail_app):
    server = SMTPServer().start()
    try:
        mail_app.config.update(server.config())
        mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Overdue:\r\nBcc: evil@example.com", TEXT, HTML)
        [(rcpt, msg)] = server.handler.take()
    finally:
        server.stop()
    assert rcpt == ["lee.leader@example.nhs.uk"]
    assert msg["Subject"] == "Overdue: Bcc: evil@example.com" and msg["Bcc"] is None  # no header injection
    text, html = parts(msg)
    assert text == TEXT and html.strip() == HTML


# Loopback only: the test server accepts AUTH without TLS, which aiosmtpd rightly warns about.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_backend_logs_in_with_the_configured_user(mail_app):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        # handled=False: the server answers a refusal with 535 (by default it says nothing and
        # the client would wait for its timeout).
        return AuthResult(success=auth_data.login == b"onboarding" and auth_data.password == b"s3cret", handled=False)

    server = SMTPServer()
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port, authenticator=authenticator,
                                   auth_required=True, auth_require_tls=False)
    server.controller.start()
    try:
        mail_app.config.update(server.config() | {"SMTP_USERNAME": "onboarding", "SMTP_PASSWORD": "wrong"})
        with pytest.raises(mail.MailError, match="535") as refused:
            mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Hello", TEXT, HTML)
        # A wrong password is the server refusing us, not the server being away.
        assert not isinstance(refused.value, mail.MailConnectionError)
        mail_app.config["SMTP_PASSWORD"] = "s3cret"
        mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Hello", TEXT, HTML)
        assert len(server.handler.take()) == 1
    finally:
        server.stop()
    assert seen[-1] == (b"onboarding", b"s3cret")


def test_smtp_server_down_is_a_connection_error(mail_app):
    mail_app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    with pytest.raises(mail.MailConnectionError, match="cannot connect to mail server"):
        mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Hello", TEXT, HTML)


def test_memory_backend_and_bad_settings(mail_app):
    mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Hello", TEXT, HTML)
    assert [m["To"] for m in mail.memory_outbox()] == ["lee.leader@example.nhs.uk"]
    with pytest.raises(mail.MailError, match="cannot build a message"):
        mail.send(mail_app.config, "not an address\r\nBcc: x@example.com", "Hello", TEXT, HTML)
    mail_app.config["MAIL_BACKEND"] = "pigeon"
    with pytest.raises(mail.MailError, match="unknown MAIL_BACKEND"):
        mail.send(mail_app.config, "lee.leader@example.nhs.uk", "Hello", TEXT, HTML)


def test_invite_email_carries_the_set_password_link(mail_app):
    from onboarding.models import User

    user = User(email="new.leader@example.nhs.uk", name="New Leader")
    mail.send_invite(user, "http://onboarding.test/set-password/abc.def")
    [msg] = mail.memory_outbox()
    text, html = parts(msg)
    assert msg["To"] == "new.leader@example.nhs.uk" and "Set your password" in msg["Subject"]
    assert "http://onboarding.test/set-password/abc.def" in text and "expires in 7 days" in text
    assert 'href="http://onboarding.test/set-password/abc.def"' in html
