"""Check the JSON bodies the API accepts and turn them into domain arguments.

Free of Flask: the API view passes in the decoded JSON and gets back keyword
arguments for plan_start.check and friends, or an InputError naming the field.
The plan fields are the CLI's (`onboarding plans create`), so both paths agree.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from ..models.storable import is_storable
from ..plans import planning, records

PLAN_FIELDS = ("leader", "sponsor", "mentor", "playbook", "start", "months", "working_days")
EVIDENCE_FIELDS = ("evidence_note", "evidence_link")
CHECKIN_FIELDS = ("held_on", "rag", "summary", "private_note", "actions", "next_checkin_on")
MAX_NOTE = 5000
MAX_LINK = records.LINK_MAX
# Bodies are flat objects with at most a list inside; anything deeper is refused before use.
MAX_JSON_DEPTH = 8
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InputError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class BodyError(ValueError):
    """A body that is not JSON the API can read at all (answered 400, not 422)."""


def decode(raw: bytes) -> Any:
    """The JSON value of a request body. Raises BodyError when it is not valid JSON or is
    nested deeper than MAX_JSON_DEPTH (the decoder would otherwise recurse to a crash)."""
    too_deep = f"The request body is nested more than {MAX_JSON_DEPTH} levels deep"
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BodyError(too_deep) from None
    except ValueError:
        raise BodyError("The request body is not valid JSON") from None
    containers, depth = [data], 0
    while containers := [v for v in containers if isinstance(v, (dict, list))]:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise BodyError(too_deep)
        containers = [child for v in containers for child in (v.values() if isinstance(v, dict) else v)]
    return data


def _object(data: Any, fields: tuple[str, ...]) -> dict:
    """``data`` if it is a JSON object with no field outside ``fields``."""
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        name = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:39] + "…"
        raise InputError(f"unknown field {name!r}; expected {', '.join(fields)}", name)
    return data


def text(data: dict, name: str, *, required: bool = False, max_length: int = MAX_NOTE, label: str | None = None) -> str | None:
    label = label or name.replace("_", " ").capitalize()
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InputError(f"{label} is required", name)
        return None
    if not isinstance(value, str):
        raise InputError(f"{label} must be a string", name)
    if not is_storable(value):
        raise InputError(f"{label} must not contain control characters such as NUL, or lone surrogates", name)
    if len(value) > max_length:
        raise InputError(f"{label} must be {max_length} characters or fewer", name)
    if required and not value.strip():
        raise InputError(f"{label} is required", name)
    return value


def a_date(data: dict, name: str, *, required: bool = False) -> date | None:
    """A YYYY-MM-DD date in the years the service plans in. Only that form: ISO 8601 also
    allows 20261005 or 2026-W41-1, which people reading the API would not expect."""
    value = text(data, name, required=required, max_length=100)
    if value is None:
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} {value[:30]!r} is not a date in the form YYYY-MM-DD", name) from None
    if problem := planning.date_problem(day, name):
        raise InputError(problem, name)
    return day


def plan_arguments(data: Any) -> dict:
    """The arguments for plan_start.check, from a body with the CLI's fields. Only the
    JSON shapes are checked here; plan_start judges the values, as for the page and the CLI."""
    data = _object(data, PLAN_FIELDS)
    months = data.get("months")
    if months is None:
        raise InputError("months is required", "months")
    if isinstance(months, bool) or not isinstance(months, int):
        raise InputError("months must be a whole number", "months")
    start = a_date(data, "start", required=True)
    working_days = data.get("working_days")
    if working_days is not None:
        if isinstance(working_days, list):
            if not all(isinstance(d, str) and is_storable(d) for d in working_days):
                raise InputError("working_days must be a list of day names such as mon", "working_days")
        elif not isinstance(working_days, str) or not is_storable(working_days):
            raise InputError("working_days must be a list or a comma-separated string of day names", "working_days")
    people = {role: text(data, role, required=role != "mentor", max_length=254, label=f"The {role}'s email")
              for role in ("leader", "sponsor", "mentor")}
    playbook = text(data, "playbook", required=True, max_length=80, label="Playbook")
    return people | {"playbook": playbook, "start": start, "months": months, "working_days": working_days}


def evidence(data: Any) -> tuple[str, str]:
    """(note, link) for completing a milestone; both optional."""
    if data is None:
        return "", ""
    data = _object(data, EVIDENCE_FIELDS)
    note = text(data, "evidence_note", label="Evidence note") or ""
    link = text(data, "evidence_link", max_length=MAX_LINK, label="Evidence link") or ""
    if link and not records.is_web_link(link):  # the pages' rule too
        raise InputError("Evidence link must be a web address starting with http:// or https://", "evidence_link")
    return note, link


def checkin_fields(data: Any) -> dict:
    """Keyword arguments for checkins.CheckInInput; the domain module checks the rules."""
    data = _object(data, CHECKIN_FIELDS)
    return {
        "held_on": a_date(data, "held_on", required=True),
        "rag": text(data, "rag", required=True, max_length=5, label="RAG"),
        "summary": text(data, "summary", required=True, label="Summary"),
        "private_note": text(data, "private_note", label="Private note") or "",
        "actions": text(data, "actions") or "",
        "next_checkin_on": a_date(data, "next_checkin_on"),
    }
