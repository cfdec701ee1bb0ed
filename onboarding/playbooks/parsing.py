"""The playbook format: YAML parsed with line numbers and validated.

Every problem is reported as ``FILE:LINE: message``. No database in here: loading and
versions are in ``playbooks``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..models import CATEGORIES, OWNER_ROLES
from .acronyms import playbook_problems as abbreviation_problems
from .content import DEFAULT_PULSES, PlaybookContent, Problem, milestone_content, pulse_problems, stripped
from .fields import _check_fields, _cut, _is_type, _show
from .reference import check_file as check_reference
from .reference import is_reference
from .sources import MONTH_RE, review_problems, source_problems
from .yaml_lines import Unreadable, read_yaml

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MIN_WEEK = -8
MAX_WEEKS = 52
NUDGE_KEYS = (
    "due_soon_working_days",
    "overdue_every_working_days",
    "escalate_after_working_days",
    "checkin_cadence_days",
)

# field -> (type, required, max length for strings)
TOP_FIELDS = {
    "slug": (str, True, 80),
    "title": (str, True, 200),
    "description": (str, False, 5000),
    "weeks": (int, True, None),
    "phases": (list, True, None),
    "milestones": (list, True, None),
    "nudges": (dict, False, None),
    "pulses": (list, False, None),
    "reviewed": (object, False, None),  # YYYY-MM, checked by sources.review_problems
    "next_review_by": (str, False, 200),
}
PHASE_FIELDS = {
    "key": (str, True, 80),
    "title": (str, True, 200),
    "description": (str, False, 2000),
}
MILESTONE_FIELDS = {
    "key": (str, True, 80),
    "title": (str, True, 200),
    "description": (str, False, 5000),
    "phase": (str, True, 80),
    "category": (str, True, 40),
    "owner": (str, True, 10),
    "week": (int, True, None),
    "pinned": (bool, False, None),
    "required": (bool, False, None),
    "evidence_prompt": (str, False, 2000),
    "not_before_week": (int, False, None),
    "not_after_week": (int, False, None),
    "on_site": (bool, False, None),
    "delegable": (bool, False, None),
    "sources": (list, False, None),  # checked by sources.source_problems
}
# A file with thousands of mistakes gets the first ones, not a page of megabytes.
MAX_PROBLEMS = 100

def parse_text(text: str, filename: str, expected_slug: str | None = None) -> tuple[PlaybookContent | None, list[Problem]]:
    """Parse and validate one playbook's YAML text."""
    try:
        data, problems = read_yaml(text, filename)
    except Unreadable as exc:
        return None, [exc.problem]
    problems += _check_fields(data, TOP_FIELDS, "playbook", filename, 1)
    if not isinstance(data, dict):
        return None, problems
    weeks, found = _check_header(data, filename, expected_slug)
    problems += found
    phase_keys, found = _check_phases(data, filename)
    problems += found
    problems += _check_milestones(data, filename, weeks, phase_keys)
    problems += _check_nudges(data, filename) + _check_pulses(data, filename, weeks) + review_problems(data, filename)
    problems += abbreviation_problems(data, text, filename)  # every abbreviation in the glossary
    if problems:
        return None, _first_problems(problems, filename)
    return _content(data), []


def read_reference(text: str, filename: str, fields: dict, what: str) -> tuple[dict | None, list[Problem]]:
    """A reference file's mapping (the glossary, the who's who): its top-level fields checked and
    its ``reviewed:`` month; None, with the problems, when it is not a mapping."""
    try:
        data, problems = read_yaml(text, filename)
    except Unreadable as exc:
        return None, [exc.problem]
    problems += _check_fields(data, fields, what, filename, 1)
    if not isinstance(data, dict):
        return None, problems
    if isinstance(data.get("reviewed"), str) and not MONTH_RE.match(data["reviewed"]):
        problems.append(Problem(filename, data.key_lines["reviewed"], f"{what}: reviewed must be a month as YYYY-MM, such as 2026-11"))
    return data, problems


