"""Double submissions and simultaneous clicks, sent to a real threaded server on SQLite and on
PostgreSQL: five identical check-in posts make one check-in, five API retries with one
Idempotency-Key make one check-in, five "complete" (or "reopen") clicks on one milestone make one
change and one audit event."""
from __future__ import annotations

import contextlib
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, CheckIn, Milestone
from onboarding.people import tokens

from .conftest import PASSWORD
from .date_input import boxes
from .serving import serve

# Real commits: threads of a live server commit for each other.
pytestmark = pytest.mark.real_commits

CLICKS = 5


@pytest.fixture
def server(app):
    """The test's app (SQLite or PostgreSQL) on a real port, one thread per request."""
    with serve(app) as base:
        yield base


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at the 302 itself


class Browser:
    """One signed-in person: a cookie jar shared by the requests they send at once."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def send(self, method: str, path: str, data: dict | None = None, headers: dict | None = None,
             body: bytes | None = None) -> tuple[int, dict, str]:
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers), exc.read().decode()

    def sign_in(self, user) -> Browser:
        status, _, _ = self.send("POST", "/login", {"email": user.email, "password": PASSWORD})
        assert status == 302
        return self


def all_at_once(send, times: int = CLICKS) -> list:
    """Send ``times`` requests together and return their answers."""
    start = threading.Barrier(times)

    def one(_):
        start.wait(timeout=30)
        return send()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(one, range(times)))


@pytest.fixture
def writes_wait_for_each_other(app):
    """Holds each request at its first write of ``table`` until all CLICKS requests have
    reached it, so every one has already read and checked before any writes: the widest race
    two people clicking together can produce, every time rather than now and then."""

    def arm(statement_start: str):
        gate = threading.Barrier(CLICKS)
        seen = threading.local()

        def hold(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(statement_start) and not getattr(seen, "done", False):
                seen.done = True
                # Fewer requests got this far: nothing to line up.
                with contextlib.suppress(threading.BrokenBarrierError):
                    gate.wait(timeout=10)

        sa.event.listen(db.engine, "before_cursor_execute", hold)
        armed.append(hold)

    armed: list = []
    yield arm
    for hold in armed:
        sa.event.remove(db.engine, "before_cursor_execute", hold)


def _checkin_form(html: str) -> dict:
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', html)
    assert key, "the check-in form carries a request key"
    return {"request_key": key.group(1), **boxes("held_on", "2026-10-01"), "rag": "amber", "summary": "Settling in",
            "private_note": "", "actions": "", **boxes("next_checkin_on", None)}


def _count(model, *where) -> int:
    db.session.rollback()  # see what the server's requests committed
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_five_identical_checkin_posts_make_one_checkin(cast, server, writes_wait_for_each_other):
    plan_id = cast["plan_a"].id
    sponsor = Browser(server).sign_in(cast["sponsor_a"])
    status, _, html = sponsor.send("GET", f"/plans/{plan_id}/checkins/new")
    assert status == 200
    form = _checkin_form(html)

    writes_wait_for_each_other("INSERT INTO CHECKIN")
    answers = all_at_once(lambda: sponsor.send("POST", f"/plans/{plan_id}/checkins/new", form))

    assert _count(CheckIn) == 1
    assert _count(AuditEvent, AuditEvent.action == "checkin.create") == 1
    checkin_id = db.session.scalar(sa.select(CheckIn.id))
    # Every post is answered as the first one was: the check-in saved, shown in the history.
    assert [status for status, _, _ in answers] == [302] * CLICKS
    assert {headers["Location"] for _, headers, _ in answers} == {f"/plans/{plan_id}/checkins#checkin-{checkin_id}"}


def test_five_api_retries_with_one_idempotency_key_make_one_checkin(cast, server, writes_wait_for_each_other):
    _, raw = tokens.create(cast["sponsor_a"], "HR system")
    db.session.commit()
    plan_id = cast["plan_a"].id
    client = Browser(server)
    body = json.dumps({"held_on": "2026-10-01", "rag": "green", "summary": "On track"}).encode()
    headers = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json",
               "Idempotency-Key": "3f0c1c2e-retry-of-one-call"}

    writes_wait_for_each_other("INSERT INTO CHECKIN")
    answers = all_at_once(lambda: client.send("POST", f"/api/v1/plans/{plan_id}/checkins", headers=headers, body=body))

    assert _count(CheckIn) == 1
    assert sorted(status for status, _, _ in answers) == [200] * (CLICKS - 1) + [201]
    assert {json.loads(text)["id"] for _, _, text in answers} == {db.session.scalar(sa.select(CheckIn.id))}


@pytest.mark.parametrize("action, before, after", [("complete", "todo", "done"), ("reopen", "done", "todo")])
def test_five_clicks_on_one_milestone_make_one_change(cast, server, writes_wait_for_each_other, action, before, after):
    from onboarding import plans

    plan = cast["plan_a"]
    milestone = next(m for m in plan.milestones if m.owner == "leader")
    if before == "done":
        plans.complete_milestone(milestone, cast["leader_a"], note="First go")
        db.session.commit()
    plan_id, milestone_id = plan.id, milestone.id
    leader = Browser(server).sign_in(cast["leader_a"])
    data = {"evidence_note": "Met all six clinical directors", "evidence_link": ""} if action == "complete" else {}

    writes_wait_for_each_other("UPDATE MILESTONE")
    answers = all_at_once(lambda: leader.send("POST", f"/plans/{plan_id}/milestones/{milestone_id}/{action}", data))

    assert [status for status, _, _ in answers] == [302] * CLICKS
    assert _count(AuditEvent, AuditEvent.action == f"milestone.{action}", AuditEvent.object_id == milestone_id) == 1
    stored = db.session.get(Milestone, milestone_id)
    assert stored.status == after
    if action == "complete":
        assert stored.completed_by_id == cast["leader_a"].id and stored.evidence_note == "Met all six clinical directors"
