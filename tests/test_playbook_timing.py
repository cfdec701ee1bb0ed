"""Timing floors and ceilings, on-site and delegable milestones in playbook files: checked with
FILE:LINE messages, carried into versions, plans and the YAML export, and absent from the
content (so its hash) when not used."""
from datetime import date
from pathlib import Path

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db

from .conftest import ROOT, make_user

GOOD = ROOT / "playbooks" / "compressed-13-weeks.yaml"
# The compressed playbook's clinician interviews (week 6) begin on line 286; their floor is on line 299.
INTERVIEWS = "    week: 6\n    pinned: false\n    required: true\n    not_before_week: 5\n    on_site: true\n"


def problems_for(tmp_path: Path, fields: str) -> list[str]:
    text = GOOD.read_text()
    assert text.count(INTERVIEWS) == 1
    path = tmp_path / GOOD.name
    path.write_text(text.replace(INTERVIEWS, "    week: 6\n    pinned: false\n    required: true\n" + fields))
    _, problems = playbooks.parse_file(path)
    return [f"{p.line}: {p.message}" for p in problems]


@pytest.mark.parametrize("fields, message", [
    ("    not_before_week: 0\n", "299: milestone 'clinician-interviews-and-shadowing': not_before_week 0 is outside "
                               "the playbook's weeks 1 to 13"),
    ("    not_after_week: 14\n", "299: milestone 'clinician-interviews-and-shadowing': not_after_week 14 is outside "
                               "the playbook's weeks 1 to 13"),
    ("    not_before_week: 7\n", "299: milestone 'clinician-interviews-and-shadowing': not_before_week 7 is after its "
                               "own week 6; a floor only holds a milestone back in shorter plans"),
    ("    not_after_week: 5\n", "299: milestone 'clinician-interviews-and-shadowing': not_after_week 5 is before its "
                              "own week 6; a ceiling only brings a milestone forward in longer plans"),
    ("    not_before_week: six\n", "299: milestone 'clinician-interviews-and-shadowing': field 'not_before_week' must "
                                 "be a whole number, not 'six'"),
    ("    on_site: yes please\n", "299: milestone 'clinician-interviews-and-shadowing': field 'on_site' must be true "
                                "or false, not 'yes please'"),
    ("    delegable: 1\n", "299: milestone 'clinician-interviews-and-shadowing': field 'delegable' must be true or "
                         "false, not 1"),
])
def test_timing_and_flags_are_checked_with_file_and_line(tmp_path, fields, message):
    assert problems_for(tmp_path, fields) == [message]


def test_a_floor_after_the_ceiling_is_refused_at_the_ceiling(tmp_path):
    # A floor and a ceiling on its own week pins it there; a ceiling before the floor cannot be met
    # (it is also before the milestone's own week, reported too).
    assert problems_for(tmp_path, "    not_before_week: 6\n    not_after_week: 6\n") == []
    found = problems_for(tmp_path, "    not_before_week: 6\n    not_after_week: 4\n")
    assert "300: milestone 'clinician-interviews-and-shadowing': not_after_week 4 is before not_before_week 6" in found


def test_unused_fields_stay_out_of_the_content_and_its_hash(tmp_path):
    text = GOOD.read_text().replace("    not_before_week: 5\n", "").replace("    on_site: true\n", "")
    text = text.replace("    not_after_week: 3\n", "").replace("    delegable: true\n", "")
    path = tmp_path / GOOD.name
    path.write_text(text)
    bare, problems = playbooks.parse_file(path)
    assert problems == []
    assert all(set(m) - {"sources"} == {"key", "title", "description", "phase", "category", "owner", "week",
                                        "pinned", "required", "evidence_prompt"} for m in bare.milestones)
    # Saying the defaults out loud changes nothing either.
    path.write_text(text.replace("    required: true\n", "    required: true\n    on_site: false\n    delegable: false\n"))
    spelled_out, problems = playbooks.parse_file(path)
    assert problems == [] and spelled_out.content_hash == bare.content_hash
    shipped, _ = playbooks.parse_file(GOOD)
    assert shipped.content_hash != bare.content_hash


