"""A sweep killed with SIGKILL mid-delivery, then run again at once and again after its
claim lease ran out: no email goes out twice (bar the one in flight at the kill, which
delivery is allowed to repeat) and none is lost. A real SMTP server (aiosmtpd), a real
separate sweep process, on SQLite and PostgreSQL."""
from __future__ import annotations

import signal
import subprocess
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from onboarding import nudges
from onboarding.extensions import db
from onboarding.models import Nudge, User, utcnow

from .conftest import make_user
from .nudge_helpers import SMTPServer, fixture_version, make_plan, sweep_command

# Real commits: a killed subprocess and a second run read what was committed.
pytestmark = pytest.mark.real_commits

PLANS = 8  # 17 recipients: each leader, each sponsor, and HR
DAY = "2027-01-04"  # each leader has an overdue milestone, each sponsor an escalation and a digest
KILL_AFTER = 5  # emails the server has accepted when the sweep is killed


def sent_to() -> set[str]:
    """Recipients whose nudges the database records as sent."""
    emails = db.session.scalars(
        sa.select(User.email).join(Nudge, Nudge.recipient_id == User.id).where(Nudge.status == "sent").distinct()
    ).all()
    db.session.remove()  # hold nothing open while another process writes
    return set(emails)


def test_a_sweep_killed_mid_delivery_sends_nothing_twice_and_loses_nothing(app, ctx, tmp_path):
    version = fixture_version()
    hr = make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True)
    for n in range(PLANS):
        make_plan(version, make_user(f"leader{n}@example.nhs.uk"), make_user(f"sponsor{n}@example.nhs.uk"), hr=hr)
    recipients = {u.email for u in db.session.scalars(sa.select(User))}
    db.session.remove()

    # A little delay per message, so the kill lands while emails are going out.
    server = SMTPServer(delay=0.05).start()
    command, env = sweep_command(app, server, tmp_path, DAY)
    try:
        killed = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Wakes as soon as the server has the messages (or the sweep ended early).
            while not server.handler.wait_for(KILL_AFTER, timeout=0.5) and killed.poll() is None:
                pass
        finally:
            killed.send_signal(signal.SIGKILL)
            out, err = killed.communicate(timeout=60)
        assert killed.returncode == -signal.SIGKILL, out + err  # killed mid-delivery, not finished
        server.handler.delay = 0  # the kill has landed: the runs below need no slowing down
        marked = sent_to()

        # At once: the dead process's claim still holds, so nothing it claimed is sent again.
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout.strip().splitlines()[-1] == "recorded 0, sent 0, failed 0"
        before_lease = server.handler.take()
        assert sent_to() == marked

        # After the lease: what the dead process claimed but had not sent goes out now.
        app.config.update(server.config())
        after_lease = utcnow() + nudges.LEASE + timedelta(seconds=1)
        result = nudges.deliver(date.fromisoformat(DAY), app.config, now=after_lease)
        assert result.failed == 0
        recovered = server.handler.take()
    finally:
        server.stop()

    first = Counter(msg["To"] for _, msg in before_lease)
    assert len(first) == len(before_lease) >= KILL_AFTER  # nothing doubled before the lease ran out
    # Every email the server accepted is marked sent, except at most the one in flight at the kill.
    assert marked <= set(first) and len(first) - len(marked) <= 1
    in_flight = set(first) - marked

    per_recipient = Counter(msg["To"] for _, msg in before_lease + recovered)
    assert set(per_recipient) == recipients  # none lost
    doubled = {to for to, count in per_recipient.items() if count > 1}
    assert len(doubled) <= 1 and doubled <= in_flight  # at most the one in flight at the kill...
    assert max(per_recipient.values()) <= 2  # ...and that one only once more
    assert len(recovered) == len(recipients) - len(marked)
    rows = db.session.scalars(sa.select(Nudge)).all()
    assert {r.status for r in rows} == {"sent"} and all(r.sent_at is not None for r in rows)
