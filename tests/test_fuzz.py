"""Hypothesis posts hostile values to every form and every API endpoint, as the role the
access table allows, on SQLite and PostgreSQL.

Each field gets what a person might type (markup included) or something hostile: control
characters (NUL, CR/LF; lone surrogates where the transport carries them: JSON escapes,
and their raw bytes in forms), markup naming the field, 10k-100k characters, odd numbers
and dates; fields go missing, come twice or, in JSON, with the wrong type. For every
example:

- no server error (the app runs with TESTING, so one raises here instead of answering 500);
- no marker as markup in the answer or in the page a redirect leads to; at the end of each
  test, none in the pages (and emails) that show what was stored;
- a 4xx answer (or a server error) leaves every table as it was: nothing half-written.

Examples share one database, so each failure is kept with the smallest example that showed
it and all of them are reported together at the end of the test (tests/fuzz_helpers.py).
"""
from __future__ import annotations

import copy
import io
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import yaml
from flask import url_for
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.hooks import teams, webhooks
from onboarding.models import (
    CATEGORIES,
    GOAL_STATUSES,
    OWNER_ROLES,
    PLAN_STATUSES,
    STANCES,
    CheckIn,
    ClinicianInterview,
    Goal,
    Nudge,
    Plan,
    Playbook,
    Stakeholder,
)
from onboarding.nudges import mail
from onboarding.people import accounts, equality, tokens
from onboarding.plans import directory, records
from onboarding.plans.checkins import CheckInInput, log_checkin
from onboarding.playbooks import drafts, editor

from .conftest import PASSWORD, ROOT, make_user
from .fuzz_helpers import (
    FUZZ,
    Findings,
    Good,
    changed_tables,
    choice,
    date_boxes,
    describe,
    draw_fields,
    dynamic,
    fingerprint,
    form_body,
    fuzz_text,
    iso_date,
    json_request,
    many,
    markup,
    pick,
    query,
    segment,
    short,
    size,
    text,
    unescaped,
    web_link,
    where_raised,
)
from .test_access_matrix import TABLE as ACCESS

EMAILS = ["leader.a@example.nhs.uk", "leader.b@example.nhs.uk", "sponsor.a@example.nhs.uk", "sponsor.b@example.nhs.uk",
          "mentor.a@example.nhs.uk", "hr@example.nhs.uk", "nobody@example.nhs.uk"]
SLUGS = ["cdio-cio-26-weeks", "director-data-analytics-16-weeks", "compressed-13-weeks"]
DAYS = ["mon", "tue", "wed", "thu", "fri"]
LOCAL_HOSTS = {"", "localhost", "onboarding.test"}
# ONBOARDING_FUZZ_SCALE=10 runs ten times the examples (CI keeps the default, about a minute).
SCALE = float(os.environ.get("ONBOARDING_FUZZ_SCALE", "1"))


class Fuzzer:
    """One test's client, signed in as one person at a time, and what it has found."""

    def __init__(self, app, client, login, cast):
        self.app, self.client, self.login, self.cast = app, client, login, cast
        self.person: str | None = "nobody yet"
        self.findings = Findings()
        self.raw_tokens: dict[str, str] = {}
        self.ids: dict[str, Any] = {}
        self.counter = 0

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def url(self, endpoint: str, **values) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    @property
    def plan_a(self) -> Plan:
        return db.session.get(Plan, self.cast["plan_a"].id)

    def sign_in(self, person: str | None, again: bool = False) -> None:
        if person == self.person and not again:
            return
        if person is None:
            self.client.post("/logout")
        else:
            self.login(self.cast[person])
        db.session.rollback()
        self.person = person

    def bearer(self, person: str) -> dict:
        if person not in self.raw_tokens:
            _, self.raw_tokens[person] = tokens.create(self.cast[person], "fuzz")
            # Its first use of the day is audited, whatever the answer: used once here, so that a
            # refused request's audit row is not taken for a half-written change.
            tokens.authenticate(self.raw_tokens[person])
            db.session.commit()
        return {"Authorization": f"Bearer {self.raw_tokens[person]}"}

    # --- requests and the checks on each answer ---

    def open(self, label: str, what: str, weight: int, url: str, **request):
        """A request; a server error becomes a finding (and None)."""
        try:
            response = self.client.open(url, **request)
        except Exception as exc:  # TESTING: a server error raises here rather than answering 500
            db.session.rollback()
            place, summary = where_raised(exc)
            self.findings.add(("server error", label, type(exc).__name__, place), weight,
                              f"[server error] {label}: {what}\n{summary}")
            return None
        db.session.rollback()  # as at the end of a real request: only what was committed stays
        if response.status_code >= 500:
            self.findings.add(("server error", label, response.status_code), weight,
                              f"[{response.status_code}] {label}: {what}")
        return response

    def check_page(self, what: str, weight: int, response) -> None:
        if response is None or response.mimetype != "text/html":
            return
        page = re.sub(r"/\d+", "/N", response.request.path)
        for tag in unescaped(response.get_data(as_text=True)):
            self.findings.add(("unescaped", tag, page), weight, f"[unescaped markup from {tag}] on {page}: {what}")

    def send(self, endpoint: str, person: str | None, method: str, url: str, sent: str, weight: int,
             writes_on_4xx: tuple[str, ...] = (), **request) -> None:
        what = f"{method} {short(url)} as {person or 'signed out'}\n  sent: {sent}"
        before = fingerprint()
        response = self.open(endpoint, what, weight, url, method=method, **request)
        status = 500 if response is None else response.status_code
        if status >= 400:  # refused or failed: nothing of it may have been committed
            changed = [t for t in changed_tables(before, fingerprint()) if t.split()[0] not in writes_on_4xx]
            if changed:
                self.findings.add(("half-written", endpoint, status, tuple(t.split()[0] for t in changed)), weight,
                                  f"[half-written] {endpoint} answered {status} but changed {', '.join(changed)}: {what}")
        if response is None:
            return
        self.check_page(what, weight, response)
        if 300 <= status < 400 and response.location:
            target = urlsplit(response.location)
            if target.netloc not in LOCAL_HOSTS:
                self.findings.add(("open redirect", endpoint), weight, f"[redirect off the site] to {response.location}: {what}")
                return
            then = f"{what}\n  then GET {short(target.path)}"
            self.check_page(then, weight, self.open(endpoint, then, weight, response.location))

    def sweep(self, pages: list[tuple[str, str]]) -> None:
        """After the fuzzing: the pages that show what was stored, as each person who sees them."""
        last = 10**9  # a finding from the example that stored the markup says more, so it wins
        for person, url in pages:
            self.sign_in(person)
            what = f"GET {url} as {person} after the fuzzing"
            self.check_page(what, last, self.open(f"page {url}", what, last, url))
        for message in mail.memory_outbox():
            html = message.get_body(("html",))
            for tag in unescaped(html.get_content() if html else ""):
                self.findings.add(("unescaped", tag, "email"), last,
                                  f"[unescaped markup from {tag}] in the email {message['Subject']!r} to {message['To']}")


# --- what is fuzzed -------------------------------------------------------------------------


@dataclass
class Target:
    """One endpoint: who may use it, how its URL is made (arranging what it needs first),
    its fields and how they travel."""

    person: str | None
    prepare: Callable[[Fuzzer, Any], str | tuple[str, dict]]
    fields: dict[str, Good] = field(default_factory=dict)
    body: str = "form"  # form, multipart, json or query
    examples: int = 10
    method: str = "POST"
    writes_on_4xx: tuple[str, ...] = ()  # tables a refusal may legitimately change


