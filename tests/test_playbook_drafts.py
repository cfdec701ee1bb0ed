"""HR's playbook draft pages: many edits, the changes against the published version, one
publish; a new playbook, a copy, a discard, an upload into a draft. HR only (the access
matrix covers every route); the browser test is test_playbook_drafts_browser.py."""
from __future__ import annotations

import html
import io
import re
from functools import partial

import pytest
import sqlalchemy as sa

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.models import AuditEvent, PlaybookDraft
from onboarding.playbooks import drafts

from .conftest import PASSWORD, make_user
from .serving import at_once, post, serve, session_cookie

SLUG = "compressed-13-weeks"
MILESTONE = {"key": "meet-the-chair", "title": "Meet the chair", "phase": "orientate", "category": "stakeholder_mapping",
             "owner": "leader", "week": "2", "required": "y", "description": "", "evidence_prompt": ""}


def versions(slug=SLUG) -> list[int]:
    return [v.number for v in playbooks.get_playbook(slug).versions]


def start_draft(client, slug=SLUG) -> str:
    response = client.post(f"/hr/playbooks/{slug}/draft")
    assert response.status_code == 302
    return response.headers["Location"]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def milestone_data(key: str) -> dict:
    t = next(t for t in playbooks.get_playbook(SLUG).latest.templates if t.key == key)
    return {"title": t.title, "description": t.description, "phase": t.phase, "category": t.category, "owner": t.owner,
            "week": str(t.week), "evidence_prompt": t.evidence_prompt, **({"required": "y"} if t.required else {}),
            **({"pinned": "y"} if t.pinned else {})}


def test_many_edits_then_one_publish_make_one_version_and_the_diff_shows_each(cast, client, login):
    login(cast["hr"])
    draft = start_draft(client)
    assert client.post(f"/hr/playbooks/{SLUG}/draft").headers["Location"] == draft  # the same draft again
    latest = playbooks.get_playbook(SLUG).latest
    steps = [
        (f"{draft}/milestones/new", MILESTONE),
        (f"{draft}/milestones/governance-briefing", milestone_data("governance-briefing") | {
            "title": "Governance briefing", "owner": "hr", "on_site": "y", "not_after_week": "5"}),
        (f"{draft}/milestones/exec-one-to-ones/up", {}),
        (f"{draft}/milestones/three-sixty-pulse/remove", {}),
        (f"{draft}/phases/new", {"key": "sustain", "title": "Sustain"}),
        (f"{draft}/phases/align", {"title": "Align and deliver", "description": latest.phases[2]["description"]}),
        (f"{draft}/details", {"title": "Thirteen weeks", "description": latest.description, "weeks": "13", "due_soon_working_days": "2",
                              "overdue_every_working_days": "5", "escalate_after_working_days": "10",
                              "checkin_cadence_days": "14"}),
    ]
    for url, data in steps:
        response = client.post(url, data=data)
        assert response.status_code == 302, (url, text(response)[:2000])
    assert versions() == [1]

    page = words(client.get(f"{draft}/changes"))
    for shown in ["Compared with version 1, the published version: 8 changes.",
                  "Was: Compressed three-month transition (13 weeks)", "Now: Thirteen weeks",
                  "Due-soon reminder, working days before", "Sustain (sustain)", "Align and deliver",
                  "Meet the chair (week 2, Leader, meet-the-chair)",
                  "Run a short 360 feedback pulse (week 12, HR, three-sixty-pulse)",
                  "Changed: Governance briefing", "Not after week", "Now: 5", "Was: Leader", "Now: HR",
                  "Changed: Meet each executive director one to one",
                  "Now: after “Assign a mentor and hold the first meeting”", "Publish as version 2"]:
        assert shown in page, shown

    response = client.post(f"{draft}/publish")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hr/playbooks/{SLUG}/v2")
    assert versions() == [1, 2]
    latest = playbooks.get_playbook(SLUG).latest
    briefing = next(t for t in latest.templates if t.key == "governance-briefing")
    assert (briefing.title, briefing.owner, briefing.on_site, briefing.not_after_week) == ("Governance briefing", "hr", True, 5)
    assert latest.nudges == {"due_soon_working_days": 2, "overdue_every_working_days": 5,
                             "escalate_after_working_days": 10, "checkin_cadence_days": 14}
    assert "Published as version 2" in text(client.get(response.headers["Location"]))
    assert cast["plan_a"].playbook_version.number == 1
    assert client.get(draft).status_code == 404  # the draft is gone


