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