def fuzz(fz: Fuzzer, endpoint: str, target: Target) -> None:
    api = endpoint.startswith("api.") and endpoint not in ("api.docs", "api.openapi")

    @seed(zlib.crc32(endpoint.encode()))  # each endpoint its own examples, the same on every run
    @settings(FUZZ, max_examples=max(1, round(target.examples * SCALE)))
    @given(st.data())
    def example(data):
        if not api:
            fz.sign_in(target.person)
        prepared = target.prepare(fz, data)
        url, extra = prepared if isinstance(prepared, tuple) else (prepared, {})
        sent = draw_fields(data, fz, target.fields, endpoint, json_body=target.body == "json")
        request: dict[str, Any] = {"headers": fz.bearer(target.person) if api and target.person else {}} | extra
        described, weight = describe(sent), size(sent)
        if target.body == "json":
            body, content_type, described = json_request(data, sent)
            request |= {"data": body, "content_type": content_type}
            weight = len(body)
        elif target.body == "query":
            url += "?" + query(sent) if sent else ""
        elif target.body == "multipart":
            request["data"] = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else _multipart_text(v)
                               for k, v in sent.items()}
            request["content_type"] = "multipart/form-data"
        else:
            request |= {"data": form_body(sent), "content_type": "application/x-www-form-urlencoded"}
        fz.send(endpoint, target.person, target.method, url, described, weight, target.writes_on_4xx, **request)

    example()


def _multipart_text(value):
    # A multipart text part is encoded by the test client, which cannot encode a lone surrogate.
    fix = lambda s: str(s).encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # noqa: E731
    return [fix(v) for v in value] if isinstance(value, list) else fix(value)


def _plan_path(fz: Fuzzer, data, plan_id: int) -> str:
    """The plan's id, or now and then an id no plan has or one the route refuses."""
    odd = st.sampled_from(["0", "-1", "2147483648", "99999999999999999999999", "1.0", "%00", "a", str(fz.cast["plan_b"].id)])
    return data.draw(st.one_of(st.just(str(plan_id)), st.just(str(plan_id)), odd))


def _key(data, key: str) -> str:
    return data.draw(st.one_of(st.just(key), st.just(key), st.just(key), fuzz_text("path")).map(segment))


# leader: milestones and records of plan A

def _leader_milestone(fz: Fuzzer):
    return next(m for m in fz.plan_a.milestones if m.owner == "leader")


def _milestone_in(fz: Fuzzer, status: str):
    m = _leader_milestone(fz)
    if status == "todo" and m.status != "todo":
        plans.reopen_milestone(m, fz.cast["hr"])
    elif status == "done" and m.status == "todo":
        plans.complete_milestone(m, fz.cast["hr"], "arranged")
    db.session.commit()
    return m


RECORD_VALUES = {"stakeholder": {"name": "Dr Ruth", "power": 2, "interest": 4},
                 "interview": {"name": "Dr Shah", "interviewed_on": date(2026, 9, 8)},
                 "goal": {"title": "Faster log-in"}}


def _new_record(fz: Fuzzer, kind: str) -> int:
    record = records.create(kind, fz.plan_a, fz.cast["leader_a"], dict(RECORD_VALUES[kind]))
    db.session.commit()
    return record.id


def _record(fz: Fuzzer, kind: str) -> int:
    """The one record of this kind that the edit examples all change."""
    if kind not in fz.ids:
        fz.ids[kind] = _new_record(fz, kind)
    return fz.ids[kind]


DIRECTORY_FIELDS = {"role": text(120), "name": text(120), "organisation": text(120), "clinical": choice("y"),
                    "email": choice("", "caldicott@example.nhs.uk", "not an email")}


def _new_directory_entry(fz: Fuzzer) -> int:
    entry = directory.add({"role": "Caldicott Guardian", "name": "Dr Peter Lang", "clinical": True}, fz.cast["hr"])
    db.session.commit()
    return entry.id


def _new_endpoint(fz: Fuzzer) -> int:
    endpoint, _ = webhooks.register("HR system", "https://hr.example.nhs.uk/hooks", ["plan.created"], fz.cast["hr"])
    db.session.commit()
    return endpoint.id


# An address HR pastes: a good one, plain http, loopback (allowed only in testing), junk or text.
HOOK_URL = choice("https://nhs.webhook.office.com/workflows/abc?sig=1&sp=2", "http://example.nhs.uk/x",
                  "http://127.0.0.1:9/x", "https://", "javascript:alert(1)", "", "<b>https://x</b>")


def _directory_entry(fz: Fuzzer) -> int:
    """The one who's who entry that the edit and move examples all change."""
    if "directory" not in fz.ids:
        fz.ids["directory"] = _new_directory_entry(fz)
    return fz.ids["directory"]


def _record_targets() -> dict[str, Target]:
    fields = {
        "stakeholder": {"name": text(120), "role": text(120), "organisation": text(120), "power": choice(*"12345"),
                        "interest": choice(*"12345"), "stance": choice(*STANCES), **date_boxes("last_met"),
                        "notes": text(5000), "notes_private": choice("y")},
        "interview": {"name": text(120), "role": text(120), "specialty": text(120), **date_boxes("interviewed_on"),
                      "priorities": text(5000), "themes": text(1000), "follow_up": text(5000)},
        "goal": {"title": text(200), "objective": text(200), "measure": text(5000), **date_boxes("target_date"),
                 "status": choice(*GOAL_STATUSES)},
    }
    found = {}
    for name, kind_fields in fields.items():
        found[f"leader.new_{name}"] = Target(
            "leader_a", lambda fz, data, name=name: fz.url(f"leader.new_{name}", plan_id=fz.plan_a.id), kind_fields)
        found[f"leader.edit_{name}"] = Target(
            "leader_a", lambda fz, data, name=name: fz.url(f"leader.edit_{name}", plan_id=fz.plan_a.id,
                                                           record_id=_record(fz, name)), kind_fields)
        found[f"leader.remove_{name}"] = Target(
            "leader_a", lambda fz, data, name=name: fz.url(f"leader.remove_{name}", plan_id=fz.plan_a.id,
                                                           record_id=_new_record(fz, name)), examples=5)
    return found


# sponsor and account

CHECKIN_FIELDS = {**date_boxes("held_on", plans.today), "rag": choice("red", "amber", "green"), "summary": text(5000),
                  "private_note": text(5000), "actions": text(5000), **date_boxes("next_checkin_on", plans.today)}


def _checkin(fz: Fuzzer) -> int:
    if "checkin" not in fz.ids:
        held = plans.today() - timedelta(days=3)
        checkin = log_checkin(fz.plan_a, fz.cast["sponsor_a"], CheckInInput(
            held, "green", "Settling in", actions="Meet the CMO\nDraft the EPR paper"), plans.today())
        db.session.commit()
        fz.ids["checkin"] = checkin.id
    return fz.ids["checkin"]


# HR: plans

def _concern(fz: Fuzzer) -> int:
    """An open concern on plan A, for HR to follow up."""
    from onboarding.plans import concerns

    concern = concerns.raise_concern(fz.plan_a, fz.cast["leader_a"], "Fuzzed concern", True)
    db.session.commit()
    return concern.id


def _fresh_plan(fz: Fuzzer, months: int = 3, version=None) -> Plan:
    """A plan of its own for an example that ends, extends or rebases it."""
    version = version or playbooks.get_playbook("cdio-cio-26-weeks").versions[0]
    plan = plans.create_plan(leader=fz.cast["leader_b"], sponsor=fz.cast["other_sponsor"], version=version,
                             start=date(2026, 9, 7), months=months, actor=fz.cast["hr"])
    db.session.commit()
    return plan


def _pulse_url(fz: Fuzzer) -> str:
    """The open week 2 pulse check of a new plan of leader A's (each example answers its own)."""
    start = plans.planning.Calendar().on_or_before(plans.today() - timedelta(days=14))
    plan = plans.create_plan(leader=fz.cast["leader_a"], sponsor=fz.cast["sponsor_a"], start=start, months=3,
                             version=playbooks.get_playbook("compressed-13-weeks").latest, actor=fz.cast["hr"])
    db.session.commit()
    return fz.url("leader.pulse", plan_id=plan.id, pulse_key="2")


def _supporter(fz: Fuzzer) -> int:
    """A peer mentor on plan B for an example that removes one (each removes its own)."""
    from onboarding.plans import supporters

    n = fz.ids["supporter"] = fz.ids.get("supporter", 0) + 1
    peer = make_user(f"fuzz.peer{n}@example.nhs.uk", f"Fuzz Peer {n}")
    row = supporters.add(fz.cast["plan_b"], peer, "peer_mentor", fz.cast["hr"])
    db.session.commit()
    return row.id


