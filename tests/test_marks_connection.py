"""The nudge sender's marks connection: on PostgreSQL its commits skip the wait for the disk
(nudges.outbox.marks_connection), and the connection goes back to the pool as it came."""
from __future__ import annotations

import pytest

from onboarding.extensions import db
from onboarding.nudges.outbox import marks_connection


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_marks_skip_the_disk_wait_and_the_pool_gets_the_setting_back(app, ctx):
    with db.engine.connect() as plain:
        server_default = plain.exec_driver_sql("SHOW synchronous_commit").scalar()
    assert server_default == "on"  # PostgreSQL's default: each commit waits for its WAL flush
    with marks_connection() as marks:
        assert marks.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        marks.rollback()
    # Both pooled connections (the plain one and the marks one), lent again at once: each is
    # back as the server has it.
    with db.engine.connect() as one, db.engine.connect() as two:
        assert [c.exec_driver_sql("SHOW synchronous_commit").scalar() for c in (one, two)] == ["on", "on"]
