"""Playbook files: validation with FILE:LINE messages, all-or-nothing loading,
versioning, and export that loads back to the same content."""
import shutil
from datetime import date
from pathlib import Path

import pytest

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import Milestone, Playbook, PlaybookVersion

from .conftest import ROOT, make_user

GOOD = ROOT / "playbooks" / "compressed-13-weeks.yaml"

BROKEN = """\
slug: broken
title: A broken playbook
weeks: 13
colour: blue
phases:
  - key: orientate
    title: Orientate
milestones:
  - key: first
    title: First
    phase: orientate
    category: stakeholder_mapping
    owner: leader
    week: 1
  - key: first
    title: Duplicate key
    phase: orientate
    category: gardening
    owner: chauffeur
    week: 2
  - key: third
    phase: orientate
    category: goal_alignment
    owner: leader
    week: 30
  - key: fourth
    title: Fourth
    phase: orientate
    category: goal_alignment
    owner: leader
    week: "soon"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_default_playbook_is_valid():
    contents, problems = playbooks.parse_files(playbooks.default_paths(ROOT / "playbooks"))
    assert problems == []
    assert len(contents) == 4


def test_a_broken_file_names_file_line_and_field(tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)
    _, problems = playbooks.parse_file(path)
    lines = [str(p) for p in problems]
    assert (f"{path}:4: playbook: unknown field 'colour' (allowed: slug, title, description, weeks, phases, milestones, nudges, pulses, reviewed, "
            "next_review_by)" in lines)
    assert any(line.startswith(f"{path}:15: ") and "duplicate milestone key 'first'" in line for line in lines)
    assert any(line.startswith(f"{path}:18: ") and "unknown category 'gardening'" in line for line in lines)
    assert any(line.startswith(f"{path}:19: ") and "unknown owner role 'chauffeur'" in line for line in lines)
    assert any(line.startswith(f"{path}:21: ") and "missing field 'title'" in line for line in lines)
    assert any(line.startswith(f"{path}:25: ") and "week 30 is outside the playbook's range -8 to 13" in line for line in lines)
    assert any(line.startswith(f"{path}:31: ") and "field 'week' must be a whole number, not 'soon'" in line for line in lines)


def test_malformed_yaml_and_wrong_slug(tmp_path):
    bad = write(tmp_path, "bad.yaml", "slug: bad\ntitle: [unclosed\n")
    _, problems = playbooks.parse_file(bad)
    assert len(problems) == 1 and "malformed YAML" in problems[0].message and problems[0].line >= 2
    renamed = write(tmp_path, "other-name.yaml", GOOD.read_text())
    _, problems = playbooks.parse_file(renamed)
    assert [p.message for p in problems] == ["playbook: slug 'compressed-13-weeks' must equal the file name 'other-name'"]
    assert problems[0].line == 1


def test_validate_command_exits_one_and_lists_each_problem(runner, tmp_path):
    broken = write(tmp_path, "broken.yaml", BROKEN)
    result = runner.invoke(args=["playbooks", "validate", str(GOOD), str(broken)])
    assert result.exit_code == 1
    printed = result.output.strip().splitlines()
    assert len(printed) == 7 and all(line.startswith(f"{broken}:") for line in printed)
    ok = runner.invoke(args=["playbooks", "validate", str(GOOD)])
    assert ok.exit_code == 0, ok.output


def test_load_with_one_broken_file_changes_nothing(runner, ctx, tmp_path):
    shutil.copy(GOOD, tmp_path / GOOD.name)
    broken = write(tmp_path, "broken.yaml", BROKEN)
    result = runner.invoke(args=["playbooks", "load", str(tmp_path / GOOD.name), str(broken)])
    assert result.exit_code != 0
    assert "no playbook was loaded" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Playbook)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(PlaybookVersion)) == 0


def test_loading_again_is_idempotent_and_an_edit_makes_a_new_version(runner, ctx, tmp_path):
    path = tmp_path / GOOD.name
    shutil.copy(GOOD, path)
    assert "loaded as version 1" in runner.invoke(args=["playbooks", "load", str(path)]).output
    assert "unchanged at version 1" in runner.invoke(args=["playbooks", "load", str(path)]).output
    path.write_text(path.read_text().replace("Hold the expectations conversation", "Hold the first expectations conversation", 1))
    assert "loaded as version 2" in runner.invoke(args=["playbooks", "load", str(path)]).output
    assert [v.number for v in playbooks.get_playbook("compressed-13-weeks").versions] == [1, 2]


def test_an_edited_playbook_leaves_existing_plans_alone(loaded, tmp_path):
    leader, sponsor = make_user("l@example.nhs.uk"), make_user("s@example.nhs.uk")
    version = playbooks.get_playbook("cdio-cio-26-weeks").latest
    plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=6)
    db.session.commit()
    before = [(m.key, m.title, m.due_date) for m in plan.milestones]

    edited = tmp_path / "cdio-cio-26-weeks.yaml"
    text = (ROOT / "playbooks" / "cdio-cio-26-weeks.yaml").read_text()
    content, _ = playbooks.parse_text(text, str(edited))
    content.milestones = content.milestones[:-3]  # three fewer milestones
    content.milestones[0]["title"] = "A retitled first milestone"
    content.weeks = 20
    for m in content.milestones:
        m["week"] = min(m["week"], 20)
    edited.write_text(playbooks.to_yaml(content))
    assert [r[:3] for r in playbooks.load([edited])] == [("cdio-cio-26-weeks", 2, True)]

    db.session.expire_all()
    after = [(m.key, m.title, m.due_date) for m in db.session.scalars(
        db.select(Milestone).filter_by(plan_id=plan.id).order_by(Milestone.position))]
    assert after == before
    assert plan.playbook_version.number == 1


def test_export_loads_back_to_the_same_content(runner, loaded, tmp_path):
    result = runner.invoke(args=["playbooks", "export", "director-data-analytics-16-weeks"])
    assert result.exit_code == 0
    path = write(tmp_path, "director-data-analytics-16-weeks.yaml", result.output)
    exported, problems = playbooks.parse_file(path)
    original, _ = playbooks.parse_file(ROOT / "playbooks" / "director-data-analytics-16-weeks.yaml")
    assert problems == []
    assert exported.as_dict() == original.as_dict()
    assert [r[:3] for r in playbooks.load([path])] == [("director-data-analytics-16-weeks", 1, False)]


def test_export_of_an_unknown_slug_fails(runner, loaded):
    result = runner.invoke(args=["playbooks", "export", "nope"])
    assert result.exit_code != 0 and "no playbook with slug 'nope'" in result.output


@pytest.mark.parametrize("nudges, message", [
    ("  due_soon_working_days: 0\n", "must be a whole number from 1 to 90"),
    ("  hourly: 3\n", "nudges: unknown field 'hourly'"),
])
def test_nudges_block_is_validated(tmp_path, nudges, message):
    text = GOOD.read_text().replace("  due_soon_working_days: 3\n", nudges)
    path = write(tmp_path, "compressed-13-weeks.yaml", text)
    _, problems = playbooks.parse_file(path)
    assert len(problems) == 1 and message in problems[0].message, problems
    assert problems[0].line == 13