def _newer_version_ids(fz: Fuzzer) -> list[str]:
    return [str(v.id) for v in playbooks.get_playbook("cdio-cio-26-weeks").versions[1:]] + ["0", "-1", "99999999999"]


def _plan_to_rebase(fz: Fuzzer) -> Plan:
    """A plan on the first version of a playbook that has a newer one."""
    playbook = playbooks.get_playbook("cdio-cio-26-weeks")
    if len(playbook.versions) == 1:
        content = editor.draft(playbook.latest)
        content.milestones[0]["title"] += " (revised)"
        editor.publish(content, fz.cast["hr"])
        db.session.commit()
    return _fresh_plan(fz, 6, playbook.versions[0])


def _unique_email(prefix: str) -> Good:
    return lambda _fz, tag: st.one_of(
        st.integers(0, 10**9).map(lambda n: f"{prefix}{n}@example.nhs.uk"),
        st.just(f"<i/id=fz-{tag}>@example.nhs.uk"),
        st.sampled_from(EMAILS),
    )


NEW_PLAN_FIELDS = {
    "leader": _unique_email("leader"), "new_leader": choice("y", ""), "leader_name": text(120),
    "sponsor": _unique_email("sponsor"), "new_sponsor": choice("y", ""), "sponsor_name": text(120),
    "mentor": choice(*EMAILS, ""), "new_mentor": choice("y", ""), "mentor_name": text(120),
    "playbook": choice(*SLUGS, "nope"), **date_boxes("start", plans.today), "months": choice(*"3456"),
    "working_days": many(*DAYS), "on_site_days": many(*DAYS), "step": choice("preview", "confirm", "confirm", "edit"),
    "warned": choice("", "leader,mentor,start,months"),
}


# HR: playbooks

MILESTONE_FIELDS = {
    "title": text(200), "description": text(5000), "phase": choice("orientate", "diagnose", "align", "nope"),
    "category": choice(*CATEGORIES), "owner": choice(*OWNER_ROLES), "week": choice(*map(str, range(-8, 14))),
    "pinned": choice("y"), "required": choice("y"), "evidence_prompt": text(2000),
    "not_before_week": choice("", "1", "5", "14", "0"), "not_after_week": choice("", "3", "13", "60"),
    "on_site": choice("y"), "delegable": choice("y"),
}
PHASE_FIELDS = {"key": lambda _fz, _t: st.integers(0, 10**6).map(lambda n: f"fz-{n}"), "title": text(200),
                "description": text(2000)}
DETAILS_FIELDS = {"title": text(200), "description": text(5000), "weeks": choice("13", "1", "52", "53", "x"),
                  "due_soon_working_days": choice("", "3", "0", "91"), "checkin_cadence_days": choice("", "14")}
NEW_PLAYBOOK_FIELDS = {
    "slug": lambda _fz, tag: st.one_of(st.integers(0, 10**6).map(lambda n: f"fz-new-{n}"), st.just("compressed-13-weeks"),
                                       st.just(f"<i/id=fz-{tag}>")),
    "title": text(200), "weeks": choice("13", "26", "0", "53"), "phase_title": text(200), "milestone_title": text(200),
}


def _draft(fz: Fuzzer, slug: str = "compressed-13-weeks") -> int:
    """HR's draft of the playbook, begun again after a publish or a discard."""
    draft, _ = drafts.start(playbooks.get_playbook(slug), fz.cast["hr"])
    db.session.commit()
    return draft.id


def _draft_keys(fz: Fuzzer, part: str, slug: str = "compressed-13-weeks") -> list[str]:
    return [item["key"] for item in drafts.get(_draft(fz, slug)).content[part]]
