"""Where playbook content comes from (issue 14): milestone sources and the playbook's review
record, checked with FILE:LINE messages, kept through versions, export and drafts, shown on a
milestone's page and HR's playbook list; every shipped milestone that names a national policy,
body, standard or date cites a source; the shipped playbooks load, plan and nudge."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from onboarding import nudges, plans, playbooks
from onboarding.extensions import db
from onboarding.playbooks import diff, editor, sources

from .conftest import ROOT, make_user

SHIPPED = {c.slug: c for c in (playbooks.parse_file(p)[0] for p in playbooks.default_paths(ROOT / "playbooks"))}

# What a milestone may not name without a source: national policies, plans, bodies, standards
# and programmes as the playbooks write them (case-insensitive), and any year.
NAMED = (
    "10 Year", "Medium Term Planning", "NHS England", "Department of Health", "DHSC", "Treasury", "Green Book",
    "five-case", "Care Quality Commission", "CQC", "Data Security and Protection Toolkit", "DSPT",
    "Cyber Assessment Framework", "DCB0129", "DCB0160", "Fit and Proper", "FPPT", "Procurement Act", "DTAC",
    "Digital Technology Assessment", "NHS App", "Federated Data Platform", "FDP", "single patient record",
    "What Good Looks Like", "WGLL", "Digital Maturity Assessment", "Leadership Competency Framework",
    "EDI improvement plan", "high impact action", "WRES", "WDES", "Workforce Race Equality", "Staff Survey",
    "Freedom to Speak Up", "Healthwatch", "Goldacre", "Wachter", "Caldicott Principles", "EPRR",
    "National Cyber Security Centre", "cyber security strategy", "Health and Care Act", "Digital Health Leadership",
    "Leadership Academy", "running costs", "cluster",
)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def named_in(milestone: dict) -> list[str]:
    """The named things (and years) a milestone's title, description and evidence prompt mention."""
    text = " ".join(milestone.get(f, "") for f in ("title", "description", "evidence_prompt"))
    found = [n for n in NAMED if re.search(r"(?<![\w-])" + re.escape(n), text, re.IGNORECASE)]
    return found + YEAR.findall(text)


def unsourced(contents) -> list[str]:
    return [f"{c.slug}: {m['key']} names {', '.join(named_in(m))}"
            for c in contents for m in c.milestones if named_in(m) and not m.get("sources")]


def test_every_milestone_naming_a_national_policy_body_standard_or_date_has_a_source():
    assert len(SHIPPED) == 4
    assert unsourced(SHIPPED.values()) == []


def test_the_rule_finds_a_milestone_that_names_something_without_a_source():
    content = playbooks.PlaybookContent("x", "X", "", 13, [], [
        {"key": "a", "title": "Submit the DSPT", "description": "", "evidence_prompt": ""},
        {"key": "b", "title": "Read the plan", "description": "Published in July 2025.", "evidence_prompt": ""},
        {"key": "c", "title": "Meet the team", "description": "Listen first.", "evidence_prompt": ""},
        {"key": "d", "title": "Read the FPPT framework", "description": "", "evidence_prompt": "", "sources": [{}]},
    ])
    assert unsourced([content]) == ["x: a names DSPT", "x: b names 2025"]


def test_source_urls_are_well_formed_dated_and_unique_within_a_milestone():
    for content in SHIPPED.values():
        for m in content.milestones:
            urls = [s["url"] for s in m.get("sources", [])]
            assert len(urls) == len(set(urls)), (content.slug, m["key"])
            for s in m.get("sources", []):
                parts = urlsplit(s["url"])
                assert (parts.scheme, sources.url_problem(s["url"])) == ("https", None), (m["key"], s["url"])
                assert parts.hostname and "." in parts.hostname, s["url"]
                assert s["title"] and s["publisher"] and re.fullmatch(r"20\d\d-\d\d(-\d\d)?", s["date"]), s


def test_each_shipped_playbook_says_when_it_was_reviewed_and_who_reviews_it_next():
    for content in SHIPPED.values():
        assert re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", content.reviewed), content.slug
        assert len(content.next_review_by) > 5, content.slug


def test_the_mentor_milestones_say_who_completes_them_and_who_reads_them():
    for content in SHIPPED.values():
        mentored = [m for m in content.milestones if m["owner"] == "mentor"]
        assert len(mentored) >= 2, content.slug
        for m in mentored:
            text = m["description"] + " " + m["evidence_prompt"]
            assert "leader records" not in text and "stays private" not in text, m["key"]
            assert "Only the mentor (or HR) marks this done" in m["evidence_prompt"], m["key"]
            assert "the sponsor" in m["evidence_prompt"], m["key"]
    weeks = sorted(m["week"] for m in SHIPPED["cdio-cio-26-weeks"].milestones if m["owner"] == "mentor")
    assert weeks == [5, 11, 17, 22]  # between the first meeting (week 2) and the review, not only at the end