def test_an_invalid_draft_is_refused_at_publish_with_the_problems_and_where_they_are(cast, client, login):
    login(cast["hr"])
    draft = start_draft(client)
    response = client.post(f"{draft}/milestones/close-out-review", data=milestone_data("close-out-review") | {"week": "20"})
    assert response.status_code == 302  # a draft may be invalid for a while
    assert "Publishing will be refused until this is fixed" in words(client.get(f"{draft}/changes"))

    response = client.post(f"{draft}/publish")

    assert response.status_code == 400
    page = text(response)
    assert "The draft is not a valid playbook yet, so nothing was published" in page
    assert "Milestone 'close-out-review': week 20 is outside the playbook's range -8 to 13" in page
    assert f'href="{draft}/milestones/close-out-review"' in page
    assert versions() == [1] and db.session.scalar(sa.select(sa.func.count(PlaybookDraft.id))) == 1


def test_the_milestone_form_refuses_bad_input_next_to_the_field(cast, client, login):
    login(cast["hr"])
    draft = start_draft(client)
    for bad, field in [({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({"week": "ten"}, "week"),
                       ({"week": "99"}, "week"), ({"owner": "boss"}, "owner"), ({"key": "Bad Key"}, "key"),
                       ({"key": "close-out-review"}, "key"), ({"not_before_week": "4", "not_after_week": "3"}, "not_after_week"),
                       ({"title": "A\x00B"}, "title")]:
        response = client.post(f"{draft}/milestones/new", data=MILESTONE | bad)
        assert response.status_code == 400, bad
        assert f'href="#{field}"' in response.get_data(as_text=True), bad
    response = client.post(f"{draft}/milestones/governance-briefing/up")  # the first of week 3
    assert response.status_code == 400 and "change the week to move it past another week" in text(response)
    response = client.post(f"{draft}/phases/orientate/remove")
    assert response.status_code == 400 and "'Orientate' still has 8 milestones" in text(response)
    assert "meet-the-chair" not in [m["key"] for m in db.session.scalar(sa.select(PlaybookDraft)).content["milestones"]]


def test_a_new_playbook_from_the_app(cast, client, login):
    login(cast["hr"])
    form = {"slug": "ciso-26-weeks", "title": "Chief information security officer", "weeks": "26",
            "phase_title": "Orientate", "milestone_title": "Meet the SIRO"}
    for bad, field in [({"slug": "CISO 26"}, "slug"), ({"slug": SLUG}, "slug"), ({"weeks": "53"}, "weeks"),
                       ({"milestone_title": ""}, "milestone_title")]:
        response = client.post("/hr/drafts/new", data=form | bad)
        assert response.status_code == 400 and f'href="#{field}"' in response.get_data(as_text=True), bad
    response = client.post("/hr/drafts/new", data=form)
    assert response.status_code == 302
    draft = response.headers["Location"]
    assert "A new playbook. Not published yet." in text(client.get(draft))
    assert "Drafts not published yet" in text(client.get("/hr/playbooks"))
    page = text(client.get(f"{draft}/changes"))
    assert "its 1 phase and 1 milestone are listed below" in page and "Publish as version 1" in page

    assert client.post(f"{draft}/publish").headers["Location"].endswith("/hr/playbooks/ciso-26-weeks/v1")
    assert [t.title for t in playbooks.get_playbook("ciso-26-weeks").latest.templates] == ["Meet the SIRO"]


def test_a_copy_of_a_playbook(cast, client, login):
    login(cast["hr"])
    page = text(client.get(f"/hr/playbooks/{SLUG}/copy"))
    assert 'value="Copy of Compressed three-month transition (13 weeks)"' in page
    response = client.post(f"/hr/playbooks/{SLUG}/copy", data={"slug": SLUG, "title": "Mine"})
    assert response.status_code == 400 and "There is already a playbook or a draft with the slug" in text(response)
    response = client.post(f"/hr/playbooks/{SLUG}/copy", data={"slug": "trust-b-13-weeks", "title": "Trust B"})
    draft = response.headers["Location"]
    assert f"A new playbook, copied from {SLUG} version 1" in text(client.get(draft))
    changes = text(client.get(f"{draft}/changes"))
    assert f"Compared with {SLUG} version 1, which it copies: 2 changes." in changes
    client.post(f"{draft}/publish")
    assert versions("trust-b-13-weeks") == [1] and versions() == [1]


def test_discard_needs_the_box_ticked_and_publishes_nothing(cast, client, login):
    login(cast["hr"])
    draft = start_draft(client)
    client.post(f"{draft}/milestones/three-sixty-pulse/remove")
    response = client.post(f"{draft}/discard")
    assert response.status_code == 400 and 'href="#confirm"' in response.get_data(as_text=True)
    response = client.post(f"{draft}/discard", data={"confirm": "y"})
    assert response.status_code == 302 and client.get(draft).status_code == 404
    assert versions() == [1]
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["playbook.draft_start", "playbook.draft_discard"]


def test_an_upload_publishes_at_once_or_opens_as_a_draft(cast, client, login):
    login(cast["hr"])
    yaml_text = client.get(f"/hr/playbooks/{SLUG}/v1.yaml").get_data(as_text=True).replace("weeks: 13", "weeks: 14", 1)
    response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(yaml_text.encode()), "mine.yaml"), "into": "draft"},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/changes")
    assert "Was: 13" in words(client.get(response.headers["Location"])) and versions() == [1]
    again = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(yaml_text.encode()), "mine.yaml"), "into": "draft"},
                        content_type="multipart/form-data")
    assert again.status_code == 400 and f"'{SLUG}' already has a draft: publish or discard it first" in text(again)

    response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(yaml_text.encode()), "mine.yaml"), "into": "publish"},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and versions() == [1, 2]
    # The draft began at version 1: publishing it now would undo version 2, so it is refused.
    draft = db.session.scalar(sa.select(PlaybookDraft))
    page = text(client.get(f"/hr/drafts/{draft.id}"))
    assert "Version 2 was published after this draft began" in page
    refused = client.post(f"/hr/drafts/{draft.id}/publish")
    assert refused.status_code == 400 and versions() == [1, 2]