GOOD_PLAYBOOK = yaml.safe_load((ROOT / "playbooks" / "compressed-13-weeks.yaml").read_text())
ALIAS_BOMB = ("slug: bomb\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
              + "".join(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
              + "weeks: *i\n").encode()
HOSTILE_YAML = [b"!!python/object/apply:os.system ['true']\n", ALIAS_BOMB, b"[" * 100_000, b"{a: " * 30_000,
                b"- " * 50_000 + b"x", b"\xff\xfe\x00", b"#" * (201 * 1024), b"", b"slug: x\x00\n", b"? [a, b]\n: c\n",
                b"slug: !!binary aGk=\nweeks: !!timestamp 2001-12-14\n", b"weeks: 1e400\n"]


def _playbook_file(fz: Fuzzer, tag: str):
    def variant(slug, title, milestone_title, n):
        data = copy.deepcopy(GOOD_PLAYBOOK)
        data.update(slug=slug, title=title, description=f"Uploaded {n}")
        data["milestones"][0]["title"] = milestone_title
        return yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass")

    valid = st.builds(variant, st.sampled_from(["compressed-13-weeks", "fz-upload"]), text(200)(fz, f"{tag}.title"),
                      text(200)(fz, f"{tag}.milestone-title"), st.integers(0, 10**6))
    content = st.one_of(valid, valid, st.sampled_from(HOSTILE_YAML), st.binary(max_size=300),
                        fuzz_text(f"{tag}.content").map(lambda s: s.encode("utf-8", "surrogatepass")))
    names = st.sampled_from(["playbook.yaml", "../../etc/passwd", "a\r\nb.yaml", f"{markup(tag + '.filename')}.yaml",
                             "", "x" * 300 + ".yaml", "évè.yaml"])
    return st.tuples(content, names)


GOOD_WHOS_WHO = yaml.safe_load((ROOT / "playbooks" / "whos-who.yaml").read_text())


def _whos_who_file(fz: Fuzzer, tag: str):
    """The shipped who's who with a fuzzed name and why, or hostile YAML, under fuzzed file names."""
    def variant(name, why):
        data = copy.deepcopy(GOOD_WHOS_WHO)
        data["groups"][0]["entries"][0].update(name=name, why=why)
        return yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass")

    valid = st.builds(variant, text(150)(fz, f"{tag}.name"), text(600)(fz, f"{tag}.why"))
    content = st.one_of(valid, valid, st.sampled_from(HOSTILE_YAML), st.binary(max_size=300))
    names = st.sampled_from(["whos-who.yaml", "../../etc/passwd", f"{markup(tag + '.filename')}.yaml", ""])
    return st.tuples(content, names)


# HR: users, tokens, outbox

def _target_user(fz: Fuzzer) -> int:
    if "target_user" not in fz.ids:
        fz.ids["target_user"] = make_user("target@example.nhs.uk", "Target User").id
    return fz.ids["target_user"]


def _failed_nudge(fz: Fuzzer) -> int:
    plan = fz.plan_a
    milestone = plan.milestones[fz.next_number() % len(plan.milestones)]
    nudge = Nudge(recipient_id=fz.cast["leader_a"].id, kind="overdue", subject_type="milestone", subject_id=milestone.id,
                  period=str(fz.next_number()), plan_id=plan.id, milestone_id=milestone.id, recorded_on=plan.start_date,
                  status="failed", attempts=5, last_error="connection refused")
    db.session.add(nudge)
    db.session.commit()
    return nudge.id


def _new_token(fz: Fuzzer) -> int:
    token, _ = tokens.create(fz.cast["leader_a"], "to revoke")
    db.session.commit()
    return token.id


# signing in

def _invite_path(fz: Fuzzer, data) -> str:
    user = accounts.create_user(f"invited{fz.next_number()}@example.nhs.uk", "Invited Person")
    db.session.commit()
    token = accounts.invite_token(user, fz.app.config["SECRET_KEY"])
    return "/set-password/" + data.draw(st.one_of(st.just(token), st.just(token), fuzz_text("token").map(segment)))


def _reset_path(fz: Fuzzer, data) -> str:
    user = accounts.create_user(f"resetting{fz.next_number()}@example.nhs.uk", "Resetting Person", password=PASSWORD)
    db.session.commit()
    token = accounts.invite_token(user, fz.app.config["SECRET_KEY"], accounts.RESET_SALT)
    return "/reset-password/" + data.draw(st.one_of(st.just(token), st.just(token), fuzz_text("token").map(segment)))


def _two_factor_path(fz: Fuzzer, _data) -> str:
    """A person with two-factor on, half-signed-in after a right password: the code step is next."""
    import pyotp

    from onboarding.people import mfa, throttle

    user = accounts.create_user(f"two.factor{fz.next_number()}@example.nhs.uk", "Two Factor", password=PASSWORD)
    db.session.commit()
    secret = mfa.start_setup(user, fz.app.config["SECRET_KEY"])
    mfa.confirm(user, pyotp.TOTP(secret).now(), fz.app.config["SECRET_KEY"], throttle.Policy(99, 99, 999, 900))
    db.session.commit()
    fz.sign_in(None, again=True)
    fz.client.post("/login", data={"email": user.email, "password": PASSWORD})
    return "/login/two-factor"


def _identifiers_api_path(fz: Fuzzer, data) -> str:
    fz.client.get("/api/v1/playbooks", headers=fz.bearer("hr"))  # a token's first use each day is audited: not the PATCH's write
    db.session.rollback()
    return f"/api/v1/plans/{_plan_path(fz, data, fz.plan_a.id)}"


IDENTIFIER_FIELDS = {"ids-esr_number": choice("10949595", "10949595-2", "1094959", ""), "ids-external_id": text(64)}


def _forgotten_path(fz: Fuzzer, data):
    fz.sign_in(None, again=True)
    address = ".".join(str(b) for b in data.draw(st.integers(0, 2**24 - 1)).to_bytes(3, "big"))
    return ("/forgotten-password", {"environ_base": {"REMOTE_ADDR": f"10.{address}"}})


def _login_path(fz: Fuzzer, data):
    fz.sign_in(None, again=True)
    nxt = data.draw(st.sampled_from(["", "/hr/users", "//evil.example/", "https://evil.example/", "/\\evil.example",
                                     "/%0d%0aSet-Cookie:x=1", "javascript:alert(1)"]))
    address = ".".join(str(b) for b in data.draw(st.integers(0, 2**24 - 1)).to_bytes(3, "big"))
    return ("/login" + ("?" + query({"next": nxt}) if nxt else ""), {"environ_base": {"REMOTE_ADDR": f"10.{address}"}})


def _logout_path(fz: Fuzzer, _data) -> str:
    fz.sign_in("leader_a", again=True)
    fz.person = None  # the post signs out
    return "/logout"


# API

API_PLAN_FIELDS = {
    "leader": choice(*EMAILS), "sponsor": choice(*EMAILS), "mentor": choice(*EMAILS, None), "playbook": choice(*SLUGS),
    "start": iso_date(-30, 400), "months": choice(3, 4, 5, 6),
    "working_days": lambda _fz, _t: st.one_of(many(*DAYS)(_fz, _t), st.just("mon,tue,wed")),
    "on_site_days": lambda _fz, _t: st.one_of(many(*DAYS)(_fz, _t), st.just("tue,thu"), st.just(None)),
}
EVIDENCE_FIELDS = {"evidence_note": text(5000), "evidence_link": web_link()}


def _api_milestone(fz: Fuzzer, data, status: str, action: str) -> str:
    m = _milestone_in(fz, status)
    return f"/api/v1/plans/{_plan_path(fz, data, m.plan_id)}/milestones/{_key(data, m.key)}/{action}"


# Tailoring one plan: the last sponsor-owned milestone of plan A, put in the state the action needs.
def _tailorable(fz: Fuzzer, status: str):
    from onboarding.plans import tailoring

    m = [m for m in fz.plan_a.milestones if m.owner == "sponsor"][-1]
    if status == "todo" and m.status == "not_applicable":
        tailoring.mark_applicable(m, fz.cast["hr"])
    elif status == "not_applicable" and m.status == "todo":
        tailoring.mark_not_applicable(m, fz.cast["hr"], "fuzz")
    db.session.commit()
    return m


TAILOR_PHASES = ("orientate-and-listen", "diagnose-and-align", "nope")
TAILOR_OWNERS = ("leader", "sponsor", "mentor", "hr", "buddy", "")
ADD_MILESTONE_FIELDS = {"title": text(200), "description": text(5000), "owner": choice(*TAILOR_OWNERS),
                        **date_boxes("due"), "phase": choice(*TAILOR_PHASES), "reason": text(500)}
API_ADD_MILESTONE_FIELDS = {"title": text(200), "description": text(5000), "owner": choice(*TAILOR_OWNERS),
                            "due": iso_date(-10, 200), "phase": choice(*TAILOR_PHASES), "reason": text(500)}


def _api_tailor(fz: Fuzzer, data, status: str, action: str) -> str:
    m = _tailorable(fz, status)
    return f"/api/v1/plans/{_plan_path(fz, data, m.plan_id)}/milestones/{_key(data, m.key)}" + (f"/{action}" if action else "")


# HR's audit trail filters (issue 17): known and unknown people, actions and objects, and two dates.
AUDIT_FILTERS = {
    "actor": choice("", *EMAILS), "action": choice("", "user.login", "plan.create", "nope"),
    "object_type": choice("", "plan", "user", "nope"), "object_id": choice("", "1", "0", "99999999999999999999", "x"),
    **date_boxes("start"), **date_boxes("end")}

TARGETS: dict[str, Target] = {
    # leader
    "leader.complete_milestone": Target("leader_a", lambda fz, data: fz.url(
        "leader.complete_milestone", plan_id=fz.plan_a.id, milestone_id=_milestone_in(fz, "todo").id), EVIDENCE_FIELDS),
    "leader.reopen_milestone": Target("leader_a", lambda fz, data: fz.url(
        "leader.reopen_milestone", plan_id=fz.plan_a.id, milestone_id=_milestone_in(fz, "done").id), examples=5),
    **_record_targets(),
    "leader.add_milestone": Target("leader_a", lambda fz, data: fz.url("leader.add_milestone", plan_id=fz.plan_a.id),
                                   ADD_MILESTONE_FIELDS, examples=15),
    "leader.milestone_not_applicable": Target("hr", lambda fz, data: fz.url(
        "leader.milestone_not_applicable", plan_id=fz.plan_a.id, milestone_id=_tailorable(fz, "todo").id),
        {"na-reason": text(500)}, examples=8),
    "leader.milestone_applicable": Target("hr", lambda fz, data: fz.url(
        "leader.milestone_applicable", plan_id=fz.plan_a.id, milestone_id=_tailorable(fz, "not_applicable").id),
        {"applicable-reason": text(500)}, examples=5),
    "leader.change_milestone": Target("hr", lambda fz, data: fz.url(
        "leader.change_milestone", plan_id=fz.plan_a.id, milestone_id=_tailorable(fz, "todo").id),
        {**date_boxes("change-due"), "change-owner": choice(*TAILOR_OWNERS), "change-reason": text(500)}, examples=12),
    "leader.dismiss_welcome": Target("leader_a", lambda fz, data: fz.url("leader.dismiss_welcome"), examples=3),
    "leader.new_concern": Target("leader_a", lambda fz, data: fz.url("leader.new_concern", plan_id=fz.plan_a.id),
                                 {"text": text(5000), "share_with_mentor": choice("y", "")}, examples=10),
    "leader.follow_up_concern": Target("hr", lambda fz, data: fz.url(
        "leader.follow_up_concern", plan_id=fz.plan_a.id, concern_id=_concern(fz)), {"note": text(5000)}, examples=8),
    "leader.pulse": Target("leader_a", lambda fz, data: _pulse_url(fz), {
        **{column: choice("1", "3", "5", "0", "6", "") for column in ("expectations", "sponsor_support", "reach",
                                                                      "belonging", "confidence")},
        "comment": text(2000), "share": choice("y", "")}, examples=12),
    "leader.nominate_peer_mentor": Target("leader_a", lambda fz, data: fz.url("leader.nominate_peer_mentor", plan_id=fz.plan_a.id),
                                          {"name": text(120), "email": choice(*EMAILS, "new.peer@example.nhs.uk", "")},
                                          examples=10),
    # sponsor
    "sponsor.new_checkin": Target("sponsor_a", lambda fz, data: fz.url("sponsor.new_checkin", plan_id=fz.plan_a.id),
                                  CHECKIN_FIELDS | {"request_key": choice("", "k1", "k2")}, examples=15),
    "sponsor.edit_checkin": Target("sponsor_a", lambda fz, data: fz.url(
        "sponsor.edit_checkin", plan_id=fz.plan_a.id, checkin_id=_checkin(fz)), CHECKIN_FIELDS, examples=15),
    "sponsor.prepare_checkin": Target("leader_a", lambda fz, data: fz.url("sponsor.prepare_checkin", plan_id=fz.plan_a.id),
                                      {"leader_agenda": text(5000), "leader_reflection": text(5000)}, examples=8),
    "sponsor.respond_checkin": Target("leader_a", lambda fz, data: fz.url(
        "sponsor.respond_checkin", plan_id=fz.plan_a.id, checkin_id=_checkin(fz)),
        {"respond-acknowledge": choice("y", ""), "respond-leader_response": text(5000)}, examples=8),
    "sponsor.checkin_actions": Target("sponsor_a", lambda fz, data: fz.url(
        "sponsor.checkin_actions", plan_id=fz.plan_a.id, checkin_id=_checkin(fz)),
        {"actions-done": many("Meet the CMO", "Draft the EPR paper", "Not an action")}, examples=8),
    # anyone: their own settings
    "account.settings": Target("leader_a", lambda fz, data: fz.url("account.settings"),
                               {"nudge_mode": choice("all", "digest", "mute")}, examples=8),
    "calendar.account": Target("leader_a", lambda fz, data: fz.url("calendar.account"), examples=5),
    "account.equality_answers": Target("leader_a", lambda fz, data: fz.url("account.equality_answers"), {
        dim: choice("", "nope", *(v for v, _ in items)) for dim, (_q, items) in equality.DIMENSIONS.items()}, examples=12),
    "account.delete_equality_answers": Target("leader_a", lambda fz, data: fz.url("account.delete_equality_answers"),
                                              examples=3),
    # HR: plans
    "hr.new_plan": Target("hr", lambda fz, data: fz.url("hr.new_plan"), NEW_PLAN_FIELDS, examples=20),
    "hr.reassign": Target("hr", lambda fz, data: fz.url("hr.reassign", plan_id=fz.cast["plan_b"].id),
                          {"reassign-sponsor": choice(*EMAILS, ""), "reassign-mentor": choice(*EMAILS, "")}),
    "hr.add_supporter": Target("hr", lambda fz, data: fz.url("hr.add_supporter", plan_id=fz.cast["plan_b"].id),
                               {"supporter-person": choice(*EMAILS, ""),
                                "supporter-role": choice("buddy", "assistant", "peer_mentor", "mentor", "")}, examples=10),
    "hr.remove_supporter": Target("hr", lambda fz, data: fz.url("hr.remove_supporter", plan_id=fz.cast["plan_b"].id,
                                                                 supporter_id=_supporter(fz)), examples=4),
    "hr.pause": Target("hr", lambda fz, data: fz.url("hr.pause", plan_id=fz.cast["plan_b"].id),
                       {"pause-reason": text(500), **date_boxes("pause-expected_return_on", plans.today)}, examples=8),
    "hr.resume": Target("hr", lambda fz, data: fz.url("hr.resume", plan_id=fz.cast["plan_b"].id),
                        date_boxes("resume-on", plans.today), examples=8),
    "hr.extend": Target("hr", lambda fz, data: fz.url("hr.extend", plan_id=_fresh_plan(fz).id),
                        {"extend-months": choice(*"3456"), "extend-confirmed": choice("yes", "")}, examples=8),
    "hr.close": Target("hr", lambda fz, data: fz.url("hr.close", plan_id=_fresh_plan(fz).id),
                       {"close-outcome": choice("completed", "withdrawn", "active"), "close-confirm": choice("y")}, examples=8),
    "hr.rebase_plan": Target("hr", lambda fz, data: fz.url("hr.rebase_plan", plan_id=_plan_to_rebase(fz).id),
                             {"rebase-version": dynamic(_newer_version_ids), "rebase-confirmed": choice("yes", "")},
                             examples=8),
    # HR: playbooks
    "hr.playbook_draft_start": Target("hr", lambda fz, data: fz.url("hr.playbook_draft_start", slug=pick(data, SLUGS)),
                                      examples=4),
    "hr.playbook_new": Target("hr", lambda fz, data: fz.url("hr.playbook_new"), NEW_PLAYBOOK_FIELDS, examples=10),
    "hr.playbook_copy": Target("hr", lambda fz, data: fz.url("hr.playbook_copy", slug="compressed-13-weeks"),
                               {"slug": NEW_PLAYBOOK_FIELDS["slug"], "title": text(200)}, examples=8),
    "hr.draft_details": Target("hr", lambda fz, data: fz.url("hr.draft_details", draft_id=_draft(fz)), DETAILS_FIELDS),
    "hr.draft_milestone_add": Target("hr", lambda fz, data: fz.url("hr.draft_milestone_add", draft_id=_draft(fz)),
                                     {"key": lambda _fz, _t: st.integers(0, 10**6).map(lambda n: f"fz-{n}"),
                                      **MILESTONE_FIELDS}, examples=15),
    "hr.draft_milestone_edit": Target("hr", lambda fz, data: f"/hr/drafts/{_draft(fz)}/milestones/"
                                      + _key(data, pick(data, _draft_keys(fz, "milestones"))), MILESTONE_FIELDS, examples=15),
    "hr.draft_milestone_action": Target("hr", lambda fz, data: f"/hr/drafts/{_draft(fz, 'director-data-analytics-16-weeks')}"
                                        f"/milestones/{pick(data, _draft_keys(fz, 'milestones', 'director-data-analytics-16-weeks'))}"
                                        f"/{data.draw(st.sampled_from(['up', 'down', 'remove']))}", examples=8),
    "hr.draft_phase_add": Target("hr", lambda fz, data: fz.url("hr.draft_phase_add", draft_id=_draft(fz)), PHASE_FIELDS),
    "hr.draft_phase_edit": Target("hr", lambda fz, data: f"/hr/drafts/{_draft(fz)}/phases/"
                                  + _key(data, pick(data, _draft_keys(fz, "phases"))), PHASE_FIELDS),
    "hr.draft_phase_action": Target("hr", lambda fz, data: f"/hr/drafts/{_draft(fz)}/phases/{pick(data, _draft_keys(fz, 'phases'))}"
                                    f"/{data.draw(st.sampled_from(['up', 'down', 'remove']))}", examples=8),
    "hr.draft_publish": Target("hr", lambda fz, data: fz.url("hr.draft_publish", draft_id=_draft(fz)), examples=6),
    "hr.draft_discard": Target("hr", lambda fz, data: fz.url("hr.draft_discard", draft_id=_draft(fz)),
                               {"confirm": choice("y", "")}, examples=6),
    "hr.playbook_upload": Target("hr", lambda fz, data: fz.url("hr.playbook_upload"),
                                 {"file": _playbook_file, "into": choice("publish", "draft", "nope")},
                                 body="multipart", examples=15),
    # The who's who in NHS digital and the glossary's search (issue 14)
    "hr.whos_who_upload": Target("hr", lambda fz, data: fz.url("hr.whos_who_upload"), {"file": _whos_who_file},
                                 body="multipart", examples=10),
    "reference.glossary": Target("leader_a", lambda fz, data: "/glossary", {"q": text(200)}, body="query", method="GET",
                                 examples=6),
    # HR: users, tokens, outbox
    "hr.invite_user": Target("hr", lambda fz, data: fz.url("hr.invite_user"),
                             {"name": text(120), "email": _unique_email("person"), "hr": choice("y")}),
    "hr.user_action": Target("hr", lambda fz, data: fz.url(
        "hr.user_action", user_id=pick(data, [_target_user(fz), fz.cast["hr"].id]),
        action=data.draw(st.sampled_from(["deactivate", "reactivate", "grant-hr", "remove-hr", "invite-link"]))),
        examples=8),
    "outbox.resend": Target("hr", lambda fz, data: fz.url("outbox.resend", nudge_id=_failed_nudge(fz)), examples=5),
    "tokens_admin.issue": Target("hr", lambda fz, data: fz.url("tokens_admin.issue"),
                                 {"email": choice(*EMAILS, "target@example.nhs.uk"), "name": text(80)}),
    "tokens_admin.revoke": Target("hr", lambda fz, data: fz.url("tokens_admin.revoke", token_id=_new_token(fz)), examples=5),
    # HR: the who's who
    "hr.directory_add": Target("hr", lambda fz, data: fz.url("hr.directory_add"), DIRECTORY_FIELDS),
    "hr.directory_edit": Target("hr", lambda fz, data: fz.url("hr.directory_edit", entry_id=_directory_entry(fz)),
                                DIRECTORY_FIELDS),
    "hr.directory_remove": Target("hr", lambda fz, data: fz.url("hr.directory_remove", entry_id=_new_directory_entry(fz)),
                                  examples=5),
    "hr.directory_move": Target("hr", lambda fz, data: fz.url("hr.directory_move", entry_id=_directory_entry(fz),
                                                              action=data.draw(st.sampled_from(["up", "down"]))), examples=5),
    "hr.directory_suggested": Target("hr", lambda fz, data: fz.url("hr.directory_suggested"), examples=3),
    # Teams and webhooks (issue 15): HR's channels and endpoints, and each person's choice
    "hr.integrations": Target("hr", lambda fz, data: fz.url("hr.integrations"), {"url": HOOK_URL}, examples=10),
    "hr.plan_teams": Target("hr", lambda fz, data: fz.url("hr.plan_teams", plan_id=fz.plan_a.id), {"url": HOOK_URL},
                            examples=8),
    "hr.webhook_new": Target("hr", lambda fz, data: fz.url("hr.webhook_new"), {
        "name": text(80), "url": HOOK_URL, "events": many("plan.created", "plan.started", "plan.completed", "nope")},
        examples=12),
    "hr.webhook_delete": Target("hr", lambda fz, data: fz.url("hr.webhook_delete", endpoint_id=_new_endpoint(fz)),
                                examples=4),
    # Two-factor and employee identifiers (issue 15): each their own set-up; HR's identifiers, reset and setting
    "two_factor.setup": Target("leader_a", lambda fz, data: fz.url("two_factor.setup"),
                               {"code": choice("123456", "000000", "12 34 56", "")},
                               writes_on_4xx=("two_factor", "login_throttle", "audit_event"), examples=8),
    "two_factor.switch_off": Target("leader_a", lambda fz, data: fz.url("two_factor.switch_off"),
                                    {"password": choice(PASSWORD, "wrong")}, writes_on_4xx=("login_throttle",), examples=4),
    "two_factor.code": Target(None, _two_factor_path, {"code": choice("123456", "abcd-efgh-jkmn-pqrs", "", "1234567")},
                              writes_on_4xx=("login_throttle", "audit_event"), examples=8),
    "hr.user_identifiers": Target("hr", lambda fz, data: fz.url("hr.user_identifiers", user_id=fz.cast["leader_b"].id),
                                  IDENTIFIER_FIELDS),
    "hr.plan_identifiers": Target("hr", lambda fz, data: fz.url("hr.plan_identifiers", plan_id=fz.cast["plan_b"].id),
                                  IDENTIFIER_FIELDS),
    "hr.reset_two_factor": Target("hr", lambda fz, data: fz.url("hr.reset_two_factor", user_id=fz.cast["leader_b"].id),
                                  examples=3),
    "hr.unlink_sso": Target("hr", lambda fz, data: fz.url("hr.unlink_sso", user_id=fz.cast["leader_b"].id), examples=3),
    "hr.two_factor_policy": Target("hr", lambda fz, data: fz.url("hr.two_factor_policy"), {"required": choice("y", "")},
                                   examples=4),
    "api.update_plan": Target("hr", _identifiers_api_path, {
        "esr_number": choice("10949595", "10949595-2", "1234", "", None), "external_id": text(64)},
        body="json", method="PATCH", examples=12),
    "account.nudge_channel": Target("sponsor_a", lambda fz, data: fz.url("account.nudge_channel"),
                                    {"nudge_channel": choice("email", "teams", "both", "pigeon", "")}, examples=8),
    # signing in and out (signed out: the login page, and an invite's set-password page)
    "auth.logout": Target("leader_a", _logout_path, examples=4),
    "auth.set_password": Target(None, _invite_path, {"password": choice(PASSWORD, "short", PASSWORD + "!"),
                                                     "confirm": choice(PASSWORD, "short")}),
    "auth.reset_password": Target(None, _reset_path, {"password": choice(PASSWORD, "short", PASSWORD + "!"),
                                                     "confirm": choice(PASSWORD, "short")}),
    "auth.forgotten_password": Target(None, _forgotten_path, {"email": choice(*EMAILS, "nobody@example.nhs.uk")},
                                      writes_on_4xx=("login_throttle",)),
    # Wrong current passwords count against sign-in's limits, as the same guesses would.
    "account.password": Target("mentor_a", lambda fz, data: fz.url("account.password"), {
        "current_password": choice(PASSWORD, "wrong"), "password": choice(PASSWORD + "!", "short"),
        "confirm": choice(PASSWORD + "!", "short")}, writes_on_4xx=("login_throttle", "audit_event")),
    "auth.login": Target(None, _login_path, {"email": choice(*EMAILS), "password": choice(PASSWORD, "wrong")},
                         examples=15, writes_on_4xx=("login_throttle", "audit_event")),
    # HR's cohort filter is a GET form
    "hr.cohort": Target("hr", lambda fz, data: fz.url("hr.cohort"), {
        "status": choice("", *PLAN_STATUSES), "playbook": choice("", *SLUGS), "overdue": choice("y"),
        "page": choice("1", "2", "99999999999999999999", "-5")}, body="query", method="GET"),
    "hr.cohort_csv": Target("hr", lambda fz, data: fz.url("hr.cohort_csv"), {
        "status": choice("", *PLAN_STATUSES), "playbook": choice("", *SLUGS), "overdue": choice("y")},
        body="query", method="GET", examples=6),
    # HR's equity report: a GET form of two dates and a grouping
    "hr.equity": Target("hr", lambda fz, data: fz.url("hr.equity"), {
        **date_boxes("start"), **date_boxes("end"), "by": choice("", "ethnic_group", "sex", "sector", "nope")},
        body="query", method="GET", examples=8),
    "hr.equity_csv": Target("hr", lambda fz, data: fz.url("hr.equity_csv"), {**date_boxes("start"), **date_boxes("end")},
                            body="query", method="GET", examples=4),
    # HR's audit trail: a GET form of a person, an action, an object and a date range (issue 17)
    "hr.audit": Target("hr", lambda fz, data: fz.url("hr.audit"), AUDIT_FILTERS | {
        "page": choice("1", "2", "99999999999999999999", "-5")}, body="query", method="GET", examples=10),
    "hr.audit_csv": Target("hr", lambda fz, data: fz.url("hr.audit_csv"), AUDIT_FILTERS, body="query", method="GET",
                           examples=4),
    "hr.subject_access_search": Target("hr", lambda fz, data: fz.url("hr.subject_access_search"),
                                       {"email": choice(*EMAILS)}, body="query", method="GET", examples=4),
    # API: writes
    "api.create_plan": Target("hr", lambda fz, data: "/api/v1/plans", API_PLAN_FIELDS, body="json", examples=25),
    "api.complete_milestone": Target("leader_a", lambda fz, data: _api_milestone(fz, data, "todo", "complete"),
                                     EVIDENCE_FIELDS, body="json", examples=20),
    "api.reopen_milestone": Target("leader_a", lambda fz, data: _api_milestone(fz, data, "done", "reopen"),
                                   body="json", examples=8),
    "api.add_milestone": Target("hr", lambda fz, data: f"/api/v1/plans/{_plan_path(fz, data, fz.plan_a.id)}/milestones",
                                API_ADD_MILESTONE_FIELDS, body="json", examples=15),
    "api.mark_not_applicable": Target("hr", lambda fz, data: _api_tailor(fz, data, "todo", "not-applicable"),
                                      {"reason": text(500)}, body="json", examples=8),
    "api.mark_applicable": Target("hr", lambda fz, data: _api_tailor(fz, data, "not_applicable", "applicable"),
                                  {"reason": text(500)}, body="json", examples=5),
    "api.change_milestone": Target("hr", lambda fz, data: _api_tailor(fz, data, "todo", ""),
                                   {"due": iso_date(-10, 200), "owner": choice(*TAILOR_OWNERS), "reason": text(500)},
                                   body="json", method="PATCH", examples=12),
    "api.get_milestone": Target("leader_a", lambda fz, data: _api_tailor(fz, data, "todo", ""),
                                body="query", method="GET", examples=5),
    "api.create_checkin": Target("sponsor_a", lambda fz, data: f"/api/v1/plans/{_plan_path(fz, data, fz.plan_a.id)}/checkins",
                                 CHECKIN_FIELDS, body="json", examples=25),
    # API: reads
    "api.list_plans": Target("hr", lambda fz, data: "/api/v1/plans", {
        "page": choice("1", "2", "100000", "100001", "0"), "per_page": choice("1", "20", "100", "101"),
        "status": choice(*PLAN_STATUSES)}, body="query", method="GET", examples=10),
    "api.get_plan": Target("leader_a", lambda fz, data: f"/api/v1/plans/{_plan_path(fz, data, fz.plan_a.id)}",
                           body="query", method="GET", examples=6),
    "api.list_checkins": Target("leader_a", lambda fz, data: f"/api/v1/plans/{_plan_path(fz, data, fz.plan_a.id)}/checkins",
                                body="query", method="GET", examples=6),
    "api.list_playbooks": Target("hr", lambda fz, data: "/api/v1/playbooks", body="query", method="GET", examples=3),
    "api.get_playbook": Target("hr", lambda fz, data: "/api/v1/playbooks/" + _key(data, "compressed-13-weeks"),
                               body="query", method="GET", examples=8),
    "api.export_playbook": Target("hr", lambda fz, data: f"/api/v1/playbooks/{_key(data, 'compressed-13-weeks')}/export",
                                  body="query", method="GET", examples=8),
    "api.unknown": Target("hr", lambda fz, data: "/api/v1/" + data.draw(fuzz_text("path").map(segment)),
                          body="json", examples=8),
    "api.openapi": Target(None, lambda fz, data: "/api/v1/openapi.json", body="query", method="GET", examples=3),
    "api.docs": Target("leader_a", lambda fz, data: "/api/v1/docs", body="query", method="GET", examples=3),
    # pages whose address carries a token or a slug
    "calendar.feed": Target(None, lambda fz, data: f"/calendar/{data.draw(fuzz_text('token').map(segment))}.ics",
                            body="query", method="GET", examples=6),
    "hr.playbook": Target("hr", lambda fz, data: "/hr/playbooks/" + _key(data, "compressed-13-weeks"),
                          body="query", method="GET", examples=6),
    "hr.playbook_yaml": Target("hr", lambda fz, data: f"/hr/playbooks/{_key(data, 'compressed-13-weeks')}/v1.yaml",
                               body="query", method="GET", examples=6),
}
READS = ["calendar.feed", "hr.playbook", "hr.playbook_yaml", "api.list_plans", "api.get_plan", "api.list_checkins",
         "api.list_playbooks", "api.get_playbook", "api.export_playbook", "api.unknown", "api.openapi", "api.docs",
         "api.get_milestone"]


# --- what the pages show afterwards ------------------------------------------------------------


def _ids(model, **where) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).filter_by(**where).order_by(model.id)))


