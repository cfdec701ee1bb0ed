"""What tests/test_fuzz.py sends and how it judges the answers: hypothesis strategies
for hostile values, request bodies that carry them byte for byte, markers that show
when a payload reaches a page unescaped, a fingerprint of every table, and the list
of findings the fuzz test reports."""
from __future__ import annotations

import hashlib
import json
import re
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from onboarding.extensions import db

# The database carries over from one example to the next, so a shrunk example would be
# replayed against other data: no shrink phase; findings keep the smallest example seen.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example],
)

# --- markers ----------------------------------------------------------------------------------


def markup(tag: str) -> str:
    """Markup that names the field it was sent in; escaped, it never matches UNESCAPED."""
    return f"<b id=fz-{tag}>\"'&amp;</b>"


UNESCAPED = re.compile(r"<b id=fz-([\w.-]+)>")
SCRIPT_LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*(?:javascript|vbscript|data):""", re.I)


def unescaped(body: str) -> set[str]:
    """Tags of markers that appear as markup, and 'javascript-link' for a script address."""
    found = set(UNESCAPED.findall(body))
    if SCRIPT_LINK.search(body):
        found.add("javascript-link")
    return found


# --- values -----------------------------------------------------------------------------------

CONTROLS = "".join(map(chr, range(32))) + "\x7f\x85\u00a0\u200b\u200e\u202e\u2028\u2029\ufeff\ufffe"
ODD_NUMBERS = ["-1", "0", "7", "99", "2147483648", "99999999999999999999999999", "-99999999999999999999",
               "1e308", "NaN", "inf", "3.5", "٣", "４", " 4 ", "0x10", "1_0", "+3", "--1"]
ODD_DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "0000-00-00", "-001-01-01", "2026-02-30", "2026-13-01",
             "1-1-1", "20260907", "2026-09-07T00:00", " 2026-09-07", "2026-09-07\x00", "1900-01-01", "1999-12-31",
             "2100-01-01", "2026-W37-1", "07/09/2026", "٢٠٢٦-٠٩-٠٧"]
PLAIN = ["Dr Ruth Shah", "Chief Nurse", "discharge, log-in time", "O'Brien & Sons <Ltd>", "Line one\r\nLine two",
         "  padded  ", "Zoë Ångström", "数据与分析", "x", "a" * 120]


def long_text(tag: str) -> st.SearchStrategy[str]:
    """10k to 100k characters, built by repetition (hypothesis draws stay small). No lone
    surrogates: Werkzeug re-quotes each invalid byte one by one, which takes seconds."""
    pieces = ["x", "é", "\x00", "\r\n", "😀", " ", "<", markup(tag)]
    return st.builds(lambda piece, n: piece * max(1, n // len(piece)), st.sampled_from(pieces),
                     st.integers(10_000, 100_000))


def fuzz_text(tag: str) -> st.SearchStrategy[str]:
    """Hostile text: control characters, any code point (lone surrogates too), markup, long, odd."""
    small = st.text(st.characters(exclude_categories=()), max_size=8)
    # Ordinary text with one odd character inside is the likeliest to get past the checks.
    one_odd = st.builds(lambda a, odd, b: a + odd + b, st.sampled_from(PLAIN[:4]),
                        st.sampled_from(["\x00", "\r\n", "\n", "\ud800", "\x1b[31m", "\u202e", "\x0b", "\ufeff"]),
                        st.sampled_from(PLAIN[:4]))
    return st.one_of(
        one_odd,
        one_odd,
        st.text(st.sampled_from(CONTROLS + "\ud800\udfffa <>&\"'"), max_size=12),
        st.text(st.characters(exclude_categories=()), max_size=40),
        st.builds(lambda a, b: a + markup(tag) + b, small, small),
        long_text(tag),
        st.sampled_from(ODD_NUMBERS + ODD_DATES + ["", " ", "\x00", "\r\n", "\t"]),
    )


def json_wrong_type() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.sampled_from([0, -1, 10**30]),
        st.lists(st.text(max_size=3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )


# A field's "good" values: what a person might type, markup included where the field is free text.
Good = Callable[[Any, str], st.SearchStrategy]


def text(max_len: int = 5000) -> Good:
    def good(_fz, tag):
        options = [s for s in PLAIN if len(s.strip()) <= max_len]
        m = markup(tag)
        options += [v for v in (m, f"Before {m} after") if len(v) <= max_len]
        return st.sampled_from(options)
    return good


def choice(*values) -> Good:
    return lambda _fz, _tag: st.sampled_from(values)


def pick(data, values: list):
    """One of values that depend on the database. Drawn as a fixed-range index: hypothesis
    replays draws, and a list whose length changed between runs would look like a flaky strategy."""
    return values[data.draw(st.integers(0, 999)) % len(values)] if values else ""


def dynamic(values: Callable[[Any], list]) -> Good:
    """Choices read from the database when the example runs."""
    return lambda fz, _tag: st.integers(0, 999).map(lambda i: (values(fz) or [""])[i % max(1, len(values(fz)))])


def iso_date(low: int, high: int, around: Callable[[], date] = lambda: date(2026, 9, 7)) -> Good:
    """An ISO date from ``low`` to ``high`` days after ``around()`` (by default the cast's
    plans' start; check-ins pass today, as they must not be in the future)."""
    return lambda _fz, _tag: st.integers(low, high).map(lambda n: (around() + timedelta(days=n)).isoformat())


def date_boxes(name: str, around: Callable[[], date] = lambda: date(2026, 9, 7)) -> dict[str, Good]:
    """The three boxes of an NHS.UK date input (``<name>-day``, ``-month``, ``-year``), each
    drawn on its own: mostly a real date near ``around()``, "01" as well as "1"; each box can
    also come hostile or missing, as any field."""
    return {
        f"{name}-day": choice(*map(str, range(1, 29)), "01", "09"),
        f"{name}-month": choice(*map(str, range(1, 13)), "03"),
        f"{name}-year": lambda _fz, _tag: st.sampled_from([str(around().year), str(around().year - 1), str(around().year + 1)]),
    }


def web_link() -> Good:
    return lambda _fz, tag: st.sampled_from([
        "https://example.nhs.uk/doc", f"https://example.nhs.uk/{markup(tag)}", "https://x\" onmouseover=\"fz",
        "javascript:alert(1)//https://x", "http://", "https://example.nhs.uk/" + "a" * 480, "ftp://example.org/x",
    ])


def many(*values) -> Good:
    return lambda _fz, _tag: st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)


