"""The equity-of-support report: disclosure control on crafted cohorts, and the figures it counts."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from onboarding import plans
from onboarding.extensions import db
from onboarding.models import CheckIn, EqualityAnswers, Nudge, Plan, Pulse, User
from onboarding.people import equality
from onboarding.plans import disclosure, equity
from onboarding.plans.disclosure import SUPPRESSED as S

from .conftest import counting_statements

TODAY = date(2026, 11, 27)


# --- disclosure control, pure -------------------------------------------------------------------


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, S), (3, S), (7, S), (8, 10), (12, 10), (13, 15), (17, 15),
                                           (18, 20), (100, 100)])
def test_counts_are_hidden_below_8_and_rounded_to_5(n, shown):
    assert disclosure.count(n) == shown


def test_groups_of_1_3_7_8_12_and_0():
    groups = [{"leaders": n, "completed": 0, "rate": 50.0} for n in (1, 3, 7, 8, 12, 0)]
    shown = disclosure.protect(groups, ("leaders", "completed"))
    assert [s["leaders"] for s in shown] == [S, S, S, 10, 10, 0]
    # Rates only where the rounded count is at least 10: the groups of 8 and 12 (both shown as 10).
    assert [s["rate"] for s in shown] == [S, S, S, 50.0, 50.0, S]
    # A hidden group hides all its counts; a group of 0 shows 0.
    assert [s["completed"] for s in shown] == [S, S, S, 0, 0, 0]


def test_a_lone_hidden_group_takes_the_next_smallest_with_it():
    # 20 + 9 + 3 = 32, shown as 30: with only the 3 hidden, 30 - 20 - 10 would point at it.
    shown = disclosure.protect([{"leaders": n} for n in (20, 9, 3, 0)], ("leaders",))
    assert [s["leaders"] for s in shown] == [20, S, S, 0]


def test_no_secondary_suppression_when_two_are_hidden_or_the_total_is():
    assert [s["leaders"] for s in disclosure.protect([{"leaders": n} for n in (20, 2, 3)], ("leaders",))] == [20, S, S]
    # A total of 5 is itself hidden: nothing can be worked out from it.
    assert [s["leaders"] for s in disclosure.protect([{"leaders": n} for n in (5, 0)], ("leaders",))] == [S, 0]


def test_secondary_suppression_in_other_counts_of_shown_groups():
    shown = disclosure.protect([{"leaders": 20, "completed": 3}, {"leaders": 15, "completed": 9},
                                {"leaders": 30, "completed": 12}], ("leaders", "completed"))
    assert [s["completed"] for s in shown] == [S, S, 10]
    assert [s["leaders"] for s in shown] == [20, 15, 30]


# --- the report on the database ---------------------------------------------------------------

_n = 0


def _plan(version, sponsor, answers: dict | None = None, start=date(2026, 3, 2), status="active") -> Plan:
    global _n
    _n += 1
    leader = User(email=f"eq{_n}@example.nhs.uk", name=f"Leader {_n}")
    db.session.add(leader)
    db.session.flush()
    if answers is not None:
        db.session.add(EqualityAnswers(user_id=leader.id, **answers))
    plan = Plan(leader_id=leader.id, sponsor_id=sponsor.id, playbook_version_id=version.id, start_date=start,
                months=6, end_date=date(2026, 9, 2), status=status)
    db.session.add(plan)
    db.session.flush()
    return plan


def stored(dimension: str, label: str) -> str:
    """The value the account page stores for the answer with these words."""
    return next(v for v, text in equality.DIMENSIONS[dimension][1] if text == label)


def _row(report, dimension, group) -> dict:
    return next(r.figures for r in report.rows if (r.dimension, r.group) == (dimension, group))


def test_crafted_cohort_by_sex_and_ethnic_group(cast):
    version, sponsor = cast["plan_a"].playbook_version, cast["sponsor_a"]
    for sex, n in (("Female", 12), ("Male", 8), ("Prefer not to say", 3)):
        for _ in range(n):
            _plan(version, sponsor, {"sex": stored("sex", sex),
                                     "ethnic_group": stored("ethnic_group", "Indian" if sex == "Female" else "Irish")})
    _plan(version, sponsor)  # no answers at all
    db.session.commit()
    report = equity.report(date(2026, 1, 1), date(2026, 6, 30), today=TODAY)
    # 24 leaders (plans A and B start in September, outside the period)
    assert _row(report, "All leaders", "All leaders")["leaders"] == 25
    assert [_row(report, "Sex", g)["leaders"] for g in ("Female", "Male", "Prefer not to say", "Not answered")] \
        == [10, 10, S, S]
    ethnic = {g: _row(report, "Ethnic group", g)["leaders"] for g in
              ("Asian or Asian British", "White", "Black, Black British, Caribbean or African", "Not answered")}
    # 12 Indian -> Asian, 11 Irish -> White, 1 not answered: the lone hidden 1 takes the White 11 with it.
    assert ethnic == {"Asian or Asian British": 10, "White": S, "Black, Black British, Caribbean or African": 0,
                      "Not answered": S}
    assert _row(report, "Sex", "Prefer not to say")["overdue_per_plan"] == S
    assert _row(report, "Sex", "Female")["overdue_per_plan"] == 0.0


def test_measures(cast):
    version, sponsor, hr = cast["plan_a"].playbook_version, cast["sponsor_a"], cast["hr"]
    group = [_plan(version, sponsor, {"disability": stored("disability", "Yes")}, status="completed" if i < 2 else "active")
             for i in range(10)]
    first = group[0]
    # Check-ins of the first plan (cadence 14 days from 2 March): on time (16 March), late (1 April:
    # due 30 March), then on the date the last one set (20 April), red.
    for held, next_on, rag in ((date(2026, 3, 16), None, "green"), (date(2026, 4, 1), date(2026, 4, 20), "amber"),
                               (date(2026, 4, 20), None, "red")):
        db.session.add(CheckIn(plan_id=first.id, sponsor_id=sponsor.id, held_on=held, rag=rag, summary="s",
                               next_checkin_on=next_on))
    db.session.add(Nudge(recipient_id=sponsor.id, kind="escalation", subject_type="milestone", subject_id=1,
                         period="2026-04-01", plan_id=first.id, recorded_on=date(2026, 4, 1)))
    db.session.add(Pulse(plan_id=first.id, key="2", due_on=date(2026, 3, 16), answered_at=datetime(2026, 3, 16),
                         expectations=4, sponsor_support=2, reach=3, belonging=5, confidence=4))
    db.session.add(Pulse(plan_id=group[1].id, key="2", due_on=date(2026, 3, 16), answered_at=datetime(2026, 3, 16),
                         expectations=2, sponsor_support=3, reach=3, belonging=4, confidence=4))
    db.session.commit()
    plans.pause(group[2], hr, reason="Leave", on=date(2026, 5, 1))
    db.session.commit()
    report = equity.report(date(2026, 1, 1), date(2026, 6, 30), today=TODAY)
    row = _row(report, "Disability", "Disabled")
    assert (row["leaders"], row["completed"], row["withdrawn"]) == (10, S, 0)
    assert (row["checkins_in_cadence"], row["checkins_red"]) == (67, 33)  # 2 of 3, 1 of 3
    assert row["escalations_per_plan"] == 0.1
    assert row["pauses"] == S and row["extensions"] == 0  # 1 pause: a count of 1 is hidden
    assert row["pulse_expectations"] == 3.0 and row["pulse_belonging"] == 4.5
    assert row["days_to_mentor"] is None  # no mentor meetings: nothing to measure
    assert _row(report, "Disability", "Not disabled")["checkins_red"] == S


def test_period_defaults_to_the_last_12_months_and_is_checked(ctx):
    assert equity.default_period(date(2026, 11, 27)) == (date(2025, 11, 28), date(2026, 11, 27))
    assert equity.default_period(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))
    with pytest.raises(equity.PeriodError, match="on or before"):
        equity.report(date(2026, 2, 1), date(2026, 1, 1), today=TODAY)


def test_query_count_does_not_grow_with_the_cohort(cast):
    version, sponsor = cast["plan_a"].playbook_version, cast["sponsor_a"]
    counts = []
    for n in (5, 45):
        for _ in range(n):
            _plan(version, sponsor, {"sex": stored("sex", "Female")})
        db.session.commit()
        with counting_statements() as statements:
            equity.report(date(2026, 1, 1), date(2026, 6, 30), today=TODAY)
        counts.append(len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]))
    assert counts[0] == counts[1] == 7


# --- the command --------------------------------------------------------------------------------


def test_command_prints_only_rounded_or_hidden_counts(cast, runner):
    import json

    version, sponsor = cast["plan_a"].playbook_version, cast["sponsor_a"]
    for sex, n in (("Female", 13), ("Male", 2)):
        for _ in range(n):
            _plan(version, sponsor, {"sex": stored("sex", sex)}, start=date(2025, 6, 2))
    db.session.commit()
    result = runner.invoke(args=["report", "equity", "--from", "2025-01-01", "--to", "2025-12-31", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["from"], data["to"]) == ("2025-01-01", "2025-12-31")
    counts = [row[k] for row in data["rows"] for k in equity.COUNTS]
    assert counts and all(c == "*" or (isinstance(c, int) and c >= 0 and c % 5 == 0) for c in counts)
    by_group = {(r["dimension"], r["group"]): r["leaders"] for r in data["rows"]}
    assert by_group[("All leaders", "All leaders")] == 15
    # 13 women, 2 men: the men hidden, and the women too, or 15 - 15 would give the men away
    assert (by_group[("Sex", "Female")], by_group[("Sex", "Male")]) == ("*", "*")
    refused = runner.invoke(args=["report", "equity", "--from", "2025-12-31", "--to", "2025-01-01", "--json"])
    assert refused.exit_code != 0 and "on or before" in refused.output