def _check_header(data: dict, filename: str, expected_slug: str | None) -> tuple[int | None, list[Problem]]:
    """The slug and the length in weeks (None when unusable, so weeks are not range-checked)."""
    problems, lines = [], data.key_lines
    slug = data.get("slug")
    if isinstance(slug, str):
        if not KEY_RE.match(slug):
            problems.append(Problem(filename, lines["slug"], f"playbook: slug '{_cut(slug)}' must be lower-case letters, digits and hyphens"))
        elif expected_slug is not None and slug != expected_slug:
            problems.append(Problem(filename, lines["slug"], f"playbook: slug '{_cut(slug)}' must equal the file name '{_cut(expected_slug)}'"))
    weeks = data.get("weeks")
    if _is_type(weeks, int) and not 1 <= weeks <= MAX_WEEKS:
        problems.append(Problem(filename, lines["weeks"], f"playbook: weeks must be between 1 and {MAX_WEEKS}, not {weeks}"))
        weeks = None
    return (weeks if _is_type(weeks, int) else None), problems


def _check_phases(data: dict, filename: str) -> tuple[set[str], list[Problem]]:
    problems, lines, phase_keys = [], data.key_lines, set()
    phases = data.get("phases") if isinstance(data.get("phases"), list) else []
    if isinstance(data.get("phases"), list) and not phases:
        problems.append(Problem(filename, lines["phases"], "playbook: at least one phase is needed"))
    for i, phase in enumerate(phases, 1):
        where = f"phase {i}"
        at = getattr(phase, "line", lines.get("phases", 1))
        problems += _check_fields(phase, PHASE_FIELDS, where, filename, at)
        key = phase.get("key") if isinstance(phase, dict) else None
        if isinstance(key, str):
            if not KEY_RE.match(key):
                problems.append(Problem(filename, phase.key_lines["key"], f"{where}: key '{_cut(key)}' must be lower-case letters, digits and hyphens"))
            elif key in phase_keys:
                problems.append(Problem(filename, phase.key_lines["key"], f"{where}: duplicate phase key '{_cut(key)}'"))
            phase_keys.add(key)
    return phase_keys, problems


def _check_milestones(data: dict, filename: str, weeks: int | None, phase_keys: set[str]) -> list[Problem]:
    problems, lines, milestone_keys = [], data.key_lines, set()
    milestones = data.get("milestones") if isinstance(data.get("milestones"), list) else []
    if isinstance(data.get("milestones"), list) and not milestones:
        problems.append(Problem(filename, lines["milestones"], "playbook: at least one milestone is needed"))
    previous_week = None
    for i, item in enumerate(milestones, 1):
        at = getattr(item, "line", lines.get("milestones", 1))
        key = item.get("key") if isinstance(item, dict) else None
        where = f"milestone '{_cut(key)}'" if isinstance(key, str) else f"milestone {i}"
        problems += _check_fields(item, MILESTONE_FIELDS, where, filename, at)
        if not isinstance(item, dict):
            continue
        if isinstance(key, str):
            if not KEY_RE.match(key):
                problems.append(Problem(filename, item.key_lines["key"], f"{where}: key must be lower-case letters, digits and hyphens"))
            elif key in milestone_keys:
                problems.append(Problem(filename, item.key_lines["key"], f"{where}: duplicate milestone key '{key}'"))
            milestone_keys.add(key)
        problems += _check_milestone_values(item, where, filename, phase_keys)
        problems += _check_timing(item, where, filename, weeks)
        problems += source_problems(item.get("sources"), where, filename, item.key_lines.get("sources", at))
        week = item.get("week")
        if _is_type(week, int):
            line = item.key_lines["week"]
            if weeks is not None and not MIN_WEEK <= week <= weeks:
                problems.append(Problem(filename, line, f"{where}: week {week} is outside the playbook's range {MIN_WEEK} to {weeks}"))
            elif previous_week is not None and week < previous_week:
                problems.append(Problem(filename, line, f"{where}: week {week} comes before the previous milestone's week {previous_week}; list milestones in week order"))
            previous_week = week
    return problems


def _check_milestone_values(item: dict, where: str, filename: str, phase_keys: set[str]) -> list[Problem]:
    """Owner, category and phase name known values."""
    problems, kl = [], item.key_lines
    if isinstance(item.get("owner"), str) and item["owner"] not in OWNER_ROLES:
        problems.append(Problem(filename, kl["owner"], f"{where}: unknown owner role '{_cut(item['owner'])}' (use {', '.join(OWNER_ROLES)})"))
    if isinstance(item.get("category"), str) and item["category"] not in CATEGORIES:
        problems.append(Problem(filename, kl["category"], f"{where}: unknown category '{_cut(item['category'])}' (use {', '.join(CATEGORIES)})"))
    if isinstance(item.get("phase"), str) and phase_keys and item["phase"] not in phase_keys:
        problems.append(Problem(filename, kl["phase"], f"{where}: unknown phase '{_cut(item['phase'])}'"))
    return problems