def draw_fields(data, fz, fields: dict[str, Good], tag: str, json_body: bool = False) -> dict[str, Any]:
    """One submission. Mostly a form a person might fill in (markup included) with one field
    hostile or missing, so the hostile value gets past the other fields' checks; sometimes
    every field good, or a mix of good, hostile (in JSON also wrongly typed) and missing
    fields with extra ones."""
    shape = data.draw(st.sampled_from(["good", "one hostile", "one hostile", "one hostile", "mixed"]))
    odd_one = pick(data, list(fields)) if shape == "one hostile" else None
    sent: dict[str, Any] = {}
    for name, good in fields.items():
        if shape == "good" or (shape == "one hostile" and name != odd_one):
            mode = "good"
        elif shape == "one hostile":
            mode = data.draw(st.sampled_from(["hostile", "hostile", "hostile", "missing"]))
        else:
            mode = data.draw(st.sampled_from(["good", "hostile", "hostile", "missing"]))
        if mode == "missing":
            continue
        if mode == "good":
            sent[name] = data.draw(good(fz, f"{tag}.{name}"))
        elif json_body:
            sent[name] = data.draw(st.one_of(fuzz_text(f"{tag}.{name}"), json_wrong_type()))
        else:
            value = data.draw(fuzz_text(f"{tag}.{name}"))
            twice = data.draw(st.integers(0, 9)) == 0  # a field sent twice, as a crafted form can
            sent[name] = [value, data.draw(good(fz, f"{tag}.{name}"))] if twice else value
    if shape == "mixed" or not fields:
        extra_names = st.sampled_from(["id", "plan_id", "user_id", "is_hr", "status", "csrf_token", "\x00", "x" * 300])
        sent |= data.draw(st.dictionaries(extra_names, fuzz_text(f"{tag}.extra"), max_size=2))
    return sent


# --- transport --------------------------------------------------------------------------------


def _bytes(value: Any) -> bytes:
    return str(value).encode("utf-8", "surrogatepass")


def form_body(fields: dict[str, Any]) -> bytes:
    """URL-encoded, byte for byte: NUL and CR/LF as sent, a lone surrogate as its CESU bytes."""
    pairs = [(_bytes(k), _bytes(v)) for k, vs in fields.items() for v in (vs if isinstance(vs, list) else [vs])]
    return urlencode(pairs).encode("ascii")


