"""The sweep loads only the open milestones due by ``facts.horizon`` (the rest cannot be due soon or
overdue that day): the nudges due are the same as from every open milestone, for a leader working
one day a week, a long due-soon window and the days around Christmas and Easter. Pure: no database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding.nudges.facts import horizon
from onboarding.nudges.policy import MilestoneFacts, Person, PlanFacts, Policy, due_nudges

START = date(2026, 11, 2)


def _plan(pattern: tuple[str, ...], policy: Policy, owner: str) -> PlanFacts:
    # A milestone due every day for a year: whatever the window, some sit on each side of it.
    milestones = tuple(MilestoneFacts(i + 1, f"Milestone {i}", owner, START + timedelta(days=i)) for i in range(400))
    return PlanFacts(id=1, leader=Person(1, "lee@example.nhs.uk", "Lee"), sponsor=Person(2, "sam@example.nhs.uk", "Sam"),
                     start_date=START, milestones=milestones, working_days=pattern, policy=policy,
                     mentor=Person(3, "mo@example.nhs.uk", "Mo"))


@pytest.mark.parametrize("pattern", [("mon",), ("fri",), ("tue", "thu"), ("mon", "tue", "wed", "thu", "fri")])
@pytest.mark.parametrize("window", [1, 3, 10])
@pytest.mark.parametrize("owner", ["leader", "mentor"])
def test_milestones_past_the_horizon_change_no_nudge(pattern, window, owner):
    policy = Policy(due_soon_working_days=window)
    plan = _plan(pattern, policy, owner)
    days = [START + timedelta(days=i) for i in range(0, 200, 3)]
    days += [date(2026, 12, 21) + timedelta(days=i) for i in range(16)]  # Christmas to New Year
    days += [date(2027, 3, 22) + timedelta(days=i) for i in range(14)]  # Easter 2027
    for today in days:
        until = horizon(today, [policy], {})
        near = PlanFacts(**{**plan.__dict__, "milestones": tuple(m for m in plan.milestones if m.due_date <= until)})
        assert due_nudges([near], today) == due_nudges([plan], today), today
