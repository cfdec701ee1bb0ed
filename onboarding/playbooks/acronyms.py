"""The abbreviation rule: every abbreviation a playbook (or the who's who) shows a reader is in
the glossary, so it can be expanded where it is first used and looked up at /glossary.

An abbreviation here is a word of capital letters and digits that starts with a letter and has
at least two letters (SIRO, DCB0160, NHSX; a plural "ICBs" counts as ICB). Not counted: one
capital with digits (B3, Q1), and roman numerals from II to XXXIX (Part II, Annex IV), which are
numbers rather than abbreviations. A word in capitals for emphasis ("AND", "NOT") is counted:
capitals are hard to read, so the fix is to write it in lower case (the NHS.UK and GOV.UK style
guides both ask for that), not to add it to the glossary. Pure: the caller says which terms it
knows.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .content import Problem

# A run of capitals and digits starting with a capital, optionally followed by a plural "s",
# as a whole word (an apostrophe, hyphen, slash or full stop ends it: CQC's, NHS-R, DCB0129/0160).
TERM_RE = re.compile(r"\b([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*)(s?)\b")
ROMAN_RE = re.compile(r"^X{0,3}(IX|IV|V?I{0,3})$")

# The text fields a reader sees, checked and marked (sources are titles quoted as published).
PLAYBOOK_FIELDS = ("title", "description")
PHASE_FIELDS = ("title", "description")
MILESTONE_FIELDS = ("title", "description", "evidence_prompt")


def is_exempt(word: str) -> bool:
    """A roman numeral (II to XXXIX): a number, never looked up."""
    return bool(ROMAN_RE.match(word))


def find(text: str) -> Iterator[re.Match]:
    """Each abbreviation in ``text``: group 1 the term, group 2 a plural "s" or ""."""
    for match in TERM_RE.finditer(text or ""):
        if not is_exempt(match.group(1)):
            yield match


def terms_in(text: str) -> list[str]:
    """The distinct abbreviations in ``text``, in order of first use."""
    seen: dict[str, None] = {}
    for match in find(text):
        seen.setdefault(match.group(1))
    return list(seen)


def _line_of(term: str, lines: list[str], from_line: int) -> int:
    """The line (1-based) at or after ``from_line`` where ``term`` is written: a folded or
    literal block's text starts below its key, so the key's line alone would point short."""
    word = re.compile(rf"\b{re.escape(term)}s?\b")
    for number in range(max(from_line, 1), len(lines) + 1):
        if word.search(lines[number - 1]):
            return number
    return from_line


def _fields(data: dict) -> Iterator[tuple[str, dict, str]]:
    """(where, mapping, field) for every text field of a playbook a reader sees."""
    for name in PLAYBOOK_FIELDS:
        yield "playbook", data, name
    for i, phase in enumerate(data.get("phases") or [], 1):
        if isinstance(phase, dict):
            key = phase.get("key")
            yield (f"phase '{key}'" if isinstance(key, str) else f"phase {i}"), phase, "title"
            yield (f"phase '{key}'" if isinstance(key, str) else f"phase {i}"), phase, "description"
    for i, item in enumerate(data.get("milestones") or [], 1):
        if isinstance(item, dict):
            key = item.get("key")
            where = f"milestone '{key}'" if isinstance(key, str) else f"milestone {i}"
            for name in MILESTONE_FIELDS:
                yield where, item, name


def unknown(fields: Iterable[tuple[str, dict, str]], text: str, filename: str, known: set[str]) -> list[Problem]:
    """A FILE:LINE problem for each abbreviation, once per field, that ``known`` lacks."""
    problems, lines = [], text.splitlines()
    for where, mapping, name in fields:
        value = mapping.get(name) if isinstance(mapping, dict) else None
        if not isinstance(value, str):
            continue
        start = getattr(mapping, "key_lines", {}).get(name, getattr(mapping, "line", 1))
        for term in terms_in(value):
            if term not in known:
                problems.append(Problem(filename, _line_of(term, lines, start), message(where, name, term)))
    return problems


def message(where: str, field: str, term: str) -> str:
    return (f"{where}: '{term}' in its {field.replace('_', ' ')} is not in the glossary: spell it out, write an "
            f"ordinary word in lower case, or have it added to the glossary (playbooks/glossary.yaml)")


def playbook_problems(data: dict, text: str, filename: str) -> list[Problem]:
    """The abbreviation rule over a playbook's parsed YAML (``data`` with its key lines)."""
    if not isinstance(data, dict):
        return []
    from .glossary import GlossaryError, terms  # the glossary reads YAML with parsing's loader

    try:
        known = terms()
    except GlossaryError as exc:
        return [Problem(filename, 1, f"cannot check abbreviations: the glossary has problems ({exc.problems[0]})")]
    return unknown(_fields(data), text, filename, known)
