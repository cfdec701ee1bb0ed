"""Voluntary equality monitoring: what a person may say about themselves, and the one place it
is kept, changed and deleted.

Every answer is optional and "prefer not to say" is always allowed. The answers are shown to
nobody but their owner (their own account page); the equity report (HR) reads them only as
suppressed group counts. So nothing here goes into the audit trail but the fact of a change
or a deletion, without values. The allowed values live here once: the account form and the
equity report both read them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import EqualityAnswers
from . import audit

PREFER_NOT = "prefer_not_to_say"
PREFER_NOT_LABEL = "Prefer not to say"

def _slug(text: str) -> str:
    """A stored value: the words of its label, lower case, joined by "_"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# The ONS 2021 census ethnic group question for England: 19 categories in 5 groups, in the
# questionnaire's order. (group key, group label, ((value, label), ...)); each value is its label's slug.
_ETHNIC = (
    ("white", "White", ("English, Welsh, Scottish, Northern Irish or British", "Irish", "Gypsy or Irish Traveller",
                        "Roma", "Any other White background")),
    ("mixed", "Mixed or Multiple ethnic groups", ("White and Black Caribbean", "White and Black African",
                                                  "White and Asian", "Any other Mixed or Multiple ethnic background")),
    ("asian", "Asian or Asian British", ("Indian", "Pakistani", "Bangladeshi", "Chinese", "Any other Asian background")),
    ("black", "Black, Black British, Caribbean or African", (
        "Caribbean", "African", "Any other Black, Black British or Caribbean background")),
    ("other", "Other ethnic group", ("Arab", "Any other ethnic group")),
)
ETHNIC_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = tuple(
    (key, label, tuple((_slug(item), item) for item in items)) for key, label, items in _ETHNIC)

# ethnic group value -> its group key (the report can pool the 19 into the 5)
ETHNIC_GROUP_OF: dict[str, str] = {value: key for key, _label, items in ETHNIC_GROUPS for value, _ in items}
ETHNIC_GROUP_LABELS: dict[str, str] = {key: label for key, label, _items in ETHNIC_GROUPS}

SEXES = (("female", "Female"), ("male", "Male"))  # the 2021 census question's wording
DISABILITY = (("yes", "Yes"), ("no", "No"))
SECTORS = (
    ("private", "Private sector"),
    ("public_non_health", "Public sector, not health"),
    ("third_sector", "Third sector (charities, voluntary and community organisations)"),
    ("armed_forces", "Armed forces"),
    ("academia", "Academia"),
    ("nhs", "NHS"),
)
WORKING_PATTERNS = (
    ("full_time", "Full time"),
    ("part_time", "Part time"),
    ("job_share", "Job share"),
    ("compressed_hours", "Compressed hours"),
)


def _with_prefer_not(items) -> tuple[tuple[str, str], ...]:
    return (*items, (PREFER_NOT, PREFER_NOT_LABEL))


# dimension (the EqualityAnswers column) -> (question, ((value, label), ...) including
# "prefer not to say"). The equity report's dimensions, in this order.
DIMENSIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "ethnic_group": ("What is your ethnic group?",
                     _with_prefer_not(item for _k, _l, items in ETHNIC_GROUPS for item in items)),
    "sex": ("What is your sex?", _with_prefer_not(SEXES)),
    "disability": ("Do you consider yourself to have a disability?", _with_prefer_not(DISABILITY)),
    "sector": ("Which sector did you come from?", _with_prefer_not(SECTORS)),
    "working_pattern": ("What is your working pattern?", _with_prefer_not(WORKING_PATTERNS)),
}
ALLOWED: dict[str, frozenset[str]] = {dim: frozenset(v for v, _ in items) for dim, (_q, items) in DIMENSIONS.items()}


def label(dimension: str, value: str | None) -> str | None:
    """The words for a stored value (None when unanswered)."""
    return dict(DIMENSIONS[dimension][1]).get(value) if value else None


class EqualityError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Answers:
    ethnic_group: str | None = None
    sex: str | None = None
    disability: str | None = None
    sector: str | None = None
    working_pattern: str | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, dim) for dim in DIMENSIONS)


def answers_of(user) -> Answers:
    """The user's own answers (all None when they have given none)."""
    row = _row(user)
    return Answers(**{dim: getattr(row, dim) for dim in DIMENSIONS}) if row else Answers()


def _row(user) -> EqualityAnswers | None:
    return db.session.scalar(sa.select(EqualityAnswers).where(EqualityAnswers.user_id == user.id))


def check(values: Mapping[str, str | None]) -> Answers:
    """The answers, each empty or one of the allowed values; EqualityError names the first
    dimension with a value that is not."""
    clean = {}
    for dim in DIMENSIONS:
        value = (values.get(dim) or "").strip() or None
        if value is not None and value not in ALLOWED[dim]:
            raise EqualityError(dim, f"Choose one of the answers to '{DIMENSIONS[dim][0]}'")
        clean[dim] = value
    return Answers(**clean)


def save(user, values: Mapping[str, str | None], remote_addr: str | None = None) -> bool:
    """Keep the user's answers (checked first: nothing half-written); an all-empty form
    deletes the row. The audit trail notes the change, never the values. True when something
    changed. The caller commits."""
    answers = check(values)
    if not answers.any:
        return delete(user, remote_addr)
    row = _row(user)
    if row is not None and answers_of(user) == answers:
        return False
    if row is None:
        row = EqualityAnswers(user_id=user.id)
        db.session.add(row)
    for dim in DIMENSIONS:
        setattr(row, dim, getattr(answers, dim))
    audit.record(user, "equality.change", user, remote_addr)
    return True


def delete(user, remote_addr: str | None = None) -> bool:
    """Delete the user's answers for real (the row goes). True when there were any."""
    deleted = db.session.execute(sa.delete(EqualityAnswers).where(EqualityAnswers.user_id == user.id)).rowcount
    if deleted:
        audit.record(user, "equality.delete", user, remote_addr)
    return bool(deleted)
