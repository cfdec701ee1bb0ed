"""The nudge policy on its own: plain snapshots and a date, no database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from onboarding import plans
from onboarding.nudges import MilestoneFacts, Person, PlanFacts, Policy, backoff, due_nudges

LEADER = Person(1, "leader@example.nhs.uk", "Lee Leader")
SPONSOR = Person(2, "sponsor@example.nhs.uk", "Sam Sponsor")
MENTOR = Person(3, "mentor@example.nhs.uk", "Mo Mentor")
HR = Person(4, "hr@example.nhs.uk", "Hana HR")


def plan(*milestones, **changes) -> PlanFacts:
    base = dict(id=10, leader=LEADER, sponsor=SPONSOR, mentor=MENTOR, hr_contact=HR, start_date=date(2026, 9, 7),
                checkin_cadence_days=400, milestones=tuple(milestones))
    return PlanFacts(**(base | changes))


def ms(due: date, owner: str = "leader", status: str = "todo", id: int = 100) -> MilestoneFacts:
    return MilestoneFacts(id, "Meet the Caldicott Guardian", owner, due, status)


def kinds(plans, day, kind=None):
    found = due_nudges(plans if isinstance(plans, list) else [plans], day)
    return [(d.recipient_id, d.kind, d.period) for d in found if kind is None or d.kind == kind]


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def sweep_range(plans, start, end, kind=None):
    """Run the policy every day and keep each key once, as the outbox would."""
    seen = {}
    for day in days(start, end):
        for item in kinds(plans, day, kind):
            seen.setdefault(item, day)
    return seen


def test_defaults_due_soon_three_working_days_before_once():
    p = plan(ms(date(2026, 10, 15)))  # a Thursday
    seen = sweep_range(p, date(2026, 10, 5), date(2026, 10, 15), "due_soon")
    assert seen == {(1, "due_soon", "2026-10-15"): date(2026, 10, 12)}  # the Monday, 3 working days before


def test_overdue_first_working_day_after_then_every_five():
    p = plan(ms(date(2026, 10, 16)))  # a Friday
    seen = sweep_range(p, date(2026, 10, 16), date(2026, 11, 10), "overdue")
    assert sorted(seen.values()) == [date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)]
    assert (1, "overdue", "2026-10-16#0") in seen and (1, "overdue", "2026-10-16#3") in seen


def test_after_downtime_only_the_current_repeat_and_no_due_soon():
    p = plan(ms(date(2026, 10, 16)))
    # Twelve working days late: repeat index 2 only, nothing for 0 and 1, no due-soon.
    assert kinds(p, date(2026, 11, 3)) == [
        (1, "overdue", "2026-10-16#2"),
        (2, "digest", "2026-W45"),  # this week's digest, none for the weeks missed
        (2, "escalation", "2026-10-16"),
    ]


def test_escalation_to_sponsor_once_for_leader_milestones_only():
    leader_m = ms(date(2026, 10, 16), id=100)
    mentor_m = ms(date(2026, 10, 16), owner="mentor", id=101)
    seen = sweep_range(plan(leader_m, mentor_m), date(2026, 10, 16), date(2026, 12, 1), "escalation")
    assert seen == {(2, "escalation", "2026-10-16"): date(2026, 10, 30)}  # 10 working days overdue


@pytest.mark.parametrize("day", [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 28),
                                 date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)])
def test_nothing_on_weekends_or_bank_holidays(day):
    p = plan(ms(day - timedelta(days=3)), ms(day + timedelta(days=1), id=101), checkin_cadence_days=14)
    assert kinds(p, day) == []


def test_weekly_digest_on_first_working_day_of_the_week():
    p = plan()
    seen = sweep_range(p, date(2026, 12, 14), date(2027, 1, 10), "digest")
    assert sorted(seen.values()) == [date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 29), date(2027, 1, 4)]
    easter = sweep_range(p, date(2027, 3, 22), date(2027, 4, 4), "digest")
    assert sorted(easter.values()) == [date(2027, 3, 22), date(2027, 3, 30)]  # Easter Monday moves it to Tuesday


def test_the_leaders_own_working_pattern():
    # A Monday and Wednesday leader: due-soon counts and lands on their days only.
    p = plan(ms(date(2026, 10, 14)), working_days=("mon", "wed"))  # due Wednesday
    seen = sweep_range(p, date(2026, 9, 28), date(2026, 10, 14), "due_soon")
    assert seen == {(1, "due_soon", "2026-10-14"): date(2026, 10, 5)}  # Mon 5, Wed 7, Mon 12, Wed 14
    overdue = sweep_range(p, date(2026, 10, 15), date(2026, 10, 22), "overdue")
    assert list(overdue.values()) == [date(2026, 10, 19)]  # next Monday, not Thursday 15th


def test_owner_roles_reach_the_right_person():
    p = plan(ms(date(2026, 10, 15), "sponsor", id=1), ms(date(2026, 10, 15), "mentor", id=2), ms(date(2026, 10, 15), "hr", id=3))
    assert {r for r, k, _ in kinds(p, date(2026, 10, 12), "due_soon")} == {2, 3, 4}
    no_mentor_no_hr = plan(*p.milestones, mentor=None, hr_contact=None)
    assert {r for r, k, _ in kinds(no_mentor_no_hr, date(2026, 10, 12), "due_soon")} == {2}


@pytest.mark.parametrize("status", ["paused", "completed", "withdrawn"])
def test_closed_or_paused_plans_get_nothing(status):
    p = plan(ms(date(2026, 10, 15)), ms(date(2026, 10, 1), id=101), checkin_cadence_days=14, status=status)
    assert all(kinds(p, day) == [] for day in days(date(2026, 9, 28), date(2026, 11, 20)))


@pytest.mark.parametrize("status", ["done", "skipped"])
def test_done_and_skipped_milestones_get_nothing(status):
    p = plan(ms(date(2026, 10, 15), status=status))
    assert sweep_range(p, date(2026, 10, 1), date(2026, 12, 1), "due_soon") == {}
    assert sweep_range(p, date(2026, 10, 1), date(2026, 12, 1), "overdue") == {}


def test_muted_inactive_and_digest_only_people():
    late = ms(date(2026, 10, 1))
    muted = plan(late, leader=Person(1, "l@x", "L", nudge_mode="mute"), sponsor=Person(2, "s@x", "S", nudge_mode="mute"))
    assert kinds(muted, date(2026, 10, 19)) == []
    inactive = plan(late, leader=Person(1, "l@x", "L", active=False), sponsor=Person(2, "s@x", "S", active=False))
    assert kinds(inactive, date(2026, 10, 19)) == []
    digest_only = plan(late, checkin_cadence_days=14, leader=Person(1, "l@x", "L", nudge_mode="digest"),
                       sponsor=Person(2, "s@x", "S", nudge_mode="digest"))
    assert kinds(digest_only, date(2026, 10, 19)) == [(2, "digest", "2026-W43")]


def test_checkin_due_once_per_cadence_period():
    p = plan(checkin_cadence_days=14)  # start Monday 7 September 2026
    seen = sweep_range(p, date(2026, 9, 7), date(2026, 10, 9), "checkin_due")
    assert seen == {(2, "checkin_due", "2026-09-07+1"): date(2026, 9, 21), (2, "checkin_due", "2026-09-07+2"): date(2026, 10, 5)}
    logged = plan(checkin_cadence_days=14, last_checkin=date(2026, 9, 30))
    assert kinds(logged, date(2026, 10, 13), "checkin_due") == []
    # Falls on a Saturday: the reminder waits for Monday.
    assert kinds(logged, date(2026, 10, 14), "checkin_due") == [(2, "checkin_due", "2026-09-30+1")]



def test_checkin_due_waits_for_the_date_the_sponsor_set():
    # Checked in Monday 14 Sep, next set for Monday 30 Nov: the 14-day cadence (28 Sep) does not apply.
    p = plan(checkin_cadence_days=14, last_checkin=date(2026, 9, 14), next_checkin_on=date(2026, 11, 30))
    assert sweep_range(p, date(2026, 9, 14), date(2026, 11, 27), "checkin_due") == {}
    # Due on 30 Nov, then again a cadence later while nothing is logged; the key counts
    # from one cadence before the due date (16 Nov).
    assert sweep_range(p, date(2026, 11, 30), date(2026, 12, 14), "checkin_due") == {
        (2, "checkin_due", "2026-11-16+1"): date(2026, 11, 30), (2, "checkin_due", "2026-11-16+2"): date(2026, 12, 14)}

def test_playbook_overrides_the_global_defaults():
    config = {"NUDGE_DUE_SOON_WORKING_DAYS": 3, "NUDGE_OVERDUE_EVERY_WORKING_DAYS": 5, "NUDGE_ESCALATE_AFTER_WORKING_DAYS": 10}
    assert Policy.from_settings(config) == Policy(3, 5, 10)
    policy = Policy.from_settings(config, {"due_soon_working_days": 1, "escalate_after_working_days": 2})
    assert policy == Policy(1, 5, 2)
    p = plan(ms(date(2026, 10, 15)), policy=policy)
    assert sweep_range(p, date(2026, 10, 1), date(2026, 10, 15), "due_soon") == {(1, "due_soon", "2026-10-15"): date(2026, 10, 14)}


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=15), timedelta(minutes=45), timedelta(minutes=135)]
    assert backoff(20) == timedelta(days=1)


def test_the_policy_takes_due_soon_from_the_pages_rule():
    """One home for "due soon": the nudge policy asks plans.due_soon_working_days, as the pages do."""
    config = {"NUDGE_DUE_SOON_WORKING_DAYS": 4}
    assert Policy.from_settings(config).due_soon_working_days == plans.due_soon_working_days(None, config) == 4
    playbook = {"due_soon_working_days": 2}
    assert Policy.from_settings(config, playbook).due_soon_working_days == plans.due_soon_working_days(playbook, config) == 2
    assert Policy.from_settings(config, {"due_soon_working_days": 0}).due_soon_working_days == 1