def query(fields: dict[str, Any]) -> str:
    return form_body(fields).decode("ascii")


def segment(value: Any) -> str:
    """A path segment with everything percent-encoded (slashes too)."""
    return quote(_bytes(value), safe="")


RAW_JSON = [b"", b"null", b"[]", b'"text"', b"42", b"{", b"\xff\xfe\x00{}", b"[" * 100_000, b'{"a":' * 50_000,
            "\ufeff{}".encode(), b"NaN", b"1e999999", b'{"x": ' + b"9" * 5000 + b"}", b"{}" * 2]
CONTENT_TYPES = ["application/json", "application/json", "application/json", "text/plain", "application/x-www-form-urlencoded",
                 "application/json; charset=utf-16", "multipart/form-data; boundary=x", None]


def json_request(data, fields: dict[str, Any]) -> tuple[bytes, str | None, str]:
    """(body, content type, what was sent): mostly the drawn object, sometimes raw or broken bodies."""
    shape = data.draw(st.sampled_from(["object"] * 6 + ["raw", "not an object"]))
    if shape == "raw":
        body = data.draw(st.sampled_from(RAW_JSON))
        described = f"raw body {body[:40]!r} ({len(body)} bytes)"
    elif shape == "not an object":
        body = json.dumps(list(fields.values()) if fields else "x").encode()
        described = "a JSON list"
    else:
        body = json.dumps(fields).encode()  # lone surrogates travel as \\ud800 escapes
        described = describe(fields)
    content_type = data.draw(st.sampled_from(CONTENT_TYPES))
    return body, content_type, f"{described}; Content-Type {content_type}"


# --- the database before and after ------------------------------------------------------------

# Written by every request (the session's and the token's last use), whatever its outcome.
VOLATILE = {("user_session", "last_seen_at"), ("api_token", "last_used_at")}
# Rows here are only ever added, so their number and highest id say whether anything changed.
APPEND_ONLY = {"audit_event", "playbook_version", "milestone_template"}


def fingerprint() -> dict[str, tuple]:
    """Row count and content hash (or highest id) of every table, as committed."""
    result = {}
    for table in db.metadata.sorted_tables:
        if table.name in APPEND_ONLY:
            result[table.name] = tuple(db.session.execute(sa.select(sa.func.count(), sa.func.max(table.c.id))).one())
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        rows = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
        result[table.name] = (len(rows), hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest())
    return result


def changed_tables(before: dict, after: dict) -> list[str]:
    return [f"{name} ({before[name][0]} -> {after[name][0]} rows)" for name in before if before[name] != after.get(name)]


# --- findings ---------------------------------------------------------------------------------


def short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(short(v) for v in value) + "]"
    text_ = repr(value)
    if len(text_) <= 70:
        return text_
    return f"{text_[:50]}...{text_[-12:]} ({len(value) if hasattr(value, '__len__') else '?'} chars)"


def describe(fields: dict[str, Any]) -> str:
    return ", ".join(f"{k}={short(v)}" for k, v in fields.items()) or "no fields"


def size(fields: dict[str, Any]) -> int:
    return sum(len(str(v)) + len(str(k)) for k, v in fields.items())


ROOT = Path(__file__).resolve().parent.parent


def where_raised(exc: BaseException) -> tuple[str, str]:
    """(innermost frame in the app, a few lines of traceback) for a server error."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/onboarding/" in f.filename] or frames
    last = ours[-1]
    place = f"{Path(last.filename).resolve().relative_to(ROOT) if str(ROOT) in last.filename else last.filename}:{last.lineno}"
    lines = [f"    {Path(f.filename).name}:{f.lineno} in {f.name}" for f in ours[-3:]]
    message = str(exc).splitlines()[0][:200] if str(exc) else ""
    return place, "\n".join([f"  {type(exc).__name__}: {message}", *lines])


class Findings:
    """Distinct failures, each with the smallest example that showed it."""

    def __init__(self):
        self.items: dict[tuple, tuple[int, str]] = {}

    def add(self, key: tuple, weight: int, message: str) -> None:
        if key not in self.items or weight < self.items[key][0]:
            self.items[key] = (weight, message)

    def report(self) -> str:
        return f"{len(self.items)} distinct problem(s):\n\n" + "\n\n".join(m for _, m in self.items.values())