def leader_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    plan_id, u = fz.plan_a.id, fz.url
    pages = [("leader_a", u(e, plan_id=plan_id)) for e in ("leader.plan", "leader.stakeholders", "leader.interviews",
                                                              "leader.goals", "exports.plan_print", "exports.plan_csv")]
    pages += [("leader_a", u("leader.my_plan")),
              ("leader_a", u("leader.milestone", plan_id=plan_id, milestone_id=_leader_milestone(fz).id))]
    for kind, model in (("stakeholder", Stakeholder), ("interview", ClinicianInterview), ("goal", Goal)):
        pages += [("leader_a", u(f"leader.edit_{kind}", plan_id=plan_id, record_id=i)) for i in _ids(model, plan_id=plan_id)]
    from onboarding.models.voice import Pulse  # the leader's pulse comments, as they and HR read them

    pulsed = sorted({p for p in db.session.scalars(sa.select(Pulse.plan_id))})[-3:]
    pages += [(who, u(e, plan_id=i)) for i in pulsed for who, e in (("leader_a", "leader.pulses"), ("hr", "hr.plan_admin"))]
    from onboarding.models import Concern  # what leaders wrote in confidence, as HR reads it

    pages += [("hr", u("leader.concern", plan_id=plan_id, concern_id=i)) for i in _ids(Concern, plan_id=plan_id)[-5:]]
    pages += [("leader_a", u("leader.new_concern", plan_id=plan_id))]
    return pages + [("sponsor_a", u("leader.plan", plan_id=plan_id)), ("mentor_a", u("mentor.plans")),
                    ("hr", u("hr.plan_admin", plan_id=plan_id)), ("hr", u("hr.cohort"))]