PLAYBOOK = """\
slug: sourced
title: Sourced
weeks: 13
reviewed: {reviewed}
next_review_by: Director of Workforce
phases:
  - key: one
    title: One
milestones:
  - key: first
    title: Read the framework
    phase: one
    category: induction_governance
    owner: leader
    week: 1
    sources:
      - title: The framework
        publisher: NHS England
        url: {url}
        date: {date}
      - title: The same framework again
        publisher: NHS England
        url: https://www.england.nhs.uk/framework/
        date: 2024-06-30
"""


def problems(tmp_path, **values) -> list[str]:
    text = PLAYBOOK.format(**({"reviewed": "2026-11", "url": "https://www.england.nhs.uk/other/", "date": "2024-06"}
                              | values))
    path = tmp_path / "sourced.yaml"
    path.write_text(text)
    return [f"{p.line}: {p.message}" for p in playbooks.parse_file(path)[1]]


@pytest.mark.parametrize("values, message", [
    ({"url": "http://www.england.nhs.uk/x"},
     "19: milestone 'first': source 1: url 'http://www.england.nhs.uk/x' must start with https://"),
    ({"url": "https://localhost/x"},
     "19: milestone 'first': source 1: url 'https://localhost/x' must name a web site, as in https://www.england.nhs.uk/..."),
    ({"url": "https://www.england.nhs.uk/framework/"},
     "23: milestone 'first': source 2: url 'https://www.england.nhs.uk/framework/' is listed twice in this milestone"),
    ({"url": "'https://www.england.nhs.uk/a b'"},
     "19: milestone 'first': source 1: url 'https://www.england.nhs.uk/a b' must not contain spaces"),
    ({"date": "June 2024"},
     "20: milestone 'first': source 1: date must be a month or a day, as 2025-07 or 2025-07-03, not 'June 2024'"),
    ({"date": "2024-13"},
     "20: milestone 'first': source 1: date must be a month or a day, as 2025-07 or 2025-07-03, not '2024-13'"),
    ({"reviewed": "2026-11-02"},
     "4: playbook: reviewed must be a month as YYYY-MM, such as 2026-11, not datetime.date(2026, 11, 2)"),
    ({"reviewed": "Nov 2026"},
     "4: playbook: reviewed must be a month as YYYY-MM, such as 2026-11, not 'Nov 2026'"),
])
def test_sources_and_review_dates_are_checked_with_file_and_line(tmp_path, values, message):
    assert problems(tmp_path, **values) == [message]


def test_a_source_needs_every_field_and_the_review_needs_a_reviewer(tmp_path):
    text = PLAYBOOK.format(reviewed="2026-11", url="https://www.england.nhs.uk/other/", date="2024-06")
    text = text.replace("        publisher: NHS England\n        url: https://www.england.nhs.uk/other/\n", "")
    text = text.replace("next_review_by: Director of Workforce\n", "")
    path = tmp_path / "sourced.yaml"
    path.write_text(text)
    found = [f"{p.line}: {p.message}" for p in playbooks.parse_file(path)[1]]
    assert found == [
        "4: playbook: say who reviews it next in next_review_by (a role or a person), alongside reviewed",
        "16: milestone 'first': source 1: missing field 'publisher'",
        "16: milestone 'first': source 1: missing field 'url'",
    ]
    assert problems(tmp_path) == []


def test_review_due_after_twelve_months_by_the_calendar_month():
    assert not sources.review_due("2026-11", date(2027, 10, 31))
    assert sources.review_due("2026-11", date(2027, 11, 1))
    assert sources.review_due(None, date(2026, 11, 1)) and sources.review_due("", date(2026, 11, 1))
    assert sources.review_due_on("2026-11") == date(2027, 11, 1)
    assert (sources.date_words("2025-07"), sources.date_words("2025-07-03")) == ("July 2025", "3 July 2025")