def test_the_version_page_offers_a_draft_not_direct_edits(cast, client, login):
    login(cast["hr"])
    page = text(client.get(f"/hr/playbooks/{SLUG}/v1"))
    assert "Edit this playbook" in page and "Copy this playbook into a new one" in page and "Move up" not in page
    draft = start_draft(client)
    page = text(client.get(f"/hr/playbooks/{SLUG}/v1"))
    assert "There is a draft of this playbook, started by Helen HR" in page and f'href="{draft}"' in page




@pytest.mark.real_commits
def test_edits_sent_at_the_same_moment_all_land_in_the_draft(app, loaded):
    """Two HR users (or two tabs) saving the same draft at once: each edit is applied to the
    other's result, none overwrites another (a lost update would drop a milestone)."""
    make_user("hr.one@example.nhs.uk", hr=True)
    make_user("hr.two@example.nhs.uk", hr=True)
    draft, _ = drafts.start(playbooks.get_playbook(SLUG), None)
    db.session.commit()
    keys = [f"meet-person-{i}" for i in range(6)]
    with serve(app) as base:
        cookies = [session_cookie(app, email, PASSWORD) for email in ("hr.one@example.nhs.uk", "hr.two@example.nhs.uk")]
        answers = at_once([partial(post, base, f"/hr/drafts/{draft.id}/milestones/new", MILESTONE | {"key": key},
                                   {"Cookie": cookies[i % 2]}) for i, key in enumerate(keys)])
    assert [a.status for a in answers] == [302] * len(keys)
    db.session.expire_all()
    saved = [m["key"] for m in drafts.get(draft.id).content["milestones"]]
    assert sorted(k for k in saved if k.startswith("meet-person-")) == keys


@pytest.mark.real_commits
def test_publish_clicked_several_times_at_once_makes_one_version(app, loaded):
    make_user("hr.one@example.nhs.uk", hr=True)
    draft, _ = drafts.start(playbooks.get_playbook(SLUG), None)
    drafts.change(draft, lambda c: c.milestones.pop())
    db.session.commit()
    with serve(app) as base:
        cookie = session_cookie(app, "hr.one@example.nhs.uk", PASSWORD)
        answers = at_once([partial(post, base, f"/hr/drafts/{draft.id}/publish", {}, {"Cookie": cookie})] * 4)
    assert sorted(a.status for a in answers) == [302, 404, 404, 404], [a.status for a in answers]
    db.session.expire_all()
    assert versions() == [1, 2]
    assert len(db.session.scalars(sa.select(AuditEvent).filter_by(action="playbook.publish")).all()) == 1