def sponsor_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    plan_id, u = fz.plan_a.id, fz.url
    pages = [("sponsor_a", u("sponsor.dashboard")), ("sponsor_a", u("sponsor.checkins", plan_id=plan_id))]
    pages += [("sponsor_a", u("sponsor.edit_checkin", plan_id=plan_id, checkin_id=i)) for i in _ids(CheckIn, plan_id=plan_id)]
    return pages + [("leader_a", u("leader.my_plan")), ("leader_a", u("sponsor.checkins", plan_id=plan_id)),
                    ("leader_a", u("account.settings")), ("leader_a", u("calendar.account")),
                    ("leader_a", u("account.equality_answers")), ("hr", u("hr.attention")),
                    ("hr", u("sponsor.checkins", plan_id=plan_id)), ("hr", u("hr.cohort"))]


def hr_plan_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    u = fz.url
    newest = _ids(Plan)[-12:]
    return ([("hr", u("hr.cohort")), ("hr", u("hr.users"))]
            + [("hr", u("hr.plan_admin", plan_id=i)) for i in newest] + [("hr", u("leader.plan", plan_id=i)) for i in newest])


def playbook_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    u = fz.url
    pages = [("hr", u("hr.playbooks"))]
    for playbook in db.session.scalars(sa.select(Playbook).order_by(Playbook.id)):
        latest = playbook.latest
        pages += [("hr", u("hr.playbook_version", slug=playbook.slug, number=v.number)) for v in playbook.versions[-3:]]
        # A plan made from the latest version shows its milestones' titles to everyone on it.
        plan = plans.create_plan(leader=fz.cast["leader_a"], sponsor=fz.cast["sponsor_a"], version=latest,
                                 start=date(2026, 9, 7), months=6, actor=fz.cast["hr"])
        db.session.commit()
        pages += [("hr", u("leader.plan", plan_id=plan.id)), ("hr", u("exports.plan_print", plan_id=plan.id))]
    for draft in drafts.listing():  # the draft editor shows every title and key typed into it
        pages += [("hr", u("hr.draft", draft_id=draft.id)), ("hr", u("hr.draft_changes", draft_id=draft.id))]
        pages += [("hr", u("hr.draft_milestone_edit", draft_id=draft.id, key=m["key"])) for m in draft.content["milestones"][:3]]
    return pages


