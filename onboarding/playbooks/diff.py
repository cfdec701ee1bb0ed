"""What a draft changes against the published version, field by field, worded for HR.

Pure: two PlaybookContents in, a Diff out. Milestones and phases are matched by key (keys
never change), so a renamed milestone is one change, not a removal and an addition.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .content import OPTIONAL_MILESTONE_FIELDS, PlaybookContent

DETAIL_LABELS = {"slug": "Slug", "title": "Title", "description": "Description", "weeks": "Reference length in weeks",
                 "reviewed": "Last reviewed (month)", "next_review_by": "Next review by"}
NUDGE_LABELS = {
    "due_soon_working_days": "Due-soon reminder, working days before",
    "overdue_every_working_days": "Overdue reminder, every so many working days",
    "escalate_after_working_days": "Escalate to the sponsor after so many working days overdue",
    "checkin_cadence_days": "Check-in every so many days",
}
PHASE_LABELS = {"title": "Title", "description": "Description"}
# Known milestone fields in the order a reader expects; any other field is shown by its name.
MILESTONE_LABELS = {
    "title": "Title", "description": "Description", "phase": "Phase", "category": "Category", "owner": "Owner",
    "week": "Week", "pinned": "Keeps its week on a shorter or longer plan", "required": "Required",
    "evidence_prompt": "Evidence prompt", "not_before_week": "Not before week", "not_after_week": "Not after week",
    "on_site": "On a day the leader is on site", "delegable": "An assistant may complete it for the leader",
    "sources": "Where this comes from",
}


@dataclass
class Change:
    """One field: its label, and the old and new values as text."""

    label: str
    old: str
    new: str


@dataclass
class ItemChanges:
    key: str
    title: str
    changes: list[Change]


@dataclass
class Diff:
    details: list[Change] = field(default_factory=list)
    phases_added: list[dict] = field(default_factory=list)
    phases_removed: list[dict] = field(default_factory=list)
    phases_changed: list[ItemChanges] = field(default_factory=list)
    phase_order: tuple[list[str], list[str]] | None = None  # (old titles, new titles) when reordered
    milestones_added: list[dict] = field(default_factory=list)
    milestones_removed: list[dict] = field(default_factory=list)
    milestones_changed: list[ItemChanges] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (len(self.details) + len(self.phases_added) + len(self.phases_removed) + len(self.phases_changed)
                + (1 if self.phase_order else 0) + len(self.milestones_added) + len(self.milestones_removed)
                + len(self.milestones_changed))

    def summary(self) -> dict[str, int]:
        """Counts for the audit trail."""
        return {"details": len(self.details), "phases_added": len(self.phases_added),
                "phases_removed": len(self.phases_removed), "phases_changed": len(self.phases_changed),
                "milestones_added": len(self.milestones_added), "milestones_removed": len(self.milestones_removed),
                "milestones_changed": len(self.milestones_changed)}


def _text(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _milestone_value(name: str, value, phase_titles: dict[str, str]) -> str:
    if name == "phase":
        return phase_titles.get(value, value)
    if name == "category" and isinstance(value, str):
        return value.replace("_", " ").capitalize()
    if name == "owner" and isinstance(value, str):
        return "HR" if value == "hr" else value.capitalize()
    if name == "sources" and isinstance(value, list):
        return "; ".join(f"{s.get('title')}, {s.get('publisher')}, {s.get('date')} ({s.get('url')})" for s in value) or "(none)"
    return _text(value)


def _details(old: PlaybookContent, new: PlaybookContent) -> list[Change]:
    changes = [Change(label, _text(getattr(old, name)), _text(getattr(new, name)))
               for name, label in DETAIL_LABELS.items() if getattr(old, name) != getattr(new, name)]
    for name in sorted(set(old.nudges) | set(new.nudges), key=lambda k: list(NUDGE_LABELS).index(k) if k in NUDGE_LABELS else 99):
        before, after = old.nudges.get(name), new.nudges.get(name)
        if before != after:
            default = "the service's default"
            changes.append(Change(NUDGE_LABELS.get(name, name), default if before is None else str(before),
                                  default if after is None else str(after)))
    return changes


def _phases(old: PlaybookContent, new: PlaybookContent, diff: Diff) -> None:
    before = {p["key"]: p for p in old.phases}
    after = {p["key"]: p for p in new.phases}
    diff.phases_added = [p for p in new.phases if p["key"] not in before]
    diff.phases_removed = [p for p in old.phases if p["key"] not in after]
    for p in new.phases:
        if p["key"] in before:
            changes = [Change(label, _text(before[p["key"]].get(name)), _text(p.get(name)))
                       for name, label in PHASE_LABELS.items() if before[p["key"]].get(name) != p.get(name)]
            if changes:
                diff.phases_changed.append(ItemChanges(p["key"], p["title"], changes))
    kept_old = [p["key"] for p in old.phases if p["key"] in after]
    kept_new = [p["key"] for p in new.phases if p["key"] in before]
    if kept_old != kept_new:
        diff.phase_order = ([p["title"] for p in old.phases], [p["title"] for p in new.phases])


def _moved(old_keys: list[str], new_keys: list[str]) -> set[str]:
    """Keys (in both) whose place among the others changed: those outside the longest
    runs both orders share, so moving one milestone names that one, not every other."""
    common = set(old_keys) & set(new_keys)
    a = [k for k in old_keys if k in common]
    b = [k for k in new_keys if k in common]
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    moved = set()
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            moved.update(b[j1:j2])
    return moved


def _place(milestones: list[dict], key: str) -> str:
    at = next(i for i, m in enumerate(milestones) if m["key"] == key)
    return f"after “{milestones[at - 1]['title']}”" if at else "first"


def _milestones(old: PlaybookContent, new: PlaybookContent, diff: Diff) -> None:
    before = {m["key"]: m for m in old.milestones}
    after = {m["key"]: m for m in new.milestones}
    diff.milestones_added = [m for m in new.milestones if m["key"] not in before]
    diff.milestones_removed = [m for m in old.milestones if m["key"] not in after]
    old_phases = {p["key"]: p["title"] for p in old.phases}
    new_phases = {p["key"]: p["title"] for p in new.phases}
    moved = _moved([m["key"] for m in old.milestones], [m["key"] for m in new.milestones])
    for m in new.milestones:
        was = before.get(m["key"])
        if was is None:
            continue
        names = list(MILESTONE_LABELS) + sorted((set(was) | set(m)) - set(MILESTONE_LABELS) - {"key"})
        # An optional field left out means its default (no floor, not on site).
        before_m, after_m = OPTIONAL_MILESTONE_FIELDS | was, OPTIONAL_MILESTONE_FIELDS | m
        changes = [Change(MILESTONE_LABELS.get(name, name.replace("_", " ").capitalize()),
                          _milestone_value(name, before_m.get(name), old_phases),
                          _milestone_value(name, after_m.get(name), new_phases))
                   for name in names if before_m.get(name) != after_m.get(name)]
        if m["key"] in moved and was.get("week") == m.get("week"):
            changes.append(Change("Order", _place(old.milestones, m["key"]), _place(new.milestones, m["key"])))
        if changes:
            diff.milestones_changed.append(ItemChanges(m["key"], m["title"], changes))


def diff(old: PlaybookContent | None, new: PlaybookContent) -> Diff:
    """What publishing ``new`` changes against ``old`` (None: a new playbook, all of it added)."""
    result = Diff()
    if old is None:
        result.phases_added = list(new.phases)
        result.milestones_added = list(new.milestones)
        return result
    result.details = _details(old, new)
    _phases(old, new, result)
    _milestones(old, new, result)
    return result
