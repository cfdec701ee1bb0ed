"""Check the JSON bodies the API accepts and turn them into domain arguments.

Free of Flask: the API view passes in the decoded JSON and gets back keyword
arguments for plans.create_plan and friends, or an InputError naming the field.
The plan fields are the CLI's (`onboarding plans create`), so both paths agree.
"""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from . import accounts, planning, playbooks

PLAN_FIELDS = ("leader", "sponsor", "mentor", "playbook", "start", "months", "working_days")
MAX_NOTE = 5000
MAX_LINK = 500
# Keeps date arithmetic (and the bank holiday tables) within sensible years.
EARLIEST_START, LATEST_START = date(2000, 1, 1), date(2099, 12, 31)


class InputError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _storable(value: str) -> bool:
    # PostgreSQL refuses NUL, and lone surrogates cannot be encoded as UTF-8.
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text(data: dict, name: str, *, required: bool = False, max_length: int = MAX_NOTE, label: str | None = None) -> str | None:
    label = label or name.replace("_", " ").capitalize()
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InputError(f"{label} is required", name)
        return None
    if not isinstance(value, str):
        raise InputError(f"{label} must be a string", name)
    if not _storable(value):
        raise InputError(f"{label} contains characters that cannot be stored", name)
    if len(value) > max_length:
        raise InputError(f"{label} must be {max_length} characters or fewer", name)
    if required and not value.strip():
        raise InputError(f"{label} is required", name)
    return value


def a_date(data: dict, name: str, *, required: bool = False) -> date | None:
    value = text(data, name, required=required, max_length=10)
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} {value!r} is not a date in the form YYYY-MM-DD", name) from None


def _user(data: dict, role: str, required: bool):
    email = text(data, role, required=required, max_length=254, label=f"The {role}'s email")
    if email is None:
        return None
    user = accounts.find_user(email)
    if user is None:
        raise InputError(f"no user with email {email!r}", role)
    if not user.active:
        raise InputError(f"{user.email} is deactivated", role)
    return user


def plan_arguments(data: Any) -> dict:
    """The arguments for plans.create_plan (less actor), from a body with the CLI's fields."""
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(data) - set(PLAN_FIELDS))
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; expected {', '.join(PLAN_FIELDS)}", unknown[0])
    months = data.get("months")
    if months is None:
        raise InputError("months is required", "months")
    if isinstance(months, bool) or not isinstance(months, int):
        raise InputError("months must be a whole number", "months")
    if not planning.MIN_MONTHS <= months <= planning.MAX_MONTHS:
        raise InputError(f"months must be between {planning.MIN_MONTHS} and {planning.MAX_MONTHS}, not {months}", "months")
    start = a_date(data, "start", required=True)
    if not EARLIEST_START <= start <= LATEST_START:
        raise InputError(f"start must be between {EARLIEST_START} and {LATEST_START}", "start")
    working_days = data.get("working_days")
    if working_days is not None:
        if isinstance(working_days, list):
            if not all(isinstance(d, str) and _storable(d) for d in working_days):
                raise InputError("working_days must be a list of day names such as mon", "working_days")
        elif not isinstance(working_days, str) or not _storable(working_days):
            raise InputError("working_days must be a list or a comma-separated string of day names", "working_days")
        try:
            working_days = ",".join(planning.parse_working_days(working_days))
        except planning.PlanningError as exc:
            raise InputError(str(exc), "working_days") from None
    people = {role: _user(data, role, role != "mentor") for role in ("leader", "sponsor", "mentor")}
    slug = text(data, "playbook", required=True, max_length=80, label="Playbook")
    playbook = playbooks.get_playbook(slug)
    if playbook is None or playbook.latest is None:
        raise InputError(f"no playbook with slug {slug!r}", "playbook")
    return {
        "leader": people["leader"],
        "sponsor": people["sponsor"],
        "mentor": people["mentor"],
        "version": playbook.latest,
        "start": start,
        "months": months,
        "working_days": working_days,
    }


def evidence(data: Any) -> tuple[str, str]:
    """(note, link) for completing a milestone; both optional."""
    if data is None:
        return "", ""
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    note = text(data, "evidence_note", label="Evidence note") or ""
    link = text(data, "evidence_link", max_length=MAX_LINK, label="Evidence link") or ""
    if link:
        parts = urlsplit(link.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError("Evidence link must be a web address starting with http:// or https://", "evidence_link")
    return note, link


def checkin_fields(data: Any) -> dict:
    """Keyword arguments for checkins.CheckInInput; the domain module checks the rules."""
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return {
        "held_on": a_date(data, "held_on", required=True),
        "rag": text(data, "rag", required=True, max_length=5, label="RAG"),
        "summary": text(data, "summary", required=True, label="Summary"),
        "private_note": text(data, "private_note", label="Private note") or "",
        "actions": text(data, "actions") or "",
        "next_checkin_on": a_date(data, "next_checkin_on"),
    }