def directory_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    """The who's who, and a map and interview list that start from it."""
    directory.copy_to_map(fz.plan_a)
    db.session.commit()
    return [("hr", fz.url("hr.directory"))] + [("leader_a", fz.url(e, plan_id=fz.plan_a.id))
                                                for e in ("leader.stakeholders", "leader.interviews")]


def hook_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    """Teams and webhooks: every endpoint's log shows its name and address; the account page the choice."""
    teams.set_default("https://nhs.webhook.office.com/workflows/fuzz", fz.cast["hr"])
    db.session.commit()
    logs = [("hr", fz.url("hr.webhook_log", endpoint_id=e.id)) for e, *_ in webhooks.endpoints()[-5:]]
    return [("hr", fz.url("hr.integrations")), ("hr", fz.url("hr.plan_teams", plan_id=fz.plan_a.id)),
            ("sponsor_a", fz.url("account.settings"))] + logs


def two_factor_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    """Where the identifiers show, with two-factor no longer required (the last target may have set it)."""
    from onboarding.people import mfa

    mfa.set_required(False, fz.cast["hr"])
    db.session.commit()
    return [("hr", fz.url("hr.users")), ("hr", fz.url("hr.user_details", user_id=fz.cast["leader_b"].id)),
            ("hr", fz.url("hr.plan_admin", plan_id=fz.cast["plan_b"].id)), ("hr", fz.url("hr.cohort")),
            ("leader_a", fz.url("two_factor.setup"))]


