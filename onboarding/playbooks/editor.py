"""Changes to a playbook's content (milestones, phases, details) and publishing it.

The functions here change a PlaybookContent in memory; ``drafts`` keeps one between
requests, so HR makes many edits and publishes once. Publishing goes through the same
validator as the command line (the content is written out as YAML and parsed back), so a
playbook made in the browser is one the CLI would accept. Versions are immutable:
publishing makes version N+1 and plans already on version N do not change. Callers commit.
"""
from __future__ import annotations

import copy

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import playbooks
from ..extensions import db
from ..models import Plan, Playbook
from ..people import audit
from . import PlaybookContent, PlaybookError, Problem
from .content import milestone_content

MAX_UPLOAD_BYTES = 200 * 1024


class EditorError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def draft(version) -> PlaybookContent:
    """A copy of ``version``'s content that may be changed freely."""
    return copy.deepcopy(playbooks.content_of(version))


def _index(content: PlaybookContent, key: str) -> int:
    for i, m in enumerate(content.milestones):
        if m["key"] == key:
            return i
    raise EditorError(f"there is no milestone '{key}' in this playbook", "key")


def _insert_in_week_order(content: PlaybookContent, milestone: dict) -> None:
    # After the last milestone of the same or an earlier week: the validator wants week order.
    at = 0
    for i, m in enumerate(content.milestones):
        if m["week"] <= milestone["week"]:
            at = i + 1
    content.milestones.insert(at, milestone)


def add_milestone(content: PlaybookContent, data: dict) -> None:
    if any(m["key"] == data["key"] for m in content.milestones):
        raise EditorError(f"a milestone with the key '{data['key']}' already exists", "key")
    _insert_in_week_order(content, milestone_content(data))


def edit_milestone(content: PlaybookContent, key: str, data: dict) -> None:
    """Change everything but the key (keys stay stable so plans can follow)."""
    i = _index(content, key)
    old = content.milestones[i]
    # The form has no sources: a milestone keeps the ones it has (a file upload changes them).
    new = milestone_content({"sources": old.get("sources")} | data | {"key": key})
    if new["week"] == old["week"]:
        content.milestones[i] = new
    else:
        del content.milestones[i]
        _insert_in_week_order(content, new)


def remove_milestone(content: PlaybookContent, key: str) -> None:
    del content.milestones[_index(content, key)]


def move(content: PlaybookContent, key: str, direction: str) -> None:
    """Swap a milestone with its neighbour; only within the same week, to keep week order."""
    if direction not in ("up", "down"):
        raise EditorError("move a milestone up or down", "direction")
    i = _index(content, key)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(content.milestones):
        raise EditorError(f"'{content.milestones[i]['title']}' is already {'first' if j < 0 else 'last'}", "direction")
    a, b = content.milestones[i], content.milestones[j]
    if a["week"] != b["week"]:
        raise EditorError(
            f"'{a['title']}' is in week {a['week']} and '{b['title']}' in week {b['week']}: "
            "milestones stay in week order, so change the week to move it past another week",
            "direction",
        )
    content.milestones[i], content.milestones[j] = b, a


def _phase_index(content: PlaybookContent, key: str) -> int:
    for i, p in enumerate(content.phases):
        if p["key"] == key:
            return i
    raise EditorError(f"there is no phase '{key}' in this playbook", "key")


def add_phase(content: PlaybookContent, key: str, title: str, description: str = "") -> None:
    """A new phase at the end (move it up after)."""
    if any(p["key"] == key for p in content.phases):
        raise EditorError(f"a phase with the key '{key}' already exists", "key")
    content.phases.append({"key": key, "title": title.strip(), "description": (description or "").strip()})


def edit_phase(content: PlaybookContent, key: str, title: str, description: str = "") -> None:
    """Rename a phase; its key stays, so its milestones stay in it."""
    content.phases[_phase_index(content, key)] = {"key": key, "title": title.strip(),
                                                  "description": (description or "").strip()}


