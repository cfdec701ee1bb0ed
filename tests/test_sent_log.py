"""The log of sent emails: every nudge email and invite the mail server accepted is logged
(recipient, subject, kind, when; never the body), and HR's search of it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.models import SentEmail
from onboarding.nudges import mail, sent_log
from onboarding.people import accounts

from .conftest import make_user
from .nudge_helpers import SMTPServer, complete, world


def logged():
    return [(e.recipient, e.subject, e.kind) for e in db.session.scalars(sa.select(SentEmail).order_by(SentEmail.id))]


@pytest.mark.real_commits
def test_nudge_emails_are_logged_as_the_smtp_server_accepts_them(app, ctx):
    server = SMTPServer().start()
    try:
        app.config.update(server.config())
        people = world(make_user)
        complete(people["plan"], "welcome", people["hr"])
        # The days and subjects test_nudges_delivery works out for this plan.
        for day in ("2026-12-22", "2026-12-29", "2027-01-04"):
            nudges.sweep(date.fromisoformat(day))
        accepted = [(rcpt[0], msg["Subject"]) for rcpt, msg in server.handler.take()]
    finally:
        server.stop()
    leader, sponsor = "lee.leader@example.nhs.uk", "sam.sponsor@example.nhs.uk"
    assert logged() == [
        (leader, "Due soon: Meet the digital team (due 24 Dec)", "due_soon"),
        # No sweep ran on Monday 21st: the week's digest catches up on the 22nd.
        (sponsor, "Your weekly onboarding digest: week of 21 December 2026", "digest"),
        (leader, "Overdue: Meet the digital team (due 24 Dec)", "overdue"),
        (sponsor, "Your weekly onboarding digest: week of 28 December 2026", "digest"),
        (leader, "Overdue: Meet the digital team (due 24 Dec)", "overdue"),
        # The escalation and the digest in one email: logged as its most urgent kind, as its subject reads.
        (sponsor, "Lee Leader's milestone is overdue: Meet the digital team (due 24 Dec)", "escalation"),
    ]
    assert [(to, subject) for to, subject, _ in logged()] == accepted


def test_an_invite_is_logged_with_the_subject_it_was_sent_with(app, ctx):
    user = make_user("new.person@example.nhs.uk", "New Person", password=None)
    link, sent = accounts.invite(user, app.config)
    assert sent
    (message,) = mail.memory_outbox()
    assert logged() == [("new.person@example.nhs.uk", "Set your password for Leader onboarding", "invite")]
    assert message["Subject"] == "Set your password for Leader onboarding"
    assert link not in str(db.session.scalars(sa.select(SentEmail)).one().__dict__)  # never the body or the link


def test_an_invite_the_mail_server_refused_is_not_logged(app, ctx):
    app.config.update({"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9, "SMTP_TIMEOUT": 2})
    user = make_user("new.person@example.nhs.uk", "New Person", password=None)
    _, sent = accounts.invite(user, app.config)
    assert not sent
    assert logged() == []


def _fill(count: int) -> None:
    start = datetime(2026, 11, 2, 9, 0)
    for n in range(count):
        db.session.add(SentEmail(recipient=f"person{n}@example.nhs.uk", subject=f"Email number {n}",
                                 kind="overdue", sent_at=start + timedelta(minutes=n)))
    db.session.add(SentEmail(recipient="ann_100%@example.nhs.uk", subject="Set your password for Leader onboarding",
                             kind="invite", sent_at=start - timedelta(days=1)))
    db.session.commit()


def test_the_log_is_newest_first_25_a_page(app, ctx):
    _fill(30)  # 31 emails: 25 on page 1, 6 on page 2
    first = sent_log.search(None, 1)
    assert (first.total, first.pages, len(first.emails)) == (31, 2, 25)
    assert first.emails[0].subject == "Email number 29" and first.emails[-1].subject == "Email number 5"
    second = sent_log.search("", 2)
    assert [e.subject for e in second.emails][-2:] == ["Email number 0", "Set your password for Leader onboarding"]
    assert sent_log.search(None, 99).page == 2  # past the end: the last page
    assert sent_log.search(None, -3).page == 1


def test_the_log_searches_recipient_and_subject_in_any_case_and_takes_wildcards_literally(app, ctx):
    _fill(30)
    assert [e.recipient for e in sent_log.search("PERSON12@").emails] == ["person12@example.nhs.uk"]
    assert [e.subject for e in sent_log.search("number 2").emails] == [
        "Email number 29", "Email number 28", "Email number 27", "Email number 26", "Email number 25",
        "Email number 24", "Email number 23", "Email number 22", "Email number 21", "Email number 20", "Email number 2"]
    assert [e.recipient for e in sent_log.search("100%").emails] == ["ann_100%@example.nhs.uk"]
    assert [e.recipient for e in sent_log.search("n_1").emails] == ["ann_100%@example.nhs.uk"]  # _ is not "any one"
    assert sent_log.search("set your password").total == 1
    assert sent_log.search("nobody at all").emails == []


def test_hr_searches_the_log_on_the_outbox_pages(app, ctx, client, login):
    _fill(30)
    login(make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True))
    outbox = client.get("/hr/outbox").get_data(as_text=True)
    assert 'action="/hr/outbox/sent"' in outbox and 'for="q"' in outbox and "Search by recipient or subject" in outbox

    page = client.get("/hr/outbox/sent").get_data(as_text=True)
    assert "31 emails, newest first: page 1 of 2" in page
    assert page.count('role="row"') == 26  # the header and 25 emails
    assert page.index("person29@example.nhs.uk") < page.index("person5@example.nhs.uk")
    assert "2 November 2026 at 9:29am" in page  # 09:29 UTC is 9:29am in London in November
    assert 'href="/hr/outbox/sent?page=2"' in page

    found = client.get("/hr/outbox/sent?q=Person12@").get_data(as_text=True)
    assert "1 email matching “Person12@”, newest first" in found
    assert "person12@example.nhs.uk" in found and "person13@" not in found and "Overdue" in found
    assert 'value="Person12@"' in found

    invites = client.get("/hr/outbox/sent?q=password").get_data(as_text=True)
    assert "ann_100%@example.nhs.uk" in invites and "Invitation" in invites

    paged = client.get("/hr/outbox/sent?q=number&page=2").get_data(as_text=True)
    assert "30 emails matching “number”, newest first: page 2 of 2" in paged
    assert 'href="/hr/outbox/sent?page=1&amp;q=number"' in paged

    none = client.get("/hr/outbox/sent?q=nobody").get_data(as_text=True)
    assert "No sent emails match “nobody”" in none

    too_long = client.get("/hr/outbox/sent?q=" + "x" * 301)
    assert too_long.status_code == 400
    assert "Search must be 300 characters or fewer" in too_long.get_data(as_text=True)
