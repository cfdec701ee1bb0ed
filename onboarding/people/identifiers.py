"""Employee identifiers on users and plans: an optional ESR assignment number and a free
"external id" (an HR system's own key), each unique where given. No Flask request in here;
callers commit.

An ESR assignment number is the Electronic Staff Record's employee number, 8 digits, with a
suffix "-N" (one or two digits) for a person's second and later assignments: "10949595" or
"10949595-4". Empty means none (stored as NULL, which any number of rows may share).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Plan, User
from . import audit

ESR_FORM = re.compile(r"[0-9]{8}(-[0-9]{1,2})?")
ESR_MAX = 11
EXTERNAL_MAX = 64
ESR_HINT = "8 digits, with -N for a second or later assignment, for example 10949595 or 10949595-2"
EXTERNAL_HINT = f"Your HR system's own reference, up to {EXTERNAL_MAX} characters"
FIELDS = ("esr_number", "external_id")
LABELS = {"esr_number": "ESR assignment number", "external_id": "External id"}
KINDS = {User: "user", Plan: "plan"}


class IdentifierError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Identifiers:
    esr_number: str | None = None
    external_id: str | None = None


def _esr(value: str | None) -> str | None:
    value = (value or "").strip().replace(" ", "")
    if not value:
        return None
    if not ESR_FORM.fullmatch(value):
        raise IdentifierError(f"Enter the ESR assignment number as {ESR_HINT}", "esr_number")
    return value


def _external(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > EXTERNAL_MAX:
        raise IdentifierError(f"External id must be {EXTERNAL_MAX} characters or fewer", "external_id")
    if not value.isprintable():
        raise IdentifierError("External id must not contain control characters such as tabs or line breaks",
                              "external_id")
    return value


def check(model: type[User] | type[Plan], own_id: int | None, esr_number: str | None,
          external_id: str | None) -> Identifiers:
    """The identifiers cleaned (empty is None), or IdentifierError naming the field: a bad form,
    or one another user (or plan) already has."""
    ids = Identifiers(_esr(esr_number), _external(external_id))
    kind = KINDS[model]
    for name in FIELDS:
        value = getattr(ids, name)
        if value is None:
            continue
        taken = sa.select(model.id).where(getattr(model, name) == value)
        if own_id is not None:
            taken = taken.where(model.id != own_id)
        if db.session.scalar(taken.limit(1)) is not None:
            raise IdentifierError(f"{LABELS[name]} {value} is already used by another {kind}", name)
    return ids


def apply(obj: User | Plan, ids: Identifiers, actor: User | None, remote_addr: str | None = None) -> bool:
    """Write checked identifiers to ``obj`` and audit the change; False when nothing changed.
    A value another request stored a moment ago is refused by the unique key: IdentifierError."""
    before = {name: getattr(obj, name) for name in FIELDS}
    after = {name: getattr(ids, name) for name in FIELDS}
    if before == after:
        return False
    try:
        with db.session.begin_nested():
            for name, value in after.items():
                setattr(obj, name, value)
            db.session.flush()
    except IntegrityError:
        for name, value in before.items():
            setattr(obj, name, value)
        field = next(name for name in FIELDS if after[name] != before[name])
        raise IdentifierError(f"{LABELS[field]} {after[field]} is already used by another {KINDS[type(obj)]}",
                              field) from None
    audit.record(actor, f"{KINDS[type(obj)]}.identifiers", obj, remote_addr, before=before, after=after)
    return True


def update(obj: User | Plan, esr_number: str | None, external_id: str | None, actor: User | None,
           remote_addr: str | None = None) -> bool:
    """Check, then write: the one call of HR's pages and the API."""
    return apply(obj, check(type(obj), obj.id, esr_number, external_id), actor, remote_addr)


def as_dict(obj: User | Plan) -> dict:
    return {name: getattr(obj, name) for name in FIELDS}