def _check_timing(item: dict, where: str, filename: str, weeks: int | None) -> list[Problem]:
    """not_before_week and not_after_week: weeks of the plan (1 to the playbook's weeks) that hold a milestone
    back, or bring it forward, when a plan is shorter or longer than the playbook, so the floor is at most its
    own week and the ceiling at least."""
    problems, kl = [], item.key_lines
    week = item.get("week") if _is_type(item.get("week"), int) else None
    limits = {name: item.get(name) for name in ("not_before_week", "not_after_week") if _is_type(item.get(name), int)}
    for name, value in limits.items():
        if weeks is not None and not 1 <= value <= weeks:
            problems.append(Problem(filename, kl[name], f"{where}: {name} {value} is outside the playbook's weeks 1 to {weeks}"))
        elif week is not None and name == "not_before_week" and value > week:
            problems.append(Problem(filename, kl[name], f"{where}: not_before_week {value} is after its own week {week}; "
                                                        "a floor only holds a milestone back in shorter plans"))
        elif week is not None and name == "not_after_week" and value < week:
            problems.append(Problem(filename, kl[name], f"{where}: not_after_week {value} is before its own week {week}; "
                                                        "a ceiling only brings a milestone forward in longer plans"))
    if len(limits) == 2 and limits["not_before_week"] > limits["not_after_week"]:
        problems.append(Problem(filename, kl["not_after_week"], f"{where}: not_after_week {limits['not_after_week']} "
                                                                f"is before not_before_week {limits['not_before_week']}"))
    return problems


def _check_nudges(data: dict, filename: str) -> list[Problem]:
    problems, nudges = [], data.get("nudges")
    if isinstance(nudges, dict):
        for key, value in nudges.items():
            at = nudges.key_lines.get(key, data.key_lines["nudges"])
            if key not in NUDGE_KEYS:
                problems.append(Problem(filename, at, f"nudges: unknown field '{_cut(key)}' (allowed: {', '.join(NUDGE_KEYS)})"))
            elif not _is_type(value, int) or not 1 <= value <= 90:
                problems.append(Problem(filename, at, f"nudges: field '{key}' must be a whole number from 1 to 90, not {_show(value)}"))
    return problems


def _check_pulses(data: dict, filename: str, weeks: int | None) -> list[Problem]:
    pulses = data.get("pulses") if isinstance(data.get("pulses"), list) else []
    lines = getattr(pulses, "lines", [])
    return [Problem(filename, lines[i] if i < len(lines) else data.key_lines["pulses"], f"pulses: {message}")
            for i, message in enumerate(pulse_problems(pulses, weeks)) if message]


def _first_problems(problems: list[Problem], filename: str) -> list[Problem]:
    """In line order, at most MAX_PROBLEMS and a count of the rest."""
    problems = sorted(problems, key=lambda p: p.line)
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem(filename, problems[MAX_PROBLEMS].line, f"and {rest} more problems")]
    return problems


def _content(data: dict) -> PlaybookContent:
    return PlaybookContent(
        slug=data["slug"],
        title=data["title"].strip(),
        description=stripped(data, "description"),
        weeks=data["weeks"],
        phases=[{"key": p["key"], "title": p["title"].strip(), "description": stripped(p, "description")} for p in data["phases"]],
        milestones=[milestone_content(m) for m in data["milestones"]],
        nudges={k: int(v) for k, v in (data.get("nudges") or {}).items()},
        pulses=None if data.get("pulses") in (None, DEFAULT_PULSES) else list(data["pulses"]),
        reviewed=data.get("reviewed") or "",
        next_review_by=stripped(data, "next_review_by"),
    )


def parse_file(path: str | Path) -> tuple[PlaybookContent | None, list[Problem]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), 1, f"cannot read file: {exc}")]
    return parse_text(text, str(path), expected_slug=path.stem)


def parse_files(paths: Iterable[str | Path]) -> tuple[list[PlaybookContent], list[Problem]]:
    contents, problems = [], []
    seen: dict[str, str] = {}
    for path in paths:
        if is_reference(path):  # the glossary or who's who beside the playbooks: their own rules
            problems += check_reference(path)
            continue
        content, found = parse_file(path)
        problems += found
        if content:
            if content.slug in seen:
                problems.append(Problem(str(path), 1, f"playbook: slug '{content.slug}' is also used by {seen[content.slug]}"))
            seen[content.slug] = str(path)
            contents.append(content)
    return contents, problems


def default_paths(directory: str | Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if not is_reference(p))
