"""Email: one ``send`` helper over three backends.

- ``file`` (default): one .eml file per message in ``instance/outbox/``, so a new
  installation shows its nudges without a mail server;
- ``smtp``: ONBOARDING_SMTP_HOST, _PORT, _STARTTLS, _USERNAME, _PASSWORD, _TIMEOUT;
- ``memory``: kept on the app for tests.

Every message has a plain-text and an HTML part. ``Mailer`` sends many messages over
one SMTP connection (the nudge sweep); ``send`` is one message on its own.
"""
from __future__ import annotations

import binascii
import email
import email.policy
import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from ..plans import dates

BACKENDS = ("file", "smtp", "memory")


class MailError(Exception):
    """A message could not be handed over; it stays queued."""


class MailConnectionError(MailError):
    """The mail server could not be reached at all: no point trying more messages now."""


def header_text(subject: str) -> str:
    """A subject as it may stand in a header: one line, and no "=?" that a mail reader (or
    the email package, which let such a word write headers of its own before Python 3.11.10)
    would decode as an RFC 2047 encoded word. Subjects carry user-written titles."""
    return " ".join(subject.split()).replace("=?", "= ?")


def build_message(config: Mapping, to: str, subject: str, text: str, html: str) -> EmailMessage:
    plain = plain_message_bytes(config, to, subject, text, html)
    if plain is not None:
        # The email package puts a long subject that fits one line on a line of its own
        # ("Subject:" then a folded line), which readers show with a leading space; the plain
        # path folds between words after "Subject:", and a parsed header keeps its folding.
        return email.message_from_bytes(plain, policy=email.policy.default)
    msg = EmailMessage()
    sender = config.get("MAIL_FROM") or "onboarding@localhost"
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = header_text(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(app_config: Mapping, to: str, subject: str, text: str, html: str) -> EmailMessage | None:
    """Send one email through the configured backend; raise MailError on failure.

    Returns the message sent (None with the file backend, whose message is the file)."""
    with Mailer(app_config) as mailer:
        return mailer.send(to, subject, text, html)


class Mailer:
    """Sends emails through the configured backend; with SMTP, over one connection opened
    at the first message and kept for the next ones until ``close`` (or the end of a
    ``with`` block). A connection that fails is dropped and the next message opens another."""

    def __init__(self, app_config: Mapping):
        self.config = app_config
        self.backend = app_config.get("MAIL_BACKEND", "file")
        self.host = app_config.get("SMTP_HOST") or "localhost"
        self.port = app_config.get("SMTP_PORT") or 25
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, to: str, subject: str, text: str, html: str) -> EmailMessage | None:
        """Send one email; raise MailError on failure. Returns the message sent (None
        with the file backend, whose message is the file)."""
        app_config, backend = self.config, self.backend
        if backend not in BACKENDS:
            raise MailError(f"unknown MAIL_BACKEND {backend!r} (use one of {', '.join(BACKENDS)})")
        try:
            if not _PLAIN_ADDRESS.fullmatch(to):  # a plain dot-atom address is valid as it stands
                Address(addr_spec=to)
            if backend == "file":
                # The file backend only needs the bytes: a plain message is composed directly
                # (the email package's header objects cost milliseconds a message, which
                # adds up over thousands of nudges); anything unusual takes the full path.
                data = plain_message_bytes(app_config, to, subject, text, html)
                if data is None:
                    data = build_message(app_config, to, subject, text, html).as_bytes()
            else:
                msg = build_message(app_config, to, subject, text, html)
        except (ValueError, TypeError, IndexError) as exc:
            raise MailError(f"cannot build a message to {to!r}: {exc}") from exc
        if backend == "file":
            _write_file(app_config, data)
            return None  # the message is the file; parsing it back would cost what the fast path saves
        if backend == "smtp":
            self._send_smtp(msg)
        else:
            memory_outbox().append(msg)
        return msg

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        config, host, port = self.config, self.host, self.port
        try:
            smtp = smtplib.SMTP(host, int(port), timeout=float(config.get("SMTP_TIMEOUT") or 10))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailConnectionError(f"cannot connect to mail server {host}:{port}: {exc}") from exc
        try:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        except smtplib.SMTPServerDisconnected as exc:
            smtp.close()
            raise MailConnectionError(f"mail server {host}:{port} disconnected: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise MailError(f"mail server {host}:{port} refused the message: {exc}") from exc
        return smtp

    def _send_smtp(self, msg: EmailMessage) -> None:
        reused = self._smtp is not None
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected as exc:
            self.close()
            if not reused:
                raise MailConnectionError(f"mail server {self.host}:{self.port} disconnected: {exc}") from exc
            # A kept connection the server has since closed (idle timeout): once more on a
            # new one. Should the server have taken the message just before it went, this
            # sends it twice: the same at-least-once as an email in flight during a crash.
            self._send_smtp(msg)
            return
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # its state is unknown now: the next message opens a new one
            raise MailError(f"mail server {self.host}:{self.port} refused the message: {exc}") from exc
        if refused:
            raise MailError(f"mail server {self.host}:{self.port} refused recipients: {', '.join(refused)}")


# Header values the fast path writes as they are: printable ASCII, no encoded words.
_ATOM = r"[A-Za-z0-9_%+'-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_PLAIN_FROM = re.compile(rf"(?:[A-Za-z0-9 -]* ?<{_PLAIN_ADDRESS.pattern}>|{_PLAIN_ADDRESS.pattern})")
_PLAIN_SUBJECT = re.compile(r"[ -~]*")


def _plain_body(content: str) -> tuple[str, bytes]:
    """Transfer encoding and body as the email package writes a UTF-8 text part: lines
    ended (the last one too); 7bit when short ASCII lines allow, else quoted-printable."""
    lines = content.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if content.isascii() and all(len(line) <= 78 for line in lines):
        return "7bit", body
    return "quoted-printable", binascii.b2a_qp(body, istext=True)


def _fold(header: str, width: int = 78) -> str | None:
    """Fold a header line before spaces so no line passes ``width`` (unfolding gives it
    back unchanged); None when one word is too long for that."""
    lines, line = [], ""
    for word in header.split(" "):
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = f" {word}"
        if len(line) > width:
            return None
    lines.append(line)
    return "\n".join(lines)


def plain_message_bytes(config: Mapping, to: str, subject: str, text: str, html: str) -> bytes | None:
    """The message build_message makes, as bytes, when every header is plain ASCII and
    the bodies are text; None otherwise (the caller then takes the full path)."""
    sender = config.get("MAIL_FROM") or "onboarding@localhost"
    subject = header_text(subject)
    if not (_PLAIN_FROM.fullmatch(sender) and _PLAIN_ADDRESS.fullmatch(to) and _PLAIN_SUBJECT.fullmatch(subject)):
        return None
    subject_lines = _fold(f"Subject: {subject}")
    if subject_lines is None:
        return None
    (text_cte, text_body), (html_cte, html_body) = _plain_body(text), _plain_body(html)
    boundary = f"==============={uuid.uuid4().hex}=="
    if boundary.encode() in text_body or boundary.encode() in html_body:
        return None
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    head = (
        f"From: {sender}\nTo: {to}\n{subject_lines}\n"
        f"Date: {format_datetime(datetime.now(UTC))}\nMessage-ID: {make_msgid(domain=domain)}\n"
        "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative;\n boundary="{boundary}"\n\n'
    )
    part = '--{b}\nContent-Type: text/{sub}; charset="utf-8"\nContent-Transfer-Encoding: {cte}\n\n'
    return b"".join((
        head.encode("ascii"),
        part.format(b=boundary, sub="plain", cte=text_cte).encode("ascii"), text_body, b"\n",
        part.format(b=boundary, sub="html", cte=html_cte).encode("ascii"), html_body, b"\n",
        f"--{boundary}--\n".encode("ascii"),
    ))


def outbox_dir(app_config: Mapping) -> Path:
    return Path(app_config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "outbox")


def _write_file(app_config: Mapping, data: bytes) -> None:
    directory = outbox_dir(app_config)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{_stamp()}-{uuid.uuid4().hex[:12]}.eml"
        tmp = directory / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, directory / name)  # readers never see half a file
    except OSError as exc:
        raise MailError(f"cannot write to {directory}: {exc}") from exc


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def memory_outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend by the current app (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def _account_email(name: str, user, context: dict) -> tuple[str, str]:
    """Text and HTML of an account email (invite, password reset) from its templates."""
    config = current_app.config
    context = {
        "user": user,
        "service_name": config.get("SERVICE_NAME", "Leader onboarding"),
        "organisation": config.get("ORGANISATION_NAME") or "",
        **context,
    }
    env = current_app.jinja_env
    return env.get_template(f"email/{name}.txt").render(context), env.get_template(f"email/{name}.html").render(context)


def invite_subject(config: Mapping, details: Mapping | None = None) -> str:
    """What the invite is for: "Your onboarding plan at <Org>: starts 4 January 2027" for a
    leader, the leader's name for a sponsor or mentor, else setting a password."""
    details = details or {}
    service = config.get("SERVICE_NAME", "Leader onboarding")
    at = f" at {config['ORGANISATION_NAME']}" if config.get("ORGANISATION_NAME") else ""
    plan, role = details.get("plan"), details.get("role")
    if plan is not None and role == "leader":
        return f"Your onboarding plan{at}: starts {dates.day(plan.start_date)}"
    if plan is not None and role == "sponsor":
        return f"You are sponsoring {plan.leader.name}'s onboarding{at}"
    if plan is not None and role == "mentor":
        return f"You are mentoring {plan.leader.name} through their onboarding{at}"
    if plan is not None and role == "peer_mentor":
        return f"{plan.leader.name} has asked you to be their peer mentor{at}"
    if role == "hr":
        return f"Your HR account for {service}{at}"
    if details.get("sso_label"):
        return f"Your account for {service}{at}"
    return f"Set your password for {service}{at}"


def send_invite(user, link: str, details: Mapping | None = None) -> str:
    """Email a new user their single-use set-password link (HR's invite), saying who sent it
    and what for (accounts.invited_for); returns the subject sent."""
    config = current_app.config
    details = dict(details or {})
    plan = details.get("plan")
    context = {
        "link": link,
        "days": max(1, int(config.get("INVITE_MAX_AGE", 7 * 24 * 3600)) // 86400),
        "role": details.get("role"),
        "plan": plan,
        "sent_by": details.get("sent_by"),
        "start": dates.weekday(plan.start_date) if plan is not None else None,
        "sso_label": details.get("sso_label"),  # single sign-on only: no password to set
    }
    text, html = _account_email("invite", user, context)
    subject = invite_subject(config, details)
    send(config, user.email, subject, text, html)
    return subject


def password_reset_subject(config: Mapping) -> str:
    return f"Set a new password for {config.get('SERVICE_NAME', 'Leader onboarding')}"


def send_password_reset(user, link: str) -> str:
    """Email a forgotten-password link; returns the subject sent."""
    config = current_app.config
    minutes = max(1, int(config.get("PASSWORD_RESET_MAX_AGE", 3600)) // 60)
    lifetime = f"{minutes // 60} hour{'s' if minutes >= 120 else ''}" if minutes % 60 == 0 else f"{minutes} minutes"
    text, html = _account_email("password_reset", user, {"link": link, "lifetime": lifetime})
    subject = password_reset_subject(config)
    send(config, user.email, subject, text, html)
    return subject
