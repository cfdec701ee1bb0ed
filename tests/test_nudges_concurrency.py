"""Two sweeps racing (two scheduler processes by mistake) on PostgreSQL: each nudge is
recorded once and delivered once."""
from __future__ import annotations

import subprocess
from collections import Counter

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import Nudge

from .conftest import make_user
from .nudge_helpers import SMTPServer, fixture_version, make_plan, sweep_command

# Real commits: two sweeps in subprocesses.
pytestmark = pytest.mark.real_commits

PLANS = 8
DAY = "2027-01-04"  # each leader has an overdue milestone, each sponsor an escalation and a digest


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_sweeps_at_the_same_moment_send_each_nudge_once(app, ctx, tmp_path):
    version = fixture_version()
    hr = make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True)
    for n in range(PLANS):
        leader = make_user(f"leader{n}@example.nhs.uk", f"Leader {n}")
        sponsor = make_user(f"sponsor{n}@example.nhs.uk", f"Sponsor {n}")
        make_plan(version, leader, sponsor, hr=hr)
    db.session.remove()

    # A slow server widens the window in which the two sweeps overlap.
    server = SMTPServer(delay=0.05).start()
    command, env = sweep_command(app, server, tmp_path, DAY)
    try:
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
        messages = server.handler.take()
    finally:
        server.stop()
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, out + err

    expected_nudges = PLANS * 3 + PLANS  # leader overdue, sponsor escalation + digest; HR's overdue welcome per plan
    # Each prints "recorded N, sent N, failed N"; between them every nudge is counted once.
    counts = [{k: int(v) for k, v in (part.split(" ") for part in out.strip().splitlines()[-1].split(", "))} for out, _ in outputs]
    assert sum(c["recorded"] for c in counts) == expected_nudges
    assert sum(c["sent"] for c in counts) == expected_nudges
    assert sum(c["failed"] for c in counts) == 0

    # One email per recipient: each leader, each sponsor and HR once.
    per_recipient = Counter(msg["To"] for _, msg in messages)
    assert len(per_recipient) == 2 * PLANS + 1 and set(per_recipient.values()) == {1}

    rows = db.session.scalars(sa.select(Nudge)).all()
    assert len(rows) == expected_nudges
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
