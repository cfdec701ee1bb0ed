"""Checking the fields of one YAML mapping, and wording values in messages: shared by the
playbook format (``parsing``) and its sources and review record (``sources``)."""
from __future__ import annotations

import reprlib
from typing import Any

from .content import Problem

TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 40, 40


def _cut(text: Any, limit: int = 60) -> str:
    """Text as it may appear in a message: cut short, so an error never echoes a huge value."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    """A value's repr for a message, built and cut short without expanding all of it."""
    return _cut(_SHORT.repr(value))


def _is_type(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _check_fields(data: Any, fields: dict, where: str, filename: str, line: int) -> list[Problem]:
    """Unknown keys, missing fields, wrong types and overlong text of one mapping."""
    if not isinstance(data, dict):
        return [Problem(filename, line, f"{where} must be a mapping of fields")]
    problems = []
    lines = getattr(data, "key_lines", {})
    for key in data:
        if key not in fields:
            allowed = ", ".join(fields)
            problems.append(Problem(filename, lines.get(key, line), f"{where}: unknown field '{_cut(key)}' (allowed: {allowed})"))
    for name, (kind, required, max_len) in fields.items():
        if name not in data or data[name] is None:
            if required:
                problems.append(Problem(filename, getattr(data, "line", line), f"{where}: missing field '{name}'"))
            continue
        value, at = data[name], lines.get(name, line)
        if not _is_type(value, kind):
            problems.append(Problem(filename, at, f"{where}: field '{name}' must be {TYPE_NAMES[kind]}, not {_show(value)}"))
        elif kind is str and (not value.strip() and required):
            problems.append(Problem(filename, at, f"{where}: field '{name}' must not be empty"))
        elif kind is str and max_len and len(value) > max_len:
            problems.append(Problem(filename, at, f"{where}: field '{name}' is longer than {max_len} characters"))
    return problems
