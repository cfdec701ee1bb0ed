"""Shared pieces for the nudge tests: a small playbook with known dates, its people,
and a real SMTP server (aiosmtpd) on loopback."""
from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import threading
from datetime import date
from pathlib import Path

from onboarding.extensions import db

from .conftest import ROOT

FIXTURE_PLAYBOOK = """\
slug: nudge-fixture
title: "Nudge fixture (13 weeks)"
weeks: 13
nudges:
  due_soon_working_days: 2
  overdue_every_working_days: 3
  escalate_after_working_days: 4
  checkin_cadence_days: 60
pulses: []  # no pulse checks: these tests follow the milestones (test_pulses.py the pulses)
phases:
  - key: one
    title: One
milestones:
  - key: welcome
    title: Welcome pack sent
    phase: one
    category: induction_governance
    owner: hr
    week: 0
  - key: meet-team
    title: Meet the digital team
    phase: one
    category: stakeholder_mapping
    owner: leader
    week: 2
  - key: sponsor-intro
    title: Introduce the leader to the board
    phase: one
    category: stakeholder_mapping
    owner: sponsor
    week: 5
  - key: mentor-meet
    title: First mentoring conversation
    phase: one
    category: peer_mentoring
    owner: mentor
    week: 9
  - key: stakeholder-map
    title: Draw the stakeholder map
    phase: one
    category: stakeholder_mapping
    owner: leader
    week: 12
"""

START = date(2026, 12, 7)  # a Monday
END = date(2027, 4, 7)
DUE = {
    "welcome": date(2026, 12, 7),
    "meet-team": date(2026, 12, 24),  # Thursday before Christmas
    "sponsor-intro": date(2027, 1, 15),
    "mentor-meet": date(2027, 2, 10),
    "stakeholder-map": date(2027, 3, 25),  # Thursday before Good Friday
}
# The leader works Monday to Thursday.
LEADER_DAYS = "mon,tue,wed,thu"


def fixture_version():
    from onboarding import playbooks

    content, problems = playbooks.parse_text(FIXTURE_PLAYBOOK, "nudge-fixture.yaml")
    assert not problems, problems
    version, _ = playbooks.publish(content)
    db.session.commit()
    return version


def make_plan(version, leader, sponsor, mentor=None, hr=None, start=START, months=4, working_days=LEADER_DAYS, due=DUE):
    from onboarding import plans

    plan = plans.create_plan(leader=leader, sponsor=sponsor, mentor=mentor, version=version, start=start,
                             months=months, working_days=working_days, actor=hr)
    for m in plan.milestones:
        m.due_date = due[m.key]
    db.session.commit()
    return plan


def world(make_user):
    """Leader (Mon-Thu), sponsor, muted mentor and HR contact on one active plan."""
    version = fixture_version()
    people = {
        "leader": make_user("lee.leader@example.nhs.uk", "Lee Leader"),
        "sponsor": make_user("sam.sponsor@example.nhs.uk", "Sam Sponsor"),
        "mentor": make_user("mo.mentor@example.nhs.uk", "Mo Mentor"),
        "hr": make_user("hana.hr@example.nhs.uk", "Hana HR", hr=True),
    }
    people["mentor"].nudge_mode = "mute"
    db.session.commit()
    people["version"] = version
    people["plan"] = make_plan(version, people["leader"], people["sponsor"], people["mentor"], people["hr"])
    return people


def milestone(plan, key):
    return next(m for m in plan.milestones if m.key == key)


def complete(plan, key, user):
    from onboarding import plans

    plans.complete_milestone(milestone(plan, key), user)
    db.session.commit()


def log_checkin(plan, on):
    from onboarding.models import CheckIn

    db.session.add(CheckIn(plan=plan, sponsor_id=plan.sponsor_id, held_on=on, rag="green", summary="Going well"))
    db.session.commit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.lock = threading.Condition()
        self.messages: list = []
        self.peers: list = []  # the client's (host, port) per message: one port is one connection

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
            self.peers.append(session.peer)
            self.lock.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 60) -> bool:
        """Wait until ``count`` messages have been accepted (since the last ``take``)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.messages) >= count, timeout)

    def take(self) -> list:
        with self.lock:
            taken, self.messages, self.peers = self.messages, [], []
        return taken


class SMTPServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.handler = Collector(delay)
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def config(self) -> dict:
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_TIMEOUT": 5}


def parts(msg) -> tuple[str, str]:
    """The text and HTML bodies of a message (line ends as written, whatever SMTP did to them)."""
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


def sweep_command(app, server: SMTPServer, tmp_path, day: str) -> tuple[list[str], dict]:
    """`onboarding nudges run --today DAY` as a process of its own, with the environment that points
    it at this test's database and SMTP server."""
    env = os.environ | {
        "ONBOARDING_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "ONBOARDING_INSTANCE_PATH": str(tmp_path),
        "ONBOARDING_SECRET_KEY": "test-secret-key",
        "ONBOARDING_BASE_URL": "http://onboarding.test",
        "ONBOARDING_MAIL_BACKEND": "smtp",
        "ONBOARDING_SMTP_HOST": "127.0.0.1",
        "ONBOARDING_SMTP_PORT": str(server.port),
    }
    return [str(Path(ROOT) / ".venv/bin/onboarding"), "nudges", "run", "--today", day], env
