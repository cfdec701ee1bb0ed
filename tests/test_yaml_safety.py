"""Playbook YAML cannot exhaust the server: anchors and aliases, deep nesting, complex
keys, unstorable characters and unreadable values give FILE:LINE problems, quickly,
and no problem echoes an unbounded value."""
from __future__ import annotations

import io
import re
import time

import pytest

from onboarding import playbooks

from .conftest import ROOT

GOOD = (ROOT / "playbooks" / "compressed-13-weeks.yaml").read_text()

# A "billion laughs" like the 446-byte one: nine levels of nine aliases each.
ALIAS_BOMB = (
    "slug: bomb\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
    + "".join(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
    + "weeks: *i\n"  # the old loader echoed repr() of this 387-million-item list
)


def problems_of(text: str, name: str = "up.yaml") -> list[str]:
    content, problems = playbooks.parse_text(text, name)
    assert content is None
    return [str(p) for p in problems]


def test_an_alias_bomb_is_refused_at_its_first_anchor():
    started = time.perf_counter()
    found = problems_of(ALIAS_BOMB)
    assert time.perf_counter() - started < 1, "the bomb must not be expanded"
    assert found == ["up.yaml:2: malformed YAML: anchors and aliases (& and *) are not allowed; write each value out in full"]


@pytest.mark.parametrize("text, line", [
    ("slug: x\ntitle: &t Title\nother: *t\n", 2),
    ("slug: x\ntitle: *nothing\n", 2),
    ("slug: x\nphases: &p\n  - key: a\n", 2),
])
def test_anchors_and_aliases_are_refused(text, line):
    found = problems_of(text)
    assert len(found) == 1 and found[0].startswith(f"up.yaml:{line}: malformed YAML: anchors and aliases")


@pytest.mark.parametrize("text, line", [
    ("slug: x\nweeks: " + "[" * 5000 + "]" * 5000 + "\n", 2),
    ("slug: x\nweeks: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", 2),
    ("slug: x\nphases:\n" + "".join("  " * i + "-\n" for i in range(1, 3000)), r"\d+"),
])
def test_deep_nesting_is_a_problem_not_a_crash(text, line):
    found = problems_of(text)
    assert len(found) == 1 and re.match(rf"up\.yaml:{line}: malformed YAML: nested more than", found[0]), found


@pytest.mark.parametrize("text, line", [
    ("slug: x\n? [a, b]\n: 1\n", 2),
    ("slug: x\n{[1]: 2}: 3\n", 2),
    ("slug: x\nnudges:\n  ? {a: 1}\n  : 2\n", 3),
])
def test_complex_keys_are_refused(text, line):
    found = problems_of(text)
    assert found == [f"up.yaml:{line}: malformed YAML: a field name must be plain text, not a list or a mapping"]


@pytest.mark.parametrize("value, what", [
    ('"A \\ud800 lone surrogate"', "a lone surrogate"),
    ('"A \\0 NUL"', "a NUL"),
    ('"A \\x07 bell"', "a control character"),
])
def test_unstorable_characters_are_refused_with_their_line(value, what):
    text = GOOD.replace('title: "Compressed three-month transition (13 weeks)"', f"title: {value}", 1)
    found = problems_of(text)
    assert found == ["up.yaml:2: malformed YAML: text must not contain NUL, control characters or lone surrogates"], what


def test_a_raw_nul_byte_is_a_problem():
    found = problems_of("slug: x\ntitle: a\x00b\n")
    assert len(found) == 1 and found[0].startswith("up.yaml:2: malformed YAML:")


@pytest.mark.parametrize("text, line", [
    ("slug: x\nweeks: " + "9" * 5000 + "\n", 2),
    ("slug: x\ntitle: 2026-02-30\n", 2),
])
def test_unreadable_values_are_problems(text, line):
    found = problems_of(text)
    assert len(found) == 1 and found[0].startswith(f"up.yaml:{line}: malformed YAML: cannot read this value")


def test_problems_never_echo_an_unbounded_value():
    huge_list = "[" + ", ".join(["lol"] * 2000) + "]"
    long_key = "k" * 5000
    text = (f"slug: {'s' * 5000}\ntitle: {huge_list}\nweeks: {huge_list}\n"
            f"? {long_key}\n: 1\nphases: []\nmilestones: []\nnudges:\n  checkin_cadence_days: {huge_list}\n")
    found = problems_of(text)
    assert len(found) >= 5
    assert all(len(p) < 300 for p in found), max(found, key=len)[:400]


def test_thousands_of_problems_are_capped():
    text = "slug: x\ntitle: T\nweeks: 13\nphases: []\nmilestones: []\n" + "".join(f"f{i}: 1\n" for i in range(5000))
    found = problems_of(text)
    assert len(found) == playbooks.MAX_PROBLEMS + 1
    assert found[-1].endswith(f"and {5000 + 2 - playbooks.MAX_PROBLEMS} more problems")


def test_the_shipped_playbooks_still_load():
    for path in playbooks.default_paths(ROOT / "playbooks"):
        content, problems = playbooks.parse_file(path)
        assert problems == [] and content is not None


def test_hr_upload_answers_a_short_400_and_saves_nothing(cast, client, login):
    login(cast["hr"])
    before = playbooks.get_playbook("compressed-13-weeks").latest.number
    for body in [
        ALIAS_BOMB,
        "slug: x\nweeks: " + "[" * 5000 + "]" * 5000 + "\n",
        GOOD.replace('title: "Compressed three-month transition (13 weeks)"', 'title: "NUL \\0 here"', 1),
        GOOD.replace('title: "Compressed three-month transition (13 weeks)"', 'title: "\\udc80"', 1),
    ]:
        response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(body.encode()), "up.yaml")},
                               content_type="multipart/form-data")
        assert response.status_code == 400, body[:40]
        text = response.get_data(as_text=True)
        assert "There is a problem" in text and "up.yaml:" in text
        assert len(text) < 50_000
    assert playbooks.get_playbook("compressed-13-weeks").latest.number == before
