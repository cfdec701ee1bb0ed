"""Every link in every kind of nudge email opens a real page for the person it was sent to."""
from __future__ import annotations

import re
from datetime import date

import pytest

from onboarding import nudges
from onboarding.nudges import mail

from .conftest import make_user
from .nudge_helpers import parts, world

# Real commits: the sender marks emails sent on a second connection of its own.
pytestmark = pytest.mark.real_commits

BASE = "http://onboarding.test"  # BASE_URL in the test config
# The fixture plan (tests/nudge_helpers.py) on the days each kind goes out.
DAYS = {
    date(2026, 12, 22): {"due_soon"},  # the leader's milestone due Thu 24 Dec
    date(2027, 1, 4): {"overdue", "escalation", "digest"},
    date(2027, 2, 5): {"checkin_due"},  # 60 days after the start
}
HEADINGS = {"due_soon": "DUE SOON:", "overdue": "\nOVERDUE:", "escalation": "ESCALATION:",
            "checkin_due": "CHECK-IN DUE", "digest": "WEEKLY ONBOARDING DIGEST"}


def test_each_email_kind_links_to_pages_its_recipient_can_open(ctx, client, login):
    people = world(make_user)
    by_email = {people[role].email: people[role] for role in ("leader", "sponsor", "hr")}
    kinds_seen = set()
    for day, kinds in DAYS.items():
        mail.memory_outbox().clear()
        nudges.sweep(day)
        sent = mail.memory_outbox()
        assert sent, day
        for message in sent:
            text, html = parts(message)
            paths = set(re.findall(re.escape(BASE) + r"(/[^\s\"<]*)", text))
            assert paths and paths == set(re.findall(re.escape(BASE) + r"(/[^\s\"<]*)", html)), text
            login(by_email[message["To"]])
            for path in paths:
                assert client.get(path).status_code == 200, (message["To"], path)
            kinds_seen |= {k for k in kinds if HEADINGS[k] in text}
    assert kinds_seen == {"due_soon", "overdue", "escalation", "checkin_due", "digest"}
