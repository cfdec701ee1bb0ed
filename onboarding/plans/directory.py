"""HR's who's who: the people every new leader should know (Chair, Caldicott Guardian, SIRO...).

HR lists, adds, changes, removes and reorders the entries. A new plan's stakeholder map starts
with a copy of them (``copy_to_map``, called by ``plan_start.start``), unscored for the leader
to score; the copy is the plan's own, so editing the who's who never changes an existing map.
The clinician interview page suggests the clinical entries not interviewed yet. Callers commit.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db
from ..models import DirectoryEntry, Plan, Stakeholder, get_by_id
from ..people import audit

NAME_MAX = 120
EMAIL_MAX = 254
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# (role, organisation, clinical): what HR is offered when the who's who is empty. Roles only:
# HR fills in who holds each one.
SUGGESTED = (
    ("Chair", "", False),
    ("Chief Executive", "", False),
    ("Medical Director", "", True),
    ("Chief Nurse", "", True),
    ("Finance Director", "", False),
    ("Caldicott Guardian", "", False),
    ("Senior Information Risk Owner (SIRO)", "", False),
    ("Data Protection Officer", "", False),
    ("Chief Clinical Information Officer (CCIO)", "", True),
    ("Chief Nursing Information Officer (CNIO)", "", True),
    ("Clinical Safety Officer", "", True),
    ("Freedom to Speak Up Guardian", "", False),
    ("Race equality staff network chair", "", False),
    ("Disability staff network chair", "", False),
    ("LGBTQ+ staff network chair", "", False),
    ("ICB digital lead", "Integrated care board", False),
)


class DirectoryError(ValueError):
    """Input that cannot be stored; ``field`` names the offending value."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def entries() -> list[DirectoryEntry]:
    """The who's who in HR's order."""
    return list(db.session.scalars(sa.select(DirectoryEntry).order_by(DirectoryEntry.position, DirectoryEntry.id)))


def get(entry_id: int) -> DirectoryEntry | None:
    return get_by_id(DirectoryEntry, entry_id)


def _text(values: dict, name: str, limit: int, label: str, required: bool = False) -> str:
    value = values.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise DirectoryError(f"Enter the {label}", name)
    if len(value) > limit:
        raise DirectoryError(f"The {label} must be {limit} characters or fewer", name)
    return value


def clean(values: dict) -> dict:
    """The entry's fields from a form or a dict, checked: a role is required; the name may wait
    until HR knows who holds the role; the email is optional."""
    email = _text(values, "email", EMAIL_MAX, "email address").lower()
    if email and not EMAIL_SHAPE.match(email):
        raise DirectoryError("Enter an email address like name@nhs.net", "email")
    return {
        "role": _text(values, "role", NAME_MAX, "role", required=True),
        "name": _text(values, "name", NAME_MAX, "name"),
        "email": email or None,
        "organisation": _text(values, "organisation", NAME_MAX, "organisation"),
        "clinical": bool(values.get("clinical")),
    }


def _next_position() -> int:
    return (db.session.scalar(sa.select(sa.func.max(DirectoryEntry.position))) or 0) + 1


def add(values: dict, actor, remote_addr: str | None = None) -> DirectoryEntry:
    entry = DirectoryEntry(position=_next_position(), **clean(values))
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "directory.create", entry, remote_addr, role=entry.role, name=entry.name)
    return entry


def update(entry: DirectoryEntry, values: dict, actor, remote_addr: str | None = None) -> DirectoryEntry:
    fields = clean(values)
    changed = sorted(k for k, v in fields.items() if getattr(entry, k) != v)
    for key, value in fields.items():
        setattr(entry, key, value)
    audit.record(actor, "directory.update", entry, remote_addr, role=entry.role, changed=changed)
    return entry


def remove(entry: DirectoryEntry, actor, remote_addr: str | None = None) -> None:
    """Remove an entry. Maps copied from it keep their stakeholder; only the link back goes."""
    db.session.execute(sa.update(Stakeholder).where(Stakeholder.directory_entry_id == entry.id)
                       .values(directory_entry_id=None))
    audit.record(actor, "directory.delete", entry, remote_addr, role=entry.role, name=entry.name)
    db.session.delete(entry)


def move(entry: DirectoryEntry, direction: str, actor, remote_addr: str | None = None) -> bool:
    """Swap the entry with its neighbour above ("up") or below ("down"); False at either end."""
    if direction not in ("up", "down"):
        raise DirectoryError("Move an entry up or down", "direction")
    ordered = entries()
    i = next(n for n, e in enumerate(ordered) if e.id == entry.id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(ordered):
        return False
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, e in enumerate(ordered, start=1):  # renumbered: old rows may share a position
        e.position = position
    audit.record(actor, "directory.move", entry, remote_addr, role=entry.role, direction=direction)
    return True


def add_suggested(actor, remote_addr: str | None = None, names: dict[str, str] | None = None) -> list[DirectoryEntry]:
    """Add each suggested role the who's who does not have yet (``names``: role -> who holds it)."""
    have = {e.role.casefold() for e in entries()}
    added = []
    for role, organisation, clinical in SUGGESTED:
        if role.casefold() not in have:
            added.append(add({"role": role, "organisation": organisation, "clinical": clinical,
                              "name": (names or {}).get(role, "")}, actor, remote_addr))
    return added


def copy_to_map(plan: Plan, actor=None, remote_addr: str | None = None) -> list[Stakeholder]:
    """Start a new plan's stakeholder map with the who's who: a copy of each entry, power and
    interest left unscored for the leader."""
    copied = [Stakeholder(plan=plan, name=e.name, role=e.role, organisation=e.organisation, power=None,
                          interest=None, directory_entry_id=e.id) for e in entries()]
    if copied:
        db.session.add_all(copied)
        db.session.flush()
        audit.record(actor, "stakeholder.from_directory", plan, remote_addr, plan=plan.id, count=len(copied))
    return copied


def _same(a: str | None, b: str | None) -> bool:
    def norm(s):
        return re.sub(r"\s+", " ", s or "").strip().casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def interview_suggestions(plan: Plan) -> list[DirectoryEntry]:
    """The clinical entries nobody on this plan has interviewed yet: an entry with a name is
    interviewed when an interview has that name; one without, when an interview has its role."""
    done = list(plan.interviews)
    return [e for e in entries() if e.clinical and not any(
        _same(e.name, i.name) if e.name else _same(e.role, i.role) for i in done)]