def test_sources_and_review_survive_the_database_the_export_and_a_draft(loaded):
    version = playbooks.get_playbook("icb-cdio-26-weeks").latest
    shipped = SHIPPED["icb-cdio-26-weeks"]
    stored = playbooks.content_of(version)
    assert stored.content_hash == shipped.content_hash == version.content_hash
    assert (version.reviewed, version.next_review_by) == ("2026-11", "ICB Chief People Officer with the ICB's CCIO")
    again, found = playbooks.parse_text(playbooks.to_yaml(stored), "icb-cdio-26-weeks.yaml")
    assert found == [] and again.content_hash == shipped.content_hash
    # The editor's milestone form has no sources: changing the title keeps them.
    draft = editor.draft(version)
    fppt = next(m for m in draft.milestones if m["key"] == "fppt-checks")
    editor.edit_milestone(draft, "fppt-checks", {k: v for k, v in fppt.items() if k != "sources"} | {"title": "FPPT"})
    edited = next(m for m in draft.milestones if m["key"] == "fppt-checks")
    assert edited["sources"] == fppt["sources"] and edited["sources"][0]["publisher"] == "NHS England"
    assert editor.validate(draft)[1] == [] and draft.reviewed == "2026-11"
    # A changed source is a change HR sees before publishing.
    edited["sources"] = [fppt["sources"][0] | {"date": "2025-01"}]
    [change] = diff.diff(stored, draft).milestones_changed
    assert [c.label for c in change.changes] == ["Title", "Where this comes from"]
    assert "2024-06" in change.changes[1].old and "2025-01" in change.changes[1].new


def test_the_four_playbooks_plan_and_nudge(loaded):
    from flask import current_app

    hr = make_user("hr@example.nhs.uk", hr=True)
    made = {}
    for slug in SHIPPED:
        leader = make_user(f"leader.{slug}@example.nhs.uk")
        plan = plans.create_plan(leader=leader, sponsor=make_user(f"sponsor.{slug}@example.nhs.uk"),
                                 mentor=make_user(f"mentor.{slug}@example.nhs.uk"),
                                 version=playbooks.get_playbook(slug).latest, start=date(2027, 1, 4), months=3, actor=hr)
        made[plan.id] = (slug, len(plan.milestones))
    db.session.commit()
    # Four weeks in, each plan has milestones overdue or due soon: each gets its nudges.
    day = date(2027, 2, 1)
    due = nudges.due_nudges(nudges.load_facts(current_app.config), day)
    assert {d.plan_id for d in due if d.kind in ("overdue", "due_soon")} == set(made)
    assert {slug: n for slug, n in made.values()} == {s: len(c.milestones) for s, c in SHIPPED.items()}


def test_a_milestone_page_shows_where_it_comes_from(client, cast, login):
    login(cast["leader_a"])
    plan = cast["plan_a"]
    fppt = next(m for m in plan.milestones if m.key == "fppt-checks")
    stars = next(m for m in plan.milestones if m.key == "stars-diagnosis")
    page = client.get(f"/plans/{plan.id}/milestones/{fppt.id}").get_data(as_text=True)
    assert "<h2 id=\"sources\">Where this comes from</h2>" in page
    assert ('<a href="https://www.england.nhs.uk/long-read/nhs-england-fit-and-proper-person-test-framework-for-board-'
            'members/" rel="noopener noreferrer">NHS England Fit and Proper Person Test Framework for board members</a>, '
            'NHS England, June 2024') in page
    assert "Where this comes from" not in client.get(f"/plans/{plan.id}/milestones/{stars.id}").get_data(as_text=True)


def test_hr_sees_each_playbooks_review_and_which_are_due(client, cast, login, monkeypatch):
    login(cast["hr"])
    monkeypatch.setattr(plans, "today", lambda: date(2027, 10, 31))
    page = client.get("/hr/playbooks").get_data(as_text=True)
    assert len(re.findall(r"\s+November 2026\s+<br><span class=\"nhsuk-body-s\">Next review by ", page)) == 4
    assert ">Review due</strong>" not in page
    assert page.count("Next review by Director of Workforce with the CCIO") == 2
    assert "Next review by ICB Chief People Officer with the ICB&#39;s CCIO" in page
    monkeypatch.setattr(plans, "today", lambda: date(2027, 11, 1))
    assert client.get("/hr/playbooks").get_data(as_text=True).count(">Review due</strong>") == 4


def test_the_reviewed_month_of_a_playbook_without_one_is_flagged(client, cast, login, monkeypatch):
    content = playbooks.content_of(playbooks.get_playbook("compressed-13-weeks").latest)
    content.reviewed = content.next_review_by = ""
    playbooks.publish(content)
    db.session.commit()
    login(cast["hr"])
    monkeypatch.setattr(plans, "today", lambda: date(2026, 12, 1))
    page = client.get("/hr/playbooks").get_data(as_text=True)
    assert page.count(">Review due</strong>") == 1 and "No review recorded" in page

