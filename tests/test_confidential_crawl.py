"""What a leader says in confidence stays where it was meant to go: every page of the access table
(exports included), the API and the calendar feed, as every person, read once before and once
after the leader describes themselves (distinctive equality answers) and raises a concern (a
distinctive text, not shared with the mentor). Only the leader's own account page, the leader's
own concern list and HR's Needs attention and outbox may change; the concern's text appears on no
page at all."""
from __future__ import annotations

import io
import re
import zipfile

from onboarding.extensions import db
from onboarding.people import equality, tokens
from onboarding.plans import calendar_feed, concerns

from .test_access_matrix import PEOPLE, TABLE, _objects, _url
from .test_access_matrix import cast as cast  # noqa: F401,PLC0414 (the matrix's cast: plan A's supporters too)

SECRET = "The sponsor shouts in meetings MAGPIE-5150"
ANSWERS = {"ethnic_group": "gypsy_or_irish_traveller", "sex": "female", "disability": "yes",
           "sector": "armed_forces", "working_pattern": "compressed_hours"}
# (person, endpoint) whose page may change when the leader answers and raises a concern.
MAY_CHANGE = {("leader_a", "account.equality_answers"), ("leader_a", "account.delete_equality_answers"),
              ("leader_a", "leader.new_concern"), ("hr", "hr.attention"), ("hr", "outbox.index"),
              ("hr", "tokens_admin.index"),  # the API tokens' last use: this crawl's own calls
              # The audit trail records that the leader answered and raised a concern (actions and
              # ids, never the text), and that HR read it; so does a subject access bundle's.
              ("hr", "hr.audit"), ("hr", "hr.audit_csv"), ("hr", "hr.plan_history"), ("hr", "hr.subject_access_download")}
# HR's equity report shows the answers only as disclosure-controlled group counts (tests/test_equity*.py).
REPORTS = {"hr.equity", "hr.equity_csv"}
VOLATILE = [
    (re.compile(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"(?=[^>]*name="csrf_token")'), "csrf"),
    (re.compile(r'nonce="[^"]*"'), "nonce"),
    (re.compile(r'name="request_key"[^>]*value="[^"]*"|value="[^"]*"(?=[^>]*name="request_key")'), "key"),  # a new one each time
    (re.compile(r"^DTSTAMP:.*$", re.M), "DTSTAMP"),
    (re.compile(r"quote the reference <strong>[^<]*</strong>"), "request id"),  # error pages: one per request
]


def _normal(body: str) -> str:
    for pattern, mark in VOLATILE:
        body = pattern.sub(mark, body)
    return body


def _text(response) -> str:
    """The response as text: a zip download (subject access) as its files' text."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:
            return "\n".join(bundle.read(name).decode() for name in sorted(bundle.namelist()))
    return response.get_data(as_text=True)


def _crawl(app, client, cast, values, feeds, api_tokens) -> dict:
    bodies = {}
    for person in PEOPLE:
        client.post("/logout")
        client.post("/login", data={"email": cast[person].email, "password": "correct horse battery staple"})
        for endpoint, spec in TABLE.items():
            if spec and "GET" in spec[0]:
                response = client.get(_url(app, endpoint, values))
                bodies[(person, endpoint)] = (response.status_code, _normal(_text(response)))
        client.post("/logout")
        bodies[(person, "calendar.feed")] = _normal(client.get(f"/calendar/{feeds[person]}.ics").get_data(as_text=True))
        plan_a, plan_b = cast["plan_a"].id, cast["plan_b"].id
        for path in ("/plans", f"/plans/{plan_a}", f"/plans/{plan_a}/checkins", f"/plans/{plan_b}"):
            response = client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {api_tokens[person]}"})
            bodies[(person, f"api {path}")] = (response.status_code, response.get_data(as_text=True))
    return bodies


def test_no_page_export_api_or_feed_shows_equality_answers_or_a_concern_to_anyone_else(app, cast, client):
    values = _objects(cast)
    feeds = {p: calendar_feed.create_address(cast[p]) for p in PEOPLE}
    api_tokens = {p: tokens.create(cast[p], f"crawl {p}")[1] for p in PEOPLE}
    db.session.commit()
    before = _crawl(app, client, cast, values, feeds, api_tokens)

    equality.save(cast["leader_a"], ANSWERS)
    concern = concerns.raise_concern(cast["plan_a"], cast["leader_a"], SECRET, False)
    db.session.commit()
    after = _crawl(app, client, cast, values, feeds, api_tokens)

    assert before.keys() == after.keys()
    changed = {key for key in after if after[key] != before[key] and key[1] not in REPORTS}
    assert changed <= MAY_CHANGE, sorted(changed - MAY_CHANGE)
    assert ("leader_a", "account.equality_answers") in changed and ("hr", "hr.attention") in changed
    for key, got in after.items():
        assert "MAGPIE-5150" not in str(got), key
        # The answers in words (a page, a CSV, a bundle) nowhere but the questions' own page
        # (where they are every person's options) and the reports' group names.
        if not key[1].startswith("account.equality") and key[1] not in REPORTS:
            assert "Gypsy or Irish Traveller" not in str(got) and "Armed forces" not in str(got), key
    # The answers, as ticked radios, only on the leader's own account page.
    own = after[("leader_a", "account.equality_answers")][1]
    assert 'value="gypsy_or_irish_traveller" checked' in own and 'value="compressed_hours" checked' in own
    assert not [key for key, got in after.items() if " checked" in str(got) and "account.equality" in key[1]
                and key[0] != "leader_a"]
    # The concern's own page: its leader and HR, nobody else (not shared with the mentor).
    url = f"/plans/{cast['plan_a'].id}/concerns/{concern.id}"
    for person in PEOPLE:
        client.post("/logout")
        client.post("/login", data={"email": cast[person].email, "password": "correct horse battery staple"})
        response = client.get(url)
        assert response.status_code == (200 if person in ("leader_a", "hr") else 404), person
        assert ("MAGPIE-5150" in response.get_data(as_text=True)) == (person in ("leader_a", "hr")), person
