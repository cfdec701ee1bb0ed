"""The log of sent emails: who, what subject, what kind, when; never the body (it may hold a
single-use link). Every email the service sends is recorded here once the mail server (or the
file or memory backend) has taken it: by ``record``, or a nudge email's row (``values``) with its
sent marks; HR searches the log on the outbox page."""
from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import SentEmail, utcnow
from .mail import header_text

PER_PAGE = 25
_RECIPIENT = SentEmail.__table__.c.recipient.type.length
_SUBJECT = SentEmail.__table__.c.subject.type.length


COLUMNS = ("recipient", "subject", "kind", "sent_at")  # a row's columns, as ``values`` gives them


def values(recipient: str, subject: str, kind: str) -> dict:
    """One sent email's log row: the recipient and subject as stored (the subject as the email's
    own Subject header says it, cut to the columns' lengths), its kind, the time now."""
    return {
        "recipient": recipient[:_RECIPIENT],
        "subject": header_text(subject)[:_SUBJECT],
        "kind": kind[:20],
        "sent_at": utcnow(),
    }


def record(recipient: str, subject: str, kind: str) -> None:
    """Log one email that has been sent, committed on the ORM session at once: the email has
    gone, whatever the caller does next (an invite follows the new user's own commit; call it
    after your writes are committed). The nudge sender writes ``values`` with each email's
    sent marks instead (nudges.outbox.sent), in the same commit. ``kind`` is a nudge kind (an
    email of several: the most urgent, as its subject says), ``invite`` or ``password_reset``."""
    db.session.add(SentEmail(**values(recipient, subject, kind)))
    db.session.commit()


@dataclass
class LogPage:
    emails: list[SentEmail]
    page: int
    pages: int
    total: int


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(query: str | None, number: int = 1) -> LogPage:
    """Page ``number`` of the sent emails whose recipient or subject contains ``query``
    (any case; every email without one), newest first, ``PER_PAGE`` a page. Two queries."""
    statement = sa.select(SentEmail)
    words = (query or "").strip()
    if words:
        pattern = f"%{_escaped(words.lower())}%"
        statement = statement.where(sa.or_(
            sa.func.lower(SentEmail.recipient).like(pattern, escape="\\"),
            sa.func.lower(SentEmail.subject).like(pattern, escape="\\"),
        ))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    number = min(max(1, number), pages)
    emails = db.session.scalars(
        statement.order_by(SentEmail.sent_at.desc(), SentEmail.id.desc())
        .offset((number - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return LogPage(list(emails), number, pages, total)