def remove_phase(content: PlaybookContent, key: str) -> None:
    """Only an empty phase goes: a milestone is never removed as a side effect."""
    i = _phase_index(content, key)
    used = sum(1 for m in content.milestones if m["phase"] == key)
    if used:
        raise EditorError(f"'{content.phases[i]['title']}' still has {used} milestone{'s' if used != 1 else ''}: "
                          "move them to another phase or remove them first", "key")
    if len(content.phases) == 1:
        raise EditorError("a playbook needs at least one phase", "key")
    del content.phases[i]


def move_phase(content: PlaybookContent, key: str, direction: str) -> None:
    if direction not in ("up", "down"):
        raise EditorError("move a phase up or down", "direction")
    i = _phase_index(content, key)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(content.phases):
        raise EditorError(f"'{content.phases[i]['title']}' is already {'first' if j < 0 else 'last'}", "direction")
    content.phases[i], content.phases[j] = content.phases[j], content.phases[i]


def set_details(content: PlaybookContent, title: str, description: str, weeks: int, nudges: dict) -> None:
    """Title, description, reference length and nudge settings (None or absent: the service's default)."""
    content.title = title.strip()
    content.description = (description or "").strip()
    content.weeks = weeks
    content.nudges = {k: int(v) for k, v in nudges.items() if v is not None}


def validate(content: PlaybookContent) -> tuple[PlaybookContent | None, list[Problem]]:
    """Run the draft through the CLI's validator."""
    return playbooks.parse_text(playbooks.to_yaml(content), f"{content.slug}.yaml")


def publish(content: PlaybookContent, user, remote_addr=None, action: str = "playbook.publish"):
    """Validate then store ``content`` as a new version. Raises PlaybookError on any
    problem. Returns (version, created); unchanged content creates nothing."""
    checked, problems = validate(content)
    if problems:
        raise PlaybookError(problems)
    version, created = playbooks.publish(checked, user)
    if created:
        audit.record(user, action, version.playbook, remote_addr, slug=checked.slug, version=version.number)
    return version, created


def read_upload(data: bytes, filename: str) -> PlaybookContent:
    """An uploaded YAML file's content, checked by the same validator as the command line.
    Raises PlaybookError with FILE:LINE problems."""
    name = filename or "upload.yaml"
    if len(data) > MAX_UPLOAD_BYTES:
        raise PlaybookError([Problem(name, 1, f"the file is larger than {MAX_UPLOAD_BYTES // 1024} KB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PlaybookError([Problem(name, 1, "the file is not UTF-8 text")]) from None
    content, problems = playbooks.parse_text(text, name)
    if problems:
        raise PlaybookError(problems)
    return content


def upload(data: bytes, filename: str, user, remote_addr=None):
    """Validate an uploaded YAML file and store it as the next version of its playbook
    (or a new playbook). Raises PlaybookError with FILE:LINE problems."""
    name = filename or "upload.yaml"
    content = read_upload(data, name)
    version, created = playbooks.publish(content, user)
    if created:
        audit.record(user, "playbook.upload", version.playbook, remote_addr, slug=content.slug, version=version.number, file=name)
    return version, created


def _with_versions() -> list[Playbook]:
    return list(db.session.scalars(sa.select(Playbook).options(selectinload(Playbook.versions)).order_by(Playbook.slug)))


def published() -> list[Playbook]:
    """Every playbook that has a version to start plans on, by slug."""
    return [p for p in _with_versions() if p.latest is not None]


def listing() -> tuple[list[Playbook], dict[int, int]]:
    """Every playbook with its versions, and how many plans follow each version (by id)."""
    items = _with_versions()
    counts = dict(db.session.execute(
        sa.select(Plan.playbook_version_id, sa.func.count(Plan.id)).group_by(Plan.playbook_version_id)).all())
    return items, counts
