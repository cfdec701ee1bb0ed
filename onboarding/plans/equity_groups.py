"""The groups of the equity report: each dimension of a leader's voluntary equality answers, and
the group a stored answer falls in. The answers and their words live once, in
``people.equality``; ethnic group is reported at the five broad ONS 2021 groups, since the 19
detailed categories would leave almost every cell hidden."""
from __future__ import annotations

from ..people import equality

PREFER_NOT = equality.PREFER_NOT_LABEL
NOT_ANSWERED = "Not answered"
ALL_LEADERS = "All leaders"

TITLES = {"ethnic_group": "Ethnic group", "sex": "Sex", "disability": "Disability",
          "sector": "Sector they came from", "working_pattern": "Working pattern"}
# Where the answer's own words would read oddly as a group's name.
GROUP_NAMES = {("disability", "yes"): "Disabled", ("disability", "no"): "Not disabled",
               ("sector", "third_sector"): "Third sector"}
DIMENSIONS = tuple(equality.DIMENSIONS)


def _named(dimension: str) -> dict[str, str]:
    """stored value -> the group it falls in, for every answer but "prefer not to say"."""
    if dimension == "ethnic_group":
        return {value: equality.ETHNIC_GROUP_LABELS[key] for value, key in equality.ETHNIC_GROUP_OF.items()}
    return {value: GROUP_NAMES.get((dimension, value), text)
            for value, text in equality.DIMENSIONS[dimension][1] if value != equality.PREFER_NOT}


_GROUP_OF = {dim: _named(dim) for dim in DIMENSIONS}


def groups(dimension: str) -> list[str]:
    """Every group of a dimension in the order shown, "Prefer not to say" and "Not answered" last."""
    return [*dict.fromkeys(_GROUP_OF[dimension].values()), PREFER_NOT, NOT_ANSWERED]


def title(dimension: str) -> str:
    return TITLES[dimension]


def group_of(dimension: str, answer: str | None) -> str:
    """The group a stored answer falls in. No answer is "Not answered"; so is an answer no longer
    offered, rather than a group of its own that could single someone out."""
    if not answer:
        return NOT_ANSWERED
    if answer == equality.PREFER_NOT:
        return PREFER_NOT
    return _GROUP_OF[dimension].get(answer, NOT_ANSWERED)
