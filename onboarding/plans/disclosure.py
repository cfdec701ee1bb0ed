"""Statistical disclosure control for the equity report, as NHS statistics apply it. Pure: no
database, no Flask.

- 0 stays 0 (nobody to identify);
- a count of 1 to 7 is shown as ``*``;
- every other count is rounded to the nearest 5 (8 and 12 both show as 10);
- a rate or median is shown only where its group's rounded count of leaders is at least 10;
- secondary suppression: within a dimension, if exactly one group's count is hidden while the
  total is shown, the next smallest group's is hidden too, so that no hidden count can be worked
  out from the total and the other groups. A group whose count of leaders is hidden has all its
  figures hidden (its completed or withdrawn count would say something about it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

SUPPRESSED = "*"
SMALLEST_SHOWN = 8  # counts below it (but above 0) are hidden
ROUND_TO = 5
SMALLEST_FOR_RATES = 10  # a group's rounded count of leaders at which its rates and medians show

Shown = int | float | str  # a rounded count, a rate or median, or SUPPRESSED


def count(n: int) -> int | str:
    """A count as it may be published: 0, ``*`` for 1 to 7, else the nearest multiple of 5."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    if n == 0:
        return 0
    if n < SMALLEST_SHOWN:
        return SUPPRESSED
    return ROUND_TO * ((n + ROUND_TO // 2) // ROUND_TO)  # no ties: n is a whole number


def value(figure: float | None, group_count: int | str) -> float | str | None:
    """A rate or median, shown only where the group's rounded count is at least 10. None (nothing
    to measure, such as no check-ins yet) stays None where it could be shown."""
    if not isinstance(group_count, int) or group_count < SMALLEST_FOR_RATES:
        return SUPPRESSED
    return figure


def _secondary(raw: Sequence[int], shown: list[int | str]) -> None:
    """Hide the next smallest group when exactly one is hidden and the total is shown (in place)."""
    hidden = [i for i, s in enumerate(shown) if s == SUPPRESSED]
    if len(hidden) != 1 or count(sum(raw)) == SUPPRESSED:
        return
    # A group showing 0 is no help: its value is known whatever is hidden.
    candidates = [i for i, s in enumerate(shown) if s != SUPPRESSED and raw[i] > 0]
    if candidates:
        shown[min(candidates, key=lambda i: (raw[i], i))] = SUPPRESSED


def protect(groups: Sequence[Mapping[str, float | int | None]], counts: Sequence[str],
            lead: str = "leaders") -> list[dict[str, Shown | None]]:
    """The figures of one dimension's groups (which together hold every leader once) as they may be
    published. ``counts`` names the count figures, ``lead`` among them the group's size that rates
    depend on; every other key is a rate or a median."""
    lead_raw = [g[lead] for g in groups]
    lead_shown = [count(n) for n in lead_raw]
    _secondary(lead_raw, lead_shown)
    out: list[dict[str, Shown | None]] = [{lead: s} for s in lead_shown]
    for key in counts:
        if key == lead:
            continue
        raw = [g[key] for g in groups]
        shown = [SUPPRESSED if lead_shown[i] == SUPPRESSED else count(n) for i, n in enumerate(raw)]
        _secondary(raw, shown)
        for row, s in zip(out, shown, strict=True):
            row[key] = s
    for g, row in zip(groups, out, strict=True):
        for key, figure in g.items():
            if key not in counts:
                row[key] = value(figure, row[lead])
    return out
