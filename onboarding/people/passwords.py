"""The password policy: long enough, not one of the 10,000 most common passwords, and not a
few characters repeated. Length is what makes a password strong (NCSC and NIST advice), so
there are no composition rules, and pasting from a password manager is welcome.

The common-password list ships with the package (data/common_passwords.txt, lower-case, most
common first; where it comes from and its licence are in data/common_passwords.LICENSE).
"""
from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

MIN_LENGTH = 12
MAX_LENGTH = 256
# One to four characters said over and over ("aaaaaaaaaaaa", "abcabcabcabc", "1234123412341234"),
# or hardly any different characters at all.
_REPEATED = re.compile(r"(.{1,4}?)\1+", re.DOTALL)
MIN_DISTINCT_CHARACTERS = 4


@cache
def common_passwords() -> frozenset[str]:
    text = files("onboarding").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line)


def problem(password: str | None) -> str | None:
    """What is wrong with ``password`` in words a person can act on, or None."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if _REPEATED.fullmatch(password) or len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return "Password must not be a few characters repeated; a phrase of several words works well"
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        return "Password is too common: it is on a list of passwords attackers try first. Choose another"
    return None
