"""Editing playbooks in the browser's domain module, and moving plans to a newer
version (rebase): done milestones and their evidence are kept."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.plans import rebase
from onboarding.playbooks import PlaybookError, editor

SLUG = "compressed-13-weeks"


def latest():
    return playbooks.get_playbook(SLUG).latest


def milestone(**overrides):
    data = {"key": "meet-the-chair", "title": "Meet the chair", "phase": latest().phases[0]["key"],
            "category": "stakeholder_mapping", "owner": "leader", "week": 1, "required": True}
    return data | overrides


def test_add_inserts_in_week_order_and_publishes(loaded):
    v1 = latest()
    content = editor.draft(v1)
    editor.add_milestone(content, milestone(week=2))
    version, created = editor.publish(content, None)
    db.session.commit()
    assert created and version.number == v1.number + 1
    weeks = [t.week for t in version.templates]
    assert weeks == sorted(weeks) and "meet-the-chair" in [t.key for t in version.templates]
    assert [t.key for t in v1.templates] == [t.key for t in playbooks.get_playbook(SLUG).versions[0].templates]


def test_publishing_unchanged_content_makes_no_version(loaded):
    version, created = editor.publish(editor.draft(latest()), None)
    assert not created and version.number == 1


def test_duplicate_key_and_unknown_key_are_refused(loaded):
    content = editor.draft(latest())
    with pytest.raises(editor.EditorError):
        editor.add_milestone(content, milestone(key=content.milestones[0]["key"]))
    with pytest.raises(editor.EditorError):
        editor.remove_milestone(content, "no-such-key")


def test_edit_keeps_key_and_moves_on_week_change(loaded):
    content = editor.draft(latest())
    key = content.milestones[0]["key"]
    editor.edit_milestone(content, key, milestone(key="ignored", title="Renamed", week=10))
    keys = [m["key"] for m in content.milestones]
    assert key in keys and "ignored" not in keys
    assert [m["week"] for m in content.milestones] == sorted(m["week"] for m in content.milestones)
    assert content.milestones[keys.index(key)]["title"] == "Renamed"


def test_move_within_a_week_only(loaded):
    content = editor.draft(latest())
    ms = content.milestones
    i = next(i for i in range(1, len(ms)) if ms[i]["week"] == ms[i - 1]["week"])
    a, b = ms[i - 1]["key"], ms[i]["key"]
    editor.move(content, b, "up")
    assert [m["key"] for m in content.milestones][i - 1:i + 1] == [b, a]
    j = next(j for j in range(1, len(ms)) if ms[j]["week"] != ms[j - 1]["week"])
    with pytest.raises(editor.EditorError, match="week order"):
        editor.move(content, ms[j]["key"], "up")
    with pytest.raises(editor.EditorError):
        editor.move(content, ms[0]["key"], "up")


def test_invalid_draft_goes_through_the_cli_validator(loaded):
    content = editor.draft(latest())
    content.milestones[0]["owner"] = "boss"
    with pytest.raises(PlaybookError) as info:
        editor.publish(content, None)
    assert any("unknown owner role 'boss'" in str(p) for p in info.value.problems)
    assert latest().number == 1


def test_upload_reports_file_and_line(loaded):
    text = playbooks.to_yaml(playbooks.content_of(latest())).replace("owner: leader", "owner: boss", 1)
    with pytest.raises(PlaybookError) as info:
        editor.upload(text.encode(), "mine.yaml", None)
    assert all(str(p).startswith("mine.yaml:") for p in info.value.problems)
    with pytest.raises(PlaybookError, match="200 KB"):
        editor.upload(b"x" * (200 * 1024 + 1), "big.yaml", None)
    with pytest.raises(PlaybookError, match="UTF-8"):
        editor.upload(b"\xff\xfe", "bin.yaml", None)
    assert latest().number == 1


# --- rebase -----------------------------------------------------------------------------------


def _plan(cast):
    version = latest()
    plan = plans.create_plan(leader=cast["leader_b"], sponsor=cast["sponsor_a"], version=version,
                             start=date(2026, 9, 7), months=3)
    db.session.commit()
    return plan


def test_rebase_keeps_done_and_evidence(cast):
    plan = _plan(cast)
    done, dropped_done, dropped_open, renamed = plan.milestones[0], plan.milestones[1], plan.milestones[2], plan.milestones[3]
    plans.complete_milestone(done, cast["leader_b"], note="Evidence", link="https://example.org/e")
    plans.complete_milestone(dropped_done, cast["leader_b"], note="Kept anyway")
    db.session.commit()
    content = editor.draft(plan.playbook_version)
    content.milestones = [m for m in content.milestones if m["key"] not in (dropped_done.key, dropped_open.key)]
    for m in content.milestones:
        if m["key"] == renamed.key:
            m["title"] = "Renamed step"
        if m["key"] == done.key:
            m["title"] = "Done but renamed in the playbook"
    editor.add_milestone(content, milestone(key="new-step", title="New step", week=4))
    new_version, _ = editor.publish(content, None)
    db.session.commit()

    changes = rebase.diff(plan, new_version)
    assert [c.key for c in changes.added] == ["new-step"]
    assert [c.key for c in changes.removed] == [dropped_open.key]
    assert [c.key for c in changes.retitled] == [renamed.key]  # done milestones keep their title
    assert [c.key for c in changes.kept_done] == [dropped_done.key]
    assert plan.playbook_version_id != new_version.id  # diff writes nothing

    old_dates = {m.key: m.due_date for m in plan.milestones}
    rebase.apply(plan, new_version, cast["hr"])
    db.session.commit()
    db.session.expire_all()
    by_key = {m.key: m for m in plan.milestones}
    assert plan.playbook_version_id == new_version.id
    assert by_key[done.key].status == "done" and by_key[done.key].evidence_link == "https://example.org/e"
    assert by_key[done.key].title != "Done but renamed in the playbook"
    assert by_key[dropped_done.key].evidence_note == "Kept anyway"
    assert dropped_open.key not in by_key
    assert by_key[renamed.key].title == "Renamed step"
    assert by_key[renamed.key].due_date == old_dates[renamed.key]  # same week: date untouched
    assert plan.start_date <= by_key["new-step"].due_date <= plan.end_date
    positions = [m.position for m in plan.milestones]
    assert positions == sorted(positions) == list(range(len(positions)))


def test_rebase_refuses_old_or_foreign_versions_and_closed_plans(cast):
    plan = cast["plan_a"]
    with pytest.raises(plans.PlanError):
        rebase.diff(plan, plan.playbook_version)
    with pytest.raises(plans.PlanError):
        rebase.diff(plan, latest())  # another playbook
    content = editor.draft(plan.playbook_version)
    content.milestones[-1]["title"] = "Changed"
    newer, _ = editor.publish(content, None)
    plans.close(plan, cast["hr"], "completed")
    with pytest.raises(plans.PlanError):
        rebase.apply(plan, newer, cast["hr"])


def test_rebase_keeps_dates_moved_by_a_pause(cast):
    plan = _plan(cast)
    plans.pause(plan, cast["hr"], on=date(2026, 9, 14))
    plans.resume(plan, cast["hr"], on=date(2026, 9, 28))
    db.session.commit()
    moved = {m.key: m.due_date for m in plan.milestones}
    content = editor.draft(plan.playbook_version)
    content.description = "A new description"
    newer, _ = editor.publish(content, None)
    rebase.apply(plan, newer, cast["hr"])
    assert {m.key: m.due_date for m in plan.milestones} == moved


# --- drafts: many edits, one publish ----------------------------------------------------------

from onboarding.models import AuditEvent, PlaybookDraft  # noqa: E402
from onboarding.playbooks import diff as playbook_diff  # noqa: E402
from onboarding.playbooks import drafts  # noqa: E402

from .conftest import make_user  # noqa: E402


@pytest.fixture
def hr(loaded):
    return make_user("hr@example.nhs.uk", "Helen HR", hr=True)


def saved(draft, edit):
    drafts.change(draft, edit)
    db.session.commit()


def by_key(content, key):
    return next(m for m in content.milestones if m["key"] == key)


def audit(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def test_many_edits_then_one_publish_make_exactly_one_version(hr):
    playbook = playbooks.get_playbook(SLUG)
    plan = plans.create_plan(leader=make_user("lee@example.nhs.uk", "Lee"), sponsor=make_user("sam@example.nhs.uk", "Sam"),
                             version=playbook.latest, start=date(2026, 9, 7), months=3)
    draft, created = drafts.start(playbook, hr)
    assert created and draft.base_version_id == playbook.latest.id
    saved(draft, lambda c: editor.add_milestone(c, milestone(week=2)))
    saved(draft, lambda c: editor.edit_milestone(c, "close-out-review", by_key(c, "close-out-review") | {"title": "Close out"}))
    saved(draft, lambda c: editor.remove_milestone(c, "three-sixty-pulse"))
    saved(draft, lambda c: editor.add_phase(c, "sustain", "Sustain"))
    saved(draft, lambda c: editor.edit_phase(c, "align", "Align and deliver"))
    saved(draft, lambda c: editor.set_details(c, "Thirteen weeks", c.description, 14, {"due_soon_working_days": 2}))
    assert drafts.start(playbook, hr) == (draft, False)  # one draft per playbook
    assert [v.number for v in playbook.versions] == [1]  # nothing published while editing

    version, created = drafts.publish(draft, hr)
    db.session.commit()

    assert created and [v.number for v in playbook.versions] == [1, 2]
    assert (version.title, version.weeks, version.nudges) == ("Thirteen weeks", 14, {"due_soon_working_days": 2})
    assert [p["title"] for p in version.phases] == ["Orientate", "Diagnose", "Align and deliver", "Sustain"]
    keys = [t.key for t in version.templates]
    assert "meet-the-chair" in keys and "three-sixty-pulse" not in keys and len(keys) == 19
    assert next(t.title for t in version.templates if t.key == "close-out-review") == "Close out"
    assert version.created_by_id == hr.id  # `onboarding init` sees an edit made in the app
    assert db.session.scalar(db.select(db.func.count(PlaybookDraft.id))) == 0
    assert plan.playbook_version.number == 1  # running plans keep their version
    [event] = audit("playbook.publish")
    assert (event.detail["version"], event.detail["milestones_added"], event.detail["milestones_removed"],
            event.detail["milestones_changed"], event.detail["phases_added"], event.detail["phases_changed"]) == (2, 1, 1, 1, 1, 1)


def test_the_diff_names_each_change_field_by_field(hr):
    draft, _ = drafts.start(playbooks.get_playbook(SLUG), hr)
    saved(draft, lambda c: editor.edit_milestone(c, "governance-briefing", by_key(c, "governance-briefing") | {
        "title": "Governance briefing", "owner": "hr", "on_site": True}))
    saved(draft, lambda c: editor.move(c, "exec-one-to-ones", "up"))
    saved(draft, lambda c: editor.add_milestone(c, milestone(week=2)))
    saved(draft, lambda c: editor.remove_milestone(c, "three-sixty-pulse"))
    saved(draft, lambda c: editor.add_phase(c, "sustain", "Sustain"))
    saved(draft, lambda c: editor.move_phase(c, "align", "up"))
    saved(draft, lambda c: editor.set_details(c, "Thirteen weeks", c.description, 13,
                                              c.nudges | {"due_soon_working_days": 2}))

    d = drafts.changes(draft)

    C = playbook_diff.Change
    assert d.details == [C("Title", "Compressed three-month transition (13 weeks)", "Thirteen weeks"),
                         C("Due-soon reminder, working days before", "3", "2")]
    assert [p["key"] for p in d.phases_added] == ["sustain"] and not d.phases_removed
    assert d.phase_order == (["Orientate", "Diagnose", "Align"], ["Orientate", "Align", "Diagnose", "Sustain"])
    assert [m["key"] for m in d.milestones_added] == ["meet-the-chair"]
    assert [m["key"] for m in d.milestones_removed] == ["three-sixty-pulse"]
    changed = {item.key: item.changes for item in d.milestones_changed}
    assert changed == {
        "exec-one-to-ones": [C("Order", "after “Draw the first stakeholder power and interest grid”",
                               "after “Assign a mentor and hold the first meeting”")],
        "governance-briefing": [C("Title", "Get briefed on information, clinical safety and digital governance",
                                  "Governance briefing"), C("Owner", "Leader", "HR"),
                                C("On a day the leader is on site", "no", "yes")],
    }
    assert d.count == 2 + 1 + 1 + 1 + 1 + 2


def test_an_invalid_draft_is_refused_at_publish_with_the_validators_messages(hr):
    playbook = playbooks.get_playbook(SLUG)
    draft, _ = drafts.start(playbook, hr)
    saved(draft, lambda c: editor.edit_milestone(c, "close-out-review", by_key(c, "close-out-review") | {"week": 20}))
    saved(draft, lambda c: editor.edit_milestone(c, "edi-objective", by_key(c, "edi-objective") | {"not_before_week": 9}))

    with pytest.raises(PlaybookError) as info:
        drafts.publish(draft, hr)
    db.session.rollback()

    messages = [p.message for p in info.value.problems]
    assert messages == [
        "milestone 'edi-objective': not_before_week 9 is after its own week 7; a floor only holds a milestone back in shorter plans",
        "milestone 'close-out-review': week 20 is outside the playbook's range -8 to 13",
    ]
    assert [drafts.locate(p) for p in info.value.problems] == [("milestone", "edi-objective"), ("milestone", "close-out-review")]
    assert [v.number for v in playbook.versions] == [1] and drafts.get(draft.id) is not None
    assert not audit("playbook.publish")


def test_a_new_playbook_starts_as_a_draft_and_publishes_as_version_1(hr):
    draft = drafts.create("ciso-26-weeks", "Chief information security officer", 26, "Orientate", "Meet the SIRO", hr)
    db.session.commit()
    content = drafts.content(draft)
    assert content.phases == [{"key": "orientate", "title": "Orientate", "description": ""}]
    assert [(m["key"], m["title"], m["phase"], m["owner"], m["week"]) for m in content.milestones] == [
        ("meet-the-siro", "Meet the SIRO", "orientate", "leader", 1)]
    d = drafts.changes(draft)
    assert [p["key"] for p in d.phases_added] == ["orientate"] and [m["key"] for m in d.milestones_added] == ["meet-the-siro"]
    with pytest.raises(editor.EditorError, match="already a playbook or a draft") as taken:
        drafts.create("ciso-26-weeks", "Again", 26, "Orientate", "Meet", hr)
    assert taken.value.field == "slug"
    with pytest.raises(editor.EditorError, match="lower-case"):
        drafts.create("CISO 26", "Again", 26, "Orientate", "Meet", hr)

    version, created = drafts.publish(draft, hr)
    db.session.commit()

    assert created and version.number == 1 and version.playbook.slug == "ciso-26-weeks" and version.weeks == 26
    assert [t.key for t in version.templates] == ["meet-the-siro"]
    with pytest.raises(editor.EditorError):
        drafts.create("ciso-26-weeks", "Again", 26, "Orientate", "Meet", hr)


def test_a_copy_is_a_new_playbook_and_leaves_the_original_alone(hr):
    original = playbooks.get_playbook(SLUG)
    draft = drafts.copy_of(original.latest, "compressed-13-weeks-trust-b", "Trust B's three months", hr)
    db.session.commit()
    assert draft.playbook_id is None and draft.base_version_id == original.latest.id
    d = drafts.changes(draft)  # against the version copied
    assert d.details == [playbook_diff.Change("Slug", SLUG, "compressed-13-weeks-trust-b"),
                         playbook_diff.Change("Title", "Compressed three-month transition (13 weeks)", "Trust B's three months")]
    assert d.count == 2
    with pytest.raises(editor.EditorError):
        drafts.copy_of(original.latest, SLUG, "Same slug", hr)

    version, _ = drafts.publish(draft, hr)
    db.session.commit()

    assert version.playbook.slug == "compressed-13-weeks-trust-b" and version.number == 1
    assert [t.key for t in version.templates] == [t.key for t in original.latest.templates]
    assert [v.number for v in original.versions] == [1]


def test_discarding_a_draft_publishes_nothing(hr):
    playbook = playbooks.get_playbook(SLUG)
    draft, _ = drafts.start(playbook, hr)
    saved(draft, lambda c: editor.remove_milestone(c, "three-sixty-pulse"))
    drafts.discard(draft, hr)
    db.session.commit()
    assert drafts.of_playbook(playbook) is None and [v.number for v in playbook.versions] == [1]
    assert [e.detail["slug"] for e in audit("playbook.draft_discard")] == [SLUG]
    again, created = drafts.start(playbook, hr)
    assert created and "three-sixty-pulse" in [m["key"] for m in drafts.content(again).milestones]


def test_publishing_never_undoes_a_version_published_since_the_draft_began(hr):
    playbook = playbooks.get_playbook(SLUG)
    draft, _ = drafts.start(playbook, hr)
    saved(draft, lambda c: editor.remove_milestone(c, "three-sixty-pulse"))
    text = playbooks.to_yaml(playbooks.content_of(playbook.latest)).replace("weeks: 13", "weeks: 14", 1)
    editor.upload(text.encode(), "newer.yaml", hr)
    db.session.commit()
    assert drafts.published_since(draft).number == 2

    with pytest.raises(editor.EditorError, match="Version 2 was published after this draft began"):
        drafts.publish(draft, hr)
    assert [v.number for v in playbook.versions] == [1, 2]


def test_phases_are_added_renamed_moved_and_removed_only_when_empty(hr):
    content = editor.draft(playbooks.get_playbook(SLUG).latest)
    with pytest.raises(editor.EditorError, match="still has 8 milestones"):
        editor.remove_phase(content, "orientate")
    with pytest.raises(editor.EditorError, match="already exists"):
        editor.add_phase(content, "align", "Align again")
    with pytest.raises(editor.EditorError, match="already first"):
        editor.move_phase(content, "orientate", "up")
    editor.add_phase(content, "sustain", "Sustain", "After the plan")
    editor.move_phase(content, "sustain", "up")
    editor.edit_phase(content, "sustain", "Sustain and embed")
    assert [(p["key"], p["title"]) for p in content.phases] == [
        ("orientate", "Orientate"), ("diagnose", "Diagnose"), ("sustain", "Sustain and embed"), ("align", "Align")]
    editor.remove_phase(content, "sustain")
    assert [p["key"] for p in content.phases] == ["orientate", "diagnose", "align"]
    single = playbooks.PlaybookContent("x", "X", "", 4, [{"key": "only", "title": "Only", "description": ""}], [])
    with pytest.raises(editor.EditorError, match="at least one phase"):
        editor.remove_phase(single, "only")


def test_an_upload_can_open_as_a_draft_instead_of_publishing(hr):
    playbook = playbooks.get_playbook(SLUG)
    text = playbooks.to_yaml(playbooks.content_of(playbook.latest)).replace("weeks: 13", "weeks: 14", 1)
    draft = drafts.from_upload(editor.read_upload(text.encode(), "mine.yaml"), hr, filename="mine.yaml")
    db.session.commit()
    assert draft.playbook_id == playbook.id and [v.number for v in playbook.versions] == [1]
    assert drafts.changes(draft).details == [playbook_diff.Change("Reference length in weeks", "13", "14")]
    with pytest.raises(editor.EditorError, match="already has a draft"):
        drafts.from_upload(editor.read_upload(text.encode(), "mine.yaml"), hr)
