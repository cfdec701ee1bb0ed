"""Who's who in NHS digital (``/whos-who``): the national bodies, programmes and networks a new
digital leader deals with, each with a sentence on why it matters and a link.

The shipped list is ``playbooks/whos-who.yaml``; HR may upload a replacement, checked by the same
rules (``parse_text``: FILE:LINE problems, https links, every abbreviation in the glossary) and
kept in the database (``ReferenceDocument``, one row per upload). The page shows the newest upload,
else the file. Not HR's own who's who of local people (``plans.directory``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from ..models import ReferenceDocument
from ..people import audit
from . import acronyms
from .content import Problem
from .fields import _check_fields, _cut
from .parsing import read_reference
from .sources import url_problem

KIND = "whos_who"
PATH = Path(__file__).resolve().parents[2] / "playbooks" / "whos-who.yaml"
MAX_UPLOAD_BYTES = 100 * 1024
FILE_FIELDS = {"reviewed": (str, True, 7), "groups": (list, True, None)}
GROUP_FIELDS = {"title": (str, True, 120), "entries": (list, True, None)}
ENTRY_FIELDS = {"name": (str, True, 150), "why": (str, True, 600), "url": (str, True, 500)}


class WhosWhoError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Entry:
    name: str
    why: str
    url: str


@dataclass(frozen=True)
class Group:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class WhosWho:
    reviewed: str
    groups: tuple[Group, ...]


def parse_text(text: str, filename: str) -> tuple[WhosWho | None, list[Problem]]:
    """The list in ``text``, or its problems in line order."""
    data, problems = read_reference(text, filename, FILE_FIELDS, "who's who")
    if data is None:
        return None, problems
    groups = data.get("groups") if isinstance(data.get("groups"), list) else []
    texts = []  # (where, mapping, field) the abbreviation rule reads
    for i, group in enumerate(groups, 1):
        at = _line(groups, i, data.key_lines.get("groups", 1))
        where = f"group {i}"
        problems += _check_fields(group, GROUP_FIELDS, where, filename, at)
        if not isinstance(group, dict):
            continue
        texts.append((where, group, "title"))
        entries = group.get("entries") if isinstance(group.get("entries"), list) else []
        for j, entry in enumerate(entries, 1):
            name = entry.get("name") if isinstance(entry, dict) else None
            here = f"entry '{_cut(name)}'" if isinstance(name, str) else f"{where}, entry {j}"
            problems += _check_fields(entry, ENTRY_FIELDS, here, filename, _line(entries, j, at))
            if isinstance(entry, dict):
                texts += [(here, entry, "name"), (here, entry, "why")]
                url = entry.get("url")
                wrong = url_problem(url) if isinstance(url, str) else None
                if wrong:
                    problems.append(Problem(filename, entry.key_lines["url"], f"{here}: url '{_cut(url)}' {wrong}"))
    problems += _abbreviations(texts, text, filename)
    if problems:
        return None, sorted(problems, key=lambda p: p.line)
    return _content(data), []


def _line(items, i: int, default: int) -> int:
    lines = getattr(items, "lines", [])
    return lines[i - 1] if i - 1 < len(lines) else default


def _abbreviations(texts, text: str, filename: str) -> list[Problem]:
    from .glossary import GlossaryError, terms

    try:
        known = terms()
    except GlossaryError as exc:
        return [Problem(filename, 1, f"cannot check abbreviations: the glossary has problems ({exc.problems[0]})")]
    return acronyms.unknown(texts, text, filename, known)


def _content(data: dict) -> WhosWho:
    return WhosWho(reviewed=data["reviewed"], groups=tuple(
        Group(title=g["title"].strip(), entries=tuple(Entry(e["name"].strip(), e["why"].strip(), e["url"].strip())
                                                      for e in g["entries"]))
        for g in data["groups"]))


def latest_upload() -> ReferenceDocument | None:
    return db.session.scalar(sa.select(ReferenceDocument).where(ReferenceDocument.kind == KIND)
                             .order_by(ReferenceDocument.uploaded_at.desc(), ReferenceDocument.id.desc()).limit(1))


def current_text() -> tuple[str, ReferenceDocument | None]:
    """The YAML in use: HR's newest upload, else the shipped file (and the upload, if any)."""
    row = latest_upload()
    if row is not None:
        return row.content, row
    return PATH.read_text(encoding="utf-8"), None


def current() -> tuple[WhosWho, ReferenceDocument | None]:
    """The list in use, parsed (an upload was checked when it came in; the file by the tests)."""
    text, row = current_text()
    found, problems = parse_text(text, row.filename if row else PATH.name)
    if problems:
        raise WhosWhoError(problems)
    return found, row


def upload(data: bytes, filename: str, user, remote_addr: str | None = None) -> ReferenceDocument:
    """Check an uploaded file and keep it as the list in use; audited. Raises WhosWhoError with
    FILE:LINE problems and writes nothing when it has any. The caller commits."""
    name = (filename or "whos-who.yaml")[:200]
    if len(data) > MAX_UPLOAD_BYTES:
        raise WhosWhoError([Problem(name, 1, f"the file is larger than {MAX_UPLOAD_BYTES // 1024} KB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise WhosWhoError([Problem(name, 1, "the file is not UTF-8 text")]) from None
    found, problems = parse_text(text, name)
    if problems:
        raise WhosWhoError(problems)
    row = ReferenceDocument(kind=KIND, content=text, filename=name, uploaded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "whos_who.upload", row, remote_addr, file=name, reviewed=found.reviewed,
                 entries=sum(len(g.entries) for g in found.groups))
    return row
