"""Move a plan to a newer version of its playbook, explicitly and with a preview.

A plan never changes when its playbook is edited; HR re-applies a newer version
here. Matching is by milestone key: done milestones stay exactly as
they are with their evidence; new keys are added with dates laid out over the
plan; open milestones whose key has gone are removed; open ones still present
take the new wording, and a new date only when their place in the playbook
(week or pinning) changed, so dates moved by a pause are not undone.

Tailoring (tailoring.py) survives: a not-applicable milestone keeps its mark and reason
(and the new wording), one gone from the new version is kept like a done one; milestones
added to the plan stay where they were; a hand-set due date or owner is never replaced.
Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import plans
from ..models import Milestone, Plan, PlaybookVersion, User
from ..people import audit
from . import PlanError, planning


@dataclass
class Change:
    key: str
    title: str
    old_title: str | None = None
    old_due: date | None = None
    new_due: date | None = None


@dataclass
class Diff:
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    retitled: list[Change] = field(default_factory=list)
    redated: list[Change] = field(default_factory=list)
    reworded: list[Change] = field(default_factory=list)  # description, prompt, owner or phase
    kept_done: list[Change] = field(default_factory=list)  # done here, gone from the new version
    kept_tailored: list[Change] = field(default_factory=list)  # added to the plan, or not applicable and gone

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retitled or self.redated or self.reworded)


def check(plan: Plan, version: PlaybookVersion) -> None:
    current = plan.playbook_version
    if version.playbook_id != current.playbook_id:
        raise PlanError("a plan can only move to a version of its own playbook", "version")
    if version.number <= current.number:
        raise PlanError(f"version {version.number} is not newer than the plan's version {current.number}", "version")
    if not plan.is_open:
        raise PlanError(f"a {plan.status} plan cannot change playbook version", "status")


def _layout(plan: Plan, version: PlaybookVersion) -> dict[str, date]:
    templates = version.templates
    dates = planning.lay_out(
        [planning.Slot.of(t) for t in templates],
        version.weeks,
        plan.start_date,
        plan.end_date,
        plan.working_day_list,
        plans.on_site_day_list(plan),
    )
    return {t.key: d for t, d in zip(templates, dates)}


_WORDING = ("description", "phase", "category", "owner", "required", "evidence_prompt")


def _follows_playbook(m: Milestone) -> bool:
    """Still to do or not applicable: takes the new version's wording (done ones keep theirs)."""
    return not m.is_done


def _wording(m: Milestone) -> tuple[str, ...]:
    return tuple(a for a in _WORDING if not (a == "owner" and m.owner_tailored))


# Where a milestone falls: its week, pinning, timing floor and ceiling, and being on site.
_PLACE = ("week", "pinned", "not_before_week", "not_after_week", "on_site")


def _redated(m: Milestone, t) -> bool:
    """A new place in the playbook moves the date, unless the date was set by hand."""
    return any(getattr(m, a) != getattr(t, a) for a in _PLACE) and not m.due_tailored


def _kept(m: Milestone, templates) -> bool:
    """Stays although its key is not in the new version: done, added, or not applicable."""
    return m.key not in templates and (not m.is_open or m.added)


def diff(plan: Plan, version: PlaybookVersion) -> Diff:
    """What moving ``plan`` to ``version`` would change, without writing anything."""
    check(plan, version)
    laid_out = _layout(plan, version)
    templates = {t.key: t for t in version.templates}
    existing = {m.key: m for m in plan.milestones}
    result = Diff()
    for t in version.templates:
        m = existing.get(t.key)
        if m is None:
            result.added.append(Change(t.key, t.title, new_due=laid_out[t.key]))
        elif _follows_playbook(m):
            if m.title != t.title:
                result.retitled.append(Change(t.key, t.title, old_title=m.title))
            if _redated(m, t) and laid_out[t.key] != m.due_date:
                result.redated.append(Change(t.key, t.title, old_due=m.due_date, new_due=laid_out[t.key]))
            if any(getattr(m, a) != getattr(t, a) for a in _wording(m)):
                result.reworded.append(Change(t.key, t.title))
    for m in plan.milestones:
        if m.key not in templates:
            kept = result.kept_done if m.is_done else result.kept_tailored if _kept(m, templates) else result.removed
            kept.append(Change(m.key, m.title, old_due=m.due_date))
    return result


def apply(plan: Plan, version: PlaybookVersion, user: User | None, remote_addr: str | None = None) -> Diff:
    """Move ``plan`` to ``version``; returns the changes made."""
    changes = diff(plan, version)
    laid_out = _layout(plan, version)
    existing = {m.key: m for m in plan.milestones}
    templates = {t.key: t for t in version.templates}

    # Done, added and not-applicable milestones that are not in the new version keep their
    # place after the milestone they used to follow.
    old_order = [m.key for m in plan.milestones]
    orphans_after: dict[str | None, list[Milestone]] = {}
    for i, m in enumerate(plan.milestones):
        if _kept(m, templates):
            before = next((k for k in reversed(old_order[:i]) if k in templates), None)
            orphans_after.setdefault(before, []).append(m)

    for m in list(plan.milestones):
        if m.key not in templates and not _kept(m, templates):
            plan.milestones.remove(m)  # delete-orphan cascade removes the row

    ordered: list[Milestone] = list(orphans_after.get(None, []))
    for t in version.templates:
        m = existing.get(t.key)
        if m is None:
            m = plans.milestone_from(t, version, laid_out[t.key])
            plan.milestones.append(m)
        elif _follows_playbook(m):
            if _redated(m, t):
                m.due_date = laid_out[t.key]
            m.title = t.title
            m.phase_title = version.phase_title(t.phase)
            for attr in (*_PLACE, "delegable"):
                setattr(m, attr, getattr(t, attr))
            for attr in _wording(m):
                setattr(m, attr, getattr(t, attr))
        ordered.append(m)
        ordered.extend(orphans_after.get(t.key, []))
    for position, m in enumerate(ordered):
        m.position = position

    old = plan.playbook_version.number
    plan.playbook_version = version
    audit.record(
        user, "plan.rebase", plan, remote_addr,
        version_from=old, version_to=version.number,
        added=[c.key for c in changes.added], removed=[c.key for c in changes.removed],
        retitled=[c.key for c in changes.retitled], redated=[c.key for c in changes.redated],
    )
    return changes


def newer_versions(plan: Plan) -> list[PlaybookVersion]:
    current = plan.playbook_version
    return [v for v in current.playbook.versions if v.number > current.number]
