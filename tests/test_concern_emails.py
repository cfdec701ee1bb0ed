"""A concern's emails through the outbox over real SMTP: one to every active HR user and the chosen
mentor, grouped into their day's email, once; never to the sponsor (even one with HR rights) and
never with the concern's text."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding import nudges
from onboarding.extensions import db
from onboarding.plans import concerns

from .conftest import make_user
from .nudge_helpers import parts, world

pytestmark = pytest.mark.real_commits

BASE = "http://onboarding.test"
SECRET = "Nobody at the board will meet me HERON-2029"


def test_a_concern_is_emailed_once_to_hr_and_the_mentor_and_never_to_the_sponsor(app, ctx, smtp):
    app.config.update(smtp.config())
    people = world(make_user)  # the mentor has muted nudges: a concern still reaches them
    plan = people["plan"]
    second_hr = make_user("hal.hr@example.nhs.uk", "Hal HR", hr=True)
    gone_hr = make_user("gone.hr@example.nhs.uk", "Gone HR", hr=True)
    gone_hr.active = False
    people["sponsor"].is_hr = True  # a sponsor with HR rights is still the sponsor
    db.session.commit()
    raised_on = date(2026, 12, 8)  # Tuesday of the plan's second day
    concern = concerns.raise_concern(plan, people["leader"], SECRET, True, today=raised_on)
    db.session.commit()

    told: dict[str, list] = {}
    day = raised_on
    while day <= raised_on + timedelta(days=14):
        nudges.sweep(day)
        for _rcpt, msg in smtp.handler.take():
            text, html = parts(msg)
            assert "HERON-2029" not in text + html + msg["Subject"]
            if "Lee Leader has raised a concern in confidence" in text:
                told.setdefault(msg["To"], []).append((day, msg, text, html))
        day += timedelta(days=1)

    assert sorted(told) == sorted([people["hr"].email, second_hr.email, people["mentor"].email])
    link = f"{BASE}/plans/{plan.id}/concerns/{concern.id}"
    for to, emails in told.items():
        [(day, msg, text, html)] = emails  # once each
        assert day == raised_on, to
        assert msg["Subject"] == "Concern raised on Lee Leader's plan"
        assert link in text and f'href="{link}"' in html
    # HR's contact had an overdue milestone that day too: one email carries both, the concern first.
    _, _, text, _ = told[people["hr"].email][0]
    assert "Welcome pack sent" in text and text.index("CONCERN") < text.index("Welcome pack sent")
