"""The sponsor's "next check-in" date: the dashboard, the check-in reminder and the
weekly digest all count from it (issue 10: the sweep used to ignore it)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.models import CheckIn, Nudge
from onboarding.nudges import mail

from .conftest import make_user
from .nudge_helpers import make_plan, parts, world

# Real commits: the sender marks emails sent on a second connection of its own.
pytestmark = pytest.mark.real_commits

SPONSOR = "sam.sponsor@example.nhs.uk"


def checkin_plan():
    """A plan started Monday 7 Sep 2026 with a fortnightly cadence; the sponsor held a
    check-in on Monday 14 Sep and set the next one for Monday 30 Nov."""
    people = world(make_user)
    far = date(2027, 1, 4)  # every milestone well after 30 Nov: no milestone nudges in the way
    plan = make_plan(people["version"], make_user("lee2@example.nhs.uk", "Lee Leader"), people["sponsor"],
                     start=date(2026, 9, 7), due={k: far for k in ("welcome", "meet-team", "sponsor-intro",
                                                                  "mentor-meet", "stakeholder-map")})
    people["plan"].status = "withdrawn"  # only the new plan speaks
    plan.checkin_cadence_days = 14
    db.session.add(CheckIn(plan=plan, sponsor_id=plan.sponsor_id, held_on=date(2026, 9, 14), rag="green",
                           summary="Good start", next_checkin_on=date(2026, 11, 30)))
    db.session.commit()
    return plan


def checkin_rows():
    return db.session.scalars(sa.select(Nudge).where(Nudge.kind == "checkin_due")).all()


def test_the_sweep_waits_for_the_next_checkin_date_the_sponsor_set(ctx):
    plan = checkin_plan()
    # 28 Sep is the 14-day cadence after the 14 Sep check-in, but the sponsor said 30 Nov.
    nudges.sweep(date(2026, 9, 28))
    nudges.sweep(date(2026, 11, 27))
    assert checkin_rows() == []
    sent = mail.memory_outbox()
    assert {m["Subject"] for m in sent} == {"Your weekly onboarding digest: week of 28 September 2026",
                                             "Your weekly onboarding digest: week of 23 November 2026"}
    text, _ = parts(sent[0])
    assert "next due by Monday 30 November 2026" in text  # the digest agrees with the dashboard

    mail.memory_outbox().clear()
    nudges.sweep(date(2026, 11, 30))
    assert [(r.recipient_id, r.plan_id) for r in checkin_rows()] == [(plan.sponsor_id, plan.id)]
    texts = [parts(m)[0] for m in mail.memory_outbox() if m["To"] == SPONSOR]
    assert any("CHECK-IN DUE with Lee Leader" in t for t in texts)
