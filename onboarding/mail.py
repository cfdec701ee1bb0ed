"""Email: one ``send`` helper over three backends.

- ``file`` (default): one .eml file per message in ``instance/outbox/``, so a new
  installation shows its nudges without a mail server;
- ``smtp``: ONBOARDING_SMTP_HOST, _PORT, _STARTTLS, _USERNAME, _PASSWORD, _TIMEOUT;
- ``memory``: kept on the app for tests.

Every message has a plain-text and an HTML part.
"""
from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Mapping

BACKENDS = ("file", "smtp", "memory")


class MailError(Exception):
    """A message could not be handed over; it stays queued."""


class MailConnectionError(MailError):
    """The mail server could not be reached at all: no point trying more messages now."""


def build_message(config: Mapping, to: str, subject: str, text: str, html: str) -> EmailMessage:
    msg = EmailMessage()
    sender = config.get("MAIL_FROM") or "onboarding@localhost"
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # never a line break in a header
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(app_config: Mapping, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """Send one email through the configured backend; raise MailError on failure."""
    backend = app_config.get("MAIL_BACKEND", "file")
    if backend not in BACKENDS:
        raise MailError(f"unknown MAIL_BACKEND {backend!r} (use one of {', '.join(BACKENDS)})")
    try:
        Address(addr_spec=to)
        msg = build_message(app_config, to, subject, text, html)
    except (ValueError, TypeError, IndexError) as exc:
        raise MailError(f"cannot build a message to {to!r}: {exc}") from exc
    {"file": _send_file, "smtp": _send_smtp, "memory": _send_memory}[backend](app_config, msg)
    return msg


def outbox_dir(app_config: Mapping) -> Path:
    from flask import current_app

    return Path(app_config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "outbox")


def _send_file(app_config: Mapping, msg: EmailMessage) -> None:
    directory = outbox_dir(app_config)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{_stamp()}-{uuid.uuid4().hex[:12]}.eml"
        tmp = directory / f".{name}.tmp"
        tmp.write_bytes(msg.as_bytes())
        os.replace(tmp, directory / name)  # readers never see half a file
    except OSError as exc:
        raise MailError(f"cannot write to {directory}: {exc}") from exc


def _stamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _send_smtp(app_config: Mapping, msg: EmailMessage) -> None:
    host = app_config.get("SMTP_HOST") or "localhost"
    port = int(app_config.get("SMTP_PORT") or 25)
    timeout = float(app_config.get("SMTP_TIMEOUT") or 10)
    try:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailConnectionError(f"cannot connect to mail server {host}:{port}: {exc}") from exc
    try:
        with smtp:
            if app_config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if app_config.get("SMTP_USERNAME"):
                smtp.login(app_config["SMTP_USERNAME"], app_config.get("SMTP_PASSWORD") or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPServerDisconnected as exc:
        raise MailConnectionError(f"mail server {host}:{port} disconnected: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail server {host}:{port} refused the message: {exc}") from exc
    if refused:
        raise MailError(f"mail server {host}:{port} refused recipients: {', '.join(refused)}")


def _send_memory(app_config: Mapping, msg: EmailMessage) -> None:
    memory_outbox().append(msg)


def memory_outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend by the current app (tests)."""
    from flask import current_app

    return current_app.extensions.setdefault("mail_outbox", [])


def send_invite(user, link: str) -> EmailMessage:
    """Email a new user their single-use set-password link (HR's invite)."""
    from flask import current_app

    config = current_app.config
    context = {
        "user": user,
        "link": link,
        "service_name": config.get("SERVICE_NAME", "Leader onboarding"),
        "days": max(1, int(config.get("INVITE_MAX_AGE", 7 * 24 * 3600)) // 86400),
    }
    env = current_app.jinja_env
    text = env.get_template("email/invite.txt").render(context)
    html = env.get_template("email/invite.html").render(context)
    return send(config, user.email, f"Set your password for {context['service_name']}", text, html)
