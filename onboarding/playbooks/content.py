"""What a playbook holds, wherever it came from (a YAML file, the database, the in-app editor),
and the problems found in one."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PlaybookError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class PlaybookContent:
    """A validated playbook, independent of the database."""

    slug: str
    title: str
    description: str
    weeks: int
    phases: list[dict]
    milestones: list[dict]
    nudges: dict = field(default_factory=dict)
    pulses: list | None = None  # the plan weeks of pulse checks; None: DEFAULT_PULSES
    reviewed: str = ""  # the month its content was last checked, YYYY-MM; empty: never recorded
    next_review_by: str = ""  # who checks it next (a role or a person)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "slug": self.slug,
            "title": self.title,
            "description": self.description,
            "weeks": self.weeks,
            "phases": self.phases,
            "milestones": self.milestones,
        }
        if self.nudges:
            data["nudges"] = self.nudges
        # Only when not the default, so playbooks without pulses keep their content hash.
        if self.pulses is not None and list(self.pulses) != DEFAULT_PULSES:
            data["pulses"] = list(self.pulses)
        # Likewise only when set, so playbooks without a review record keep theirs too.
        for name in ("reviewed", "next_review_by"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    @property
    def content_hash(self) -> str:
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# Pulse checks (plans.pulses) at these plan weeks unless a playbook says otherwise; "last" is
# the plan's last week, whatever its length.
DEFAULT_PULSES = [2, 6, 12, "last"]


def pulse_problems(values: list, weeks: int | None) -> list[str | None]:
    """What is wrong with each entry of a playbook's ``pulses:`` list (None: nothing): a whole
    number within the playbook's weeks, or "last", each once."""
    found, seen = [], []
    for value in values:
        if value in seen:
            found.append(f"{str(value)[:20]} is listed twice")
        elif value != "last" and (not isinstance(value, int) or isinstance(value, bool)):
            found.append(f'each entry must be a whole number of weeks or "last", not {str(value)[:40]!r}')
        elif value != "last" and weeks is not None and not 1 <= value <= weeks:
            found.append(f"week {value} is outside the playbook's weeks 1 to {weeks}")
        else:
            found.append(None)
        seen.append(value)
    return found


def stripped(d: dict, key: str) -> str:
    """An optional text field, trimmed; empty when missing."""
    return (d.get(key) or "").strip()


def milestone_content(m: dict) -> dict:
    """A milestone as PlaybookContent holds it, from checked YAML or the editor's form."""
    return {
        "key": m["key"],
        "title": stripped(m, "title"),
        "description": stripped(m, "description"),
        "phase": m["phase"],
        "category": m["category"],
        "owner": m["owner"],
        "week": m["week"],
        "pinned": bool(m.get("pinned", False)),
        "required": bool(m.get("required", True)),
        "evidence_prompt": stripped(m, "evidence_prompt"),
    } | optional_fields(m) | sources_field(m)


SOURCE_FIELDS = ("title", "publisher", "url", "date")


def sources_field(m: dict) -> dict:
    """``{"sources": [...]}`` when the milestone names its public sources, else nothing (so a
    milestone without sources keeps its content hash). Each source holds SOURCE_FIELDS as text."""
    sources = m.get("sources") or []
    if not sources:
        return {}
    return {"sources": [{name: str(s.get(name) or "").strip() for name in SOURCE_FIELDS} for s in sources]}


# Optional milestone fields and their defaults. They appear in the content only when set, so
# playbooks that do not use them keep their content hash (and ``init`` sees them unchanged).
OPTIONAL_MILESTONE_FIELDS = {"not_before_week": None, "not_after_week": None, "on_site": False, "delegable": False}


def optional_fields(m: dict) -> dict:
    """The optional fields ``m`` sets to something other than their default."""
    found = {}
    for name, default in OPTIONAL_MILESTONE_FIELDS.items():
        value = m.get(name, default)
        if value is not None and value != default:
            found[name] = value if default is None else bool(value)
    return found


def to_yaml(content: PlaybookContent) -> str:
    # libyaml's emitter (the same text as PyYAML's own, a third of the time: every draft page
    # validates its draft through this and the parser).
    return yaml.dump(content.as_dict(), Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=100)