def test_fields_reach_the_version_the_plan_and_the_export(runner, loaded):
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    shipped, _ = playbooks.parse_file(ROOT / "playbooks" / "cdio-cio-26-weeks.yaml")
    assert playbooks.content_of(version).content_hash == shipped.content_hash == version.content_hash
    templates = {t.key: t for t in version.templates}
    assert templates["clinician-priority-interviews"].not_before_week == 8
    assert templates["frontline-shadowing"].on_site is True
    assert templates["external-peer-networks"].delegable is True
    assert templates["stakeholder-grid-first"].not_before_week is None

    plan = plans.create_plan(leader=make_user("l@example.nhs.uk"), sponsor=make_user("s@example.nhs.uk"),
                             version=version, start=date(2026, 9, 7), months=3)
    db.session.commit()
    rows = {m.key: m for m in plan.milestones}
    assert (rows["ninety-day-hr-review"].not_before_week, rows["ninety-day-hr-review"].due_date) == (12, date(2026, 11, 23))
    assert rows["chair-and-exec-one-to-ones"].on_site and rows["external-peer-networks"].delegable
    assert not rows["stakeholder-grid-first"].on_site and rows["stakeholder-grid-first"].not_after_week is None

    exported = runner.invoke(args=["playbooks", "export", "cdio-cio-26-weeks"]).output
    assert "  not_before_week: 12\n" in exported and "  on_site: true\n" in exported
    assert "on_site: false" not in exported and "not_after_week: null" not in exported


def test_a_rebase_brings_a_new_floor_and_on_site_mark_to_open_milestones(loaded):
    from onboarding.plans import rebase

    hr = make_user("hr@example.nhs.uk", hr=True)
    old = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan = plans.create_plan(leader=make_user("l@example.nhs.uk"), sponsor=make_user("s@example.nhs.uk"),
                             version=old, start=date(2026, 9, 7), months=3)
    db.session.commit()
    walk = next(m for m in plan.milestones if m.key == "governance-walkthrough")
    # Week 5 (day 32) in 3 months of a 26-week playbook: day 16, Wednesday 23 September.
    assert walk.due_date == date(2026, 9, 23) and walk.not_before_week is None and not walk.on_site
    content = playbooks.content_of(old)
    changed = next(m for m in content.milestones if m["key"] == "governance-walkthrough")
    changed |= {"not_before_week": 5, "on_site": True, "delegable": True}
    new, created = playbooks.publish(content)
    assert created
    rebase.apply(plan, new, hr)
    db.session.commit()
    # Week 5 of the plan starts on Monday 5 October.
    assert (walk.not_before_week, walk.on_site, walk.delegable, walk.due_date) == (5, True, True, date(2026, 10, 5))


def test_resuming_moves_an_on_site_milestone_on_to_a_day_on_site(loaded):
    hr = make_user("hr@example.nhs.uk", hr=True)
    plan = plans.create_plan(leader=make_user("l@example.nhs.uk"), sponsor=make_user("s@example.nhs.uk"),
                             version=playbooks.get_playbook("compressed-13-weeks").latest, start=date(2026, 9, 7),
                             months=3, on_site_days=("wed",))
    db.session.commit()
    visit = next(m for m in plan.milestones if m.key == "clinician-interviews-and-shadowing")
    # Week 6 of 13 in a 13-week plan: day 39, Friday 16 October; on site the next Wednesday.
    assert plan.on_site_days == "wed" and visit.due_date == date(2026, 10, 21)
    plans.pause(plan, hr, on=date(2026, 9, 14))
    plans.resume(plan, hr, on=date(2026, 9, 16))  # two working days away: Friday 23 October, so Wednesday 28th
    db.session.commit()
    assert visit.due_date == date(2026, 10, 28)
