"""The groups of the equity report: each dimension of a leader's voluntary equality answers
(``EqualityAnswers``) and the group a stored answer falls in. Ethnic group is reported at the five
broad ONS 2021 groups, since the 19 detailed categories would leave almost every cell hidden.

Until the account page's own list of answers is in place these read the stored strings: either
the answer's label or its key (lower case, words joined by "_") is accepted."""
from __future__ import annotations

import re

PREFER_NOT = "Prefer not to say"
NOT_ANSWERED = "Not answered"

# The ONS 2021 census categories for England, in their five groups.
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "Asian or Asian British": ("Bangladeshi", "Chinese", "Indian", "Pakistani", "Any other Asian background"),
    "Black, Black British, Caribbean or African": (
        "African", "Caribbean", "Any other Black, Black British or Caribbean background"),
    "Mixed or Multiple ethnic groups": (
        "White and Asian", "White and Black African", "White and Black Caribbean",
        "Any other Mixed or Multiple ethnic background"),
    "White": ("English, Welsh, Scottish, Northern Irish or British", "Irish", "Gypsy or Irish Traveller", "Roma",
              "Any other White background"),
    "Other ethnic group": ("Arab", "Any other ethnic group"),
}

# dimension key -> (title, the groups in the order shown, each with the answers it holds)
DIMENSIONS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "ethnic_group": ("Ethnic group", ETHNIC_GROUPS),
    "sex": ("Sex", {"Female": ("Female",), "Male": ("Male",)}),
    "disability": ("Disability", {"Disabled": ("Yes",), "Not disabled": ("No",)}),
    "sector": ("Sector they came from", {
        "Private sector": ("Private", "Private sector"),
        "Public sector (not health)": ("Public non-health", "Public sector (non-health)", "Public sector (not health)",
                                       "Public", "Public non health"),
        "Third sector": ("Third sector", "Third", "Charity"),
        "Armed forces": ("Armed forces",),
        "Academia": ("Academia",),
        "NHS": ("NHS",),
    }),
    "working_pattern": ("Working pattern", {
        "Full time": ("Full time",), "Part time": ("Part time",), "Job share": ("Job share",),
        "Compressed hours": ("Compressed hours",),
    }),
}
ALL_LEADERS = "All leaders"


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# dimension -> normalised answer (its label or its key) -> group
_LOOKUP: dict[str, dict[str, str]] = {
    dim: {_norm(answer): group for group, answers in groups.items() for answer in (group, *answers)}
    for dim, (_title, groups) in DIMENSIONS.items()
}


def groups(dimension: str) -> list[str]:
    """Every group of a dimension in the order shown, "Prefer not to say" and "Not answered" last."""
    return [*DIMENSIONS[dimension][1], PREFER_NOT, NOT_ANSWERED]


def title(dimension: str) -> str:
    return DIMENSIONS[dimension][0]


def group_of(dimension: str, answer: str | None) -> str:
    """The group a stored answer falls in. No answer is "Not answered"; so is an answer no longer
    offered, rather than a group of its own that could single someone out."""
    if not answer:
        return NOT_ANSWERED
    key = _norm(answer)
    if key == _norm(PREFER_NOT):
        return PREFER_NOT
    return _LOOKUP[dimension].get(key, NOT_ANSWERED)