def reference_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    """The who's who as uploaded, to HR and a leader."""
    return [("hr", fz.url("reference.whos_who")), ("leader_a", fz.url("reference.whos_who"))]


def audit_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    """The trail, with the readings this group made, and who can see what."""
    return [("hr", fz.url("hr.audit")), ("hr", fz.url("hr.access_review_page"))]


def people_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    return [("hr", fz.url("hr.users")), ("hr", fz.url("tokens_admin.index")), ("hr", fz.url("outbox.index"))]


def api_pages(fz: Fuzzer) -> list[tuple[str, str]]:
    return sponsor_pages(fz) + leader_pages(fz)[:8] + hr_plan_pages(fz)


def no_pages(_fz: Fuzzer) -> list[tuple[str, str]]:
    return []


GROUPS: dict[str, tuple[list[str], Callable[[Fuzzer], list[tuple[str, str]]]]] = {
    "leader": ([e for e in TARGETS if e.startswith("leader.")], leader_pages),
    "sponsor and account": (["sponsor.new_checkin", "sponsor.edit_checkin", "sponsor.prepare_checkin",
                             "sponsor.respond_checkin", "sponsor.checkin_actions", "account.settings", "calendar.account",
                             "account.equality_answers", "account.delete_equality_answers"],
                            sponsor_pages),
    "hr plans": (["hr.new_plan", "hr.reassign", "hr.add_supporter", "hr.remove_supporter", "hr.pause", "hr.resume", "hr.extend", "hr.close", "hr.rebase_plan",
                  "hr.cohort", "hr.cohort_csv", "hr.equity", "hr.equity_csv"], hr_plan_pages),
    "hr playbooks": (["hr.playbook_draft_start", "hr.playbook_new", "hr.playbook_copy", "hr.draft_details",
                      "hr.draft_milestone_add", "hr.draft_milestone_edit", "hr.draft_milestone_action", "hr.draft_phase_add",
                      "hr.draft_phase_edit", "hr.draft_phase_action", "hr.draft_publish", "hr.draft_discard",
                      "hr.playbook_upload"], playbook_pages),
    "reference": (["hr.whos_who_upload", "reference.glossary"], reference_pages),
    "hr people": (["hr.invite_user", "hr.user_action", "outbox.resend", "tokens_admin.issue", "tokens_admin.revoke"],
                  people_pages),
    "hr hooks": (["hr.integrations", "hr.plan_teams", "hr.webhook_new", "hr.webhook_delete", "account.nudge_channel"],
                 hook_pages),
    # The requirement comes last: it sends the others to set up two-factor.
    "two factor and identifiers": (["two_factor.setup", "two_factor.switch_off", "two_factor.code", "hr.user_identifiers",
                                    "hr.plan_identifiers", "hr.reset_two_factor", "hr.unlink_sso", "api.update_plan",
                                    "hr.two_factor_policy"], two_factor_pages),
    "hr directory": (["hr.directory_add", "hr.directory_edit", "hr.directory_remove", "hr.directory_move",
                      "hr.directory_suggested"], directory_pages),
    "hr audit": (["hr.audit", "hr.audit_csv", "hr.subject_access_search"], audit_pages),
    # The login comes last: its wrong passwords may lock the accounts the other targets sign in with.
    "signing in": (["auth.logout", "auth.set_password", "auth.reset_password", "auth.forgotten_password",
                    "account.password", "auth.login"], no_pages),
    "api writes": (["api.create_plan", "api.complete_milestone", "api.reopen_milestone", "api.create_checkin",
                    "api.add_milestone", "api.mark_not_applicable", "api.mark_applicable", "api.change_milestone"],
                   api_pages),
    "reads": (READS, no_pages),
}


def test_every_form_and_api_endpoint_is_fuzzed_as_a_role_allowed_to_use_it(app):
    rules = list(app.url_map.iter_rules())
    wanted = {r.endpoint for r in rules if "POST" in r.methods or r.endpoint.startswith("api.")}
    assert not wanted - set(TARGETS), f"add these endpoints to TARGETS: {sorted(wanted - set(TARGETS))}"
    assert not set(TARGETS) - {r.endpoint for r in rules}, "TARGETS names endpoints that no longer exist"
    grouped = [e for endpoints, _ in GROUPS.values() for e in endpoints]
    assert sorted(grouped) == sorted(TARGETS), "every target belongs to exactly one group"
    for endpoint, target in TARGETS.items():
        spec = ACCESS.get(endpoint)
        if spec is not None:
            assert target.person in spec[1], f"{endpoint} is fuzzed as {target.person}, who may not use it"


@pytest.mark.parametrize("group", GROUPS)
def test_fuzzed_input_never_breaks_the_server_leaks_markup_or_half_writes(app, cast, client, login, group):
    fz = Fuzzer(app, client, login, cast)
    endpoints, pages = GROUPS[group]
    for endpoint in endpoints:
        fuzz(fz, endpoint, TARGETS[endpoint])
    fz.sweep(pages(fz))
    assert not fz.findings.items, fz.findings.report()


# Real commits: it plants routes, which an app that has served requests no longer accepts.
@pytest.mark.real_commits
def test_the_fuzzer_reports_server_errors_unescaped_markup_and_half_writes(app, ctx, client):
    """Bugs planted on purpose: a fuzzer that stopped noticing them would pass everything."""
    from flask import request
    from markupsafe import Markup

    from onboarding.models import LoginThrottle

    def crash():
        if any("\x00" in v for v in request.form.values()):
            raise ValueError("planted: NUL")
        return ""

    def echo():
        return Markup(f"<p>{request.form.get('name', '')}</p>")  # unescaped on purpose

    def half():
        db.session.add(LoginThrottle(key=f"planted {LoginThrottle.query.count()}"))
        db.session.commit()
        return "refused after writing", 400

    planted = {}
    for view in (crash, echo, half):
        app.add_url_rule(f"/planted/{view.__name__}", f"planted.{view.__name__}", view, methods=["POST"])
        planted[f"planted.{view.__name__}"] = Target(None, lambda fz, data, v=view.__name__: f"/planted/{v}",
                                                     {"name": text(120)}, examples=20)
    fz = Fuzzer(app, client, None, {})
    for endpoint, target in planted.items():
        fuzz(fz, endpoint, target)
    found = {key[:2] for key in fz.findings.items}
    assert ("server error", "planted.crash") in found
    assert any(key[0] == "unescaped" and key[1].startswith("planted.echo.") for key in fz.findings.items)
    assert ("half-written", "planted.half") in found
