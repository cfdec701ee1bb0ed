"""The glossary (``playbooks/glossary.yaml``): each abbreviation and NHS term a newcomer meets,
its expansion and a one-sentence plain-English definition, optionally with a public source.

Read once and kept (``load``); checked with FILE:LINE problems like a playbook (``parse_text``).
The playbooks' abbreviation rule (``acronyms``) asks it which terms are known, and the pages and
emails expand a term on first use from it (``marking``). No database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .acronyms import TERM_RE
from .content import Problem
from .fields import _check_fields, _cut
from .parsing import read_reference
from .sources import url_problem

PATH = Path(__file__).resolve().parents[2] / "playbooks" / "glossary.yaml"
FILE_FIELDS = {"reviewed": (str, True, 7), "terms": (list, True, None)}
TERM_FIELDS = {
    "term": (str, True, 40),
    "expansion": (str, True, 200),
    "definition": (str, True, 400),
    "well_known": (bool, False, None),
    "source": (dict, False, None),
}
SOURCE_FIELDS = {"title": (str, True, 300), "url": (str, True, 500)}
TERM_TEXT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 &'/.-]*$")


class GlossaryError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def anchor(term: str) -> str:
    """The term's id on /glossary: lower case, anything else a hyphen (SIRO: siro; A&E: a-e)."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


@dataclass(frozen=True)
class Term:
    term: str
    expansion: str
    definition: str
    well_known: bool = False  # NHS, UK, IT: listed, never expanded in running text (the GOV.UK rule)
    source_title: str = ""
    source_url: str = ""

    @property
    def anchor(self) -> str:
        return anchor(self.term)

    @property
    def is_abbreviation(self) -> bool:
        """Written as an abbreviation (SIRO, DCB0160), so expanded where it is used; a term in
        words (Caldicott Guardian) is only listed."""
        found = TERM_RE.fullmatch(self.term)
        return bool(found) and not found.group(2)


@dataclass(frozen=True)
class Glossary:
    reviewed: str
    terms: tuple[Term, ...]

    @cached_property
    def expandable(self) -> dict[str, Term]:
        """The terms expanded where they are used (abbreviations, not the well known), by term:
        worked out once per glossary rather than for every page and email (a Marker each)."""
        return {t.term: t for t in self.terms if t.is_abbreviation and not t.well_known}

    def by_term(self) -> dict[str, Term]:
        return {t.term: t for t in self.terms}

    def search(self, query: str) -> list[Term]:
        """Terms whose term, expansion or definition holds every word of ``query`` (any case)."""
        words = (query or "").lower().split()
        return [t for t in self.terms
                if all(w in f"{t.term} {t.expansion} {t.definition}".lower() for w in words)]


def parse_text(text: str, filename: str) -> tuple[Glossary | None, list[Problem]]:
    """The glossary in ``text``, or its problems: missing or unknown fields, a term written twice
    (or two terms with one anchor), a source link that is not https."""
    data, problems = read_reference(text, filename, FILE_FIELDS, "glossary")
    if data is None:
        return None, problems
    items = data.get("terms") if isinstance(data.get("terms"), list) else []
    lines = getattr(items, "lines", [])
    terms, seen = [], {}
    for i, item in enumerate(items, 1):
        at = lines[i - 1] if i - 1 < len(lines) else 1
        found, term = _check_term(item, i, filename, at, seen)
        problems += found
        if term is not None:
            terms.append(term)
    if problems:
        return None, sorted(problems, key=lambda p: p.line)
    return Glossary(reviewed=data["reviewed"], terms=tuple(sorted(terms, key=lambda t: t.term.lower()))), []


def _check_term(item, i: int, filename: str, at: int, seen: dict) -> tuple[list[Problem], Term | None]:
    """One entry's problems, and the Term when it has none. ``seen``: anchor -> (term, line)."""
    name = item.get("term") if isinstance(item, dict) else None
    where = f"term '{_cut(name)}'" if isinstance(name, str) else f"term {i}"
    problems = _check_fields(item, TERM_FIELDS, where, filename, at)
    if not isinstance(item, dict):
        return problems, None
    kl = item.key_lines
    if isinstance(name, str) and name.strip():
        if not TERM_TEXT_RE.match(name):
            problems.append(Problem(filename, kl["term"], f"{where}: a term is letters, digits, spaces and & ' / . -"))
        elif anchor(name) in seen:
            first, line = seen[anchor(name)]
            problems.append(Problem(filename, kl["term"], f"{where}: duplicate term (already '{_cut(first)}' at line {line})"))
        else:
            seen[anchor(name)] = (name, kl["term"])
    source = item.get("source")
    if isinstance(source, dict):
        problems += _check_fields(source, SOURCE_FIELDS, f"{where}: source", filename, kl["source"])
        url = source.get("url")
        wrong = url_problem(url) if isinstance(url, str) else None
        if wrong:
            problems.append(Problem(filename, source.key_lines["url"], f"{where}: source url '{_cut(url)}' {wrong}"))
    if problems:
        return problems, None
    return [], Term(term=name.strip(), expansion=item["expansion"].strip(), definition=item["definition"].strip(),
                    well_known=bool(item.get("well_known", False)),
                    source_title=(source or {}).get("title", "").strip(), source_url=(source or {}).get("url", "").strip())


@lru_cache(maxsize=4)
def load(path: str | Path = PATH) -> Glossary:
    """The glossary, read once per process. Raises GlossaryError when the file has problems
    (the tests and ``playbooks validate`` check the shipped one)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError([Problem(str(path), 1, f"cannot read file: {exc}")]) from exc
    glossary, problems = parse_text(text, str(path))
    if problems:
        raise GlossaryError(problems)
    return glossary


def terms(path: str | Path = PATH) -> frozenset[str]:
    """Every term the glossary knows (the abbreviation rule's list)."""
    return frozenset(t.term for t in load(path).terms)
