"""Where a playbook's content comes from, and when it was last checked.

A milestone may list its public ``sources:`` (title, publisher, https URL, date); a playbook
records the month it was ``reviewed:`` and who reviews it ``next_review_by:``. The checks here
report FILE:LINE problems as the rest of the format does; ``review_due`` is the one rule for
"not reviewed for 12 months". Pure: no database, no network.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from .content import Problem
from .fields import _check_fields, _cut, _show

SOURCE_FIELDS = {
    "title": (str, True, 300),
    "publisher": (str, True, 200),
    "url": (str, True, 500),
    "date": (object, True, None),  # text, or a date when YAML reads YYYY-MM-DD as one
}
MONTH_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
DAY_RE = re.compile(r"^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
REVIEW_MONTHS = 12  # a playbook not reviewed for this many months is flagged to HR


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a well-formed public link (None: it is): https, a dotted host name,
    no spaces, no user name or password in it."""
    if any(c.isspace() for c in url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url)
        port = parts.port  # noqa: F841 (raises on a port that is not a number)
    except ValueError:
        return "is not a well-formed address"
    if parts.scheme != "https":
        return "must start with https://"
    if not parts.hostname or not HOST_RE.match(parts.hostname) or parts.username or parts.password:
        return "must name a web site, as in https://www.england.nhs.uk/..."
    return None


def _date_text(value) -> str | None:
    """A source's date as YYYY-MM or YYYY-MM-DD text, or None when it is neither."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat() if 2000 <= value.year <= 2099 else None
    if isinstance(value, str) and (MONTH_RE.match(value) or DAY_RE.match(value)):
        try:
            dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
        except ValueError:
            return None
        return value
    return None


def date_words(text: str) -> str:
    """A source's date as people read it: "July 2025" or "3 July 2025" (the text as it is
    when it is neither, which the validator does not let in)."""
    try:
        if MONTH_RE.match(text):
            return dt.date.fromisoformat(text + "-01").strftime("%B %Y")
        when = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{when.day} {when:%B %Y}"


def source_problems(sources, where: str, filename: str, line: int) -> list[Problem]:
    """A milestone's ``sources:``: a list of mappings with every field, a well-formed https
    URL and a date, each URL once in the milestone."""
    if not isinstance(sources, list):
        return []  # _check_fields has said it must be a list
    problems, seen = [], set()
    lines = getattr(sources, "lines", [])
    for i, source in enumerate(sources, 1):
        at = lines[i - 1] if i - 1 < len(lines) else line
        here = f"{where}: source {i}"
        problems += _check_fields(source, SOURCE_FIELDS, here, filename, at)
        if not isinstance(source, dict):
            continue
        kl = source.key_lines
        url = source.get("url")
        if isinstance(url, str) and url.strip():
            wrong = url_problem(url)
            if wrong:
                problems.append(Problem(filename, kl["url"], f"{here}: url '{_cut(url)}' {wrong}"))
            elif url in seen:
                problems.append(Problem(filename, kl["url"], f"{here}: url '{_cut(url)}' is listed twice in this milestone"))
            seen.add(url)
        if source.get("date") is not None and _date_text(source["date"]) is None:
            problems.append(Problem(filename, kl["date"], f"{here}: date must be a month or a day, as 2025-07 or "
                                                          f"2025-07-03, not {_show(source['date'])}"))
    return problems


def review_problems(data: dict, filename: str) -> list[Problem]:
    """The playbook's ``reviewed:`` month (YYYY-MM) and ``next_review_by:``, which go together."""
    problems, kl = [], data.key_lines
    reviewed = data.get("reviewed")
    if reviewed is not None and not (isinstance(reviewed, str) and MONTH_RE.match(reviewed)):
        problems.append(Problem(filename, kl["reviewed"], f"playbook: reviewed must be a month as YYYY-MM, such as 2026-11, "
                                                          f"not {_show(reviewed)}"))
    has_reviewer = isinstance(data.get("next_review_by"), str) and data["next_review_by"].strip()
    if reviewed is not None and not has_reviewer:
        problems.append(Problem(filename, kl["reviewed"], "playbook: say who reviews it next in next_review_by "
                                                          "(a role or a person), alongside reviewed"))
    if has_reviewer and reviewed is None:
        problems.append(Problem(filename, kl["next_review_by"], "playbook: next_review_by needs reviewed, the month "
                                                                "of the last review (YYYY-MM)"))
    return problems


def review_due(reviewed: str | None, today: dt.date) -> bool:
    """True when a playbook has no review recorded or its last was REVIEW_MONTHS or more
    months before ``today``'s month (reviewed 2025-11: due from 1 November 2026)."""
    found = MONTH_RE.match(reviewed or "")
    if not found:
        return True
    months = (today.year * 12 + today.month) - (int(found.group(1)) * 12 + int(found.group(2)))
    return months >= REVIEW_MONTHS


def review_due_on(reviewed: str | None) -> dt.date | None:
    """The first day on which ``review_due`` becomes true (None: no review recorded)."""
    found = MONTH_RE.match(reviewed or "")
    if not found:
        return None
    return dt.date(int(found.group(1)) + REVIEW_MONTHS // 12, int(found.group(2)), 1)
