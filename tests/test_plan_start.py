"""Starting a plan: the HR page, the API and the CLI refuse the same input with the same
message, each naming its own field (form field, JSON field, command-line option)."""
import copy
import html
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.models import Milestone, Plan, User
from onboarding.people import tokens

GOOD = {"leader": "leader.b@example.nhs.uk", "sponsor": "sponsor.a@example.nhs.uk", "mentor": "mentor.a@example.nhs.uk",
        "playbook": "compressed-13-weeks", "start": "2026-10-05", "months": 3, "working_days": ["mon", "wed", "thu"]}


STEP_BREAK = "\n<!-- next step -->\n"


def _deactivate(email):
    user = db.session.scalar(sa.select(User).filter_by(email=email))
    user.active = False
    db.session.commit()


def _counts():
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count(Plan.id))), db.session.scalar(sa.select(sa.func.count(Milestone.id))))


def floored_playbook():
    """The CDIO playbook as 'floored', its strategy outline (week 16) held to week 16 of any plan."""
    content = copy.deepcopy(playbooks.content_of(playbooks.get_playbook("cdio-cio-26-weeks").latest))
    content.slug = "floored"
    outline = next(m for m in content.milestones if m["key"] == "strategy-refresh-outline")
    outline["not_before_week"] = 16
    playbooks.publish(content)
    db.session.commit()


def via_cli(runner, client, login, cast, body):
    option = {"working_days": "--working-days", "playbook": "--playbook", "on_site_days": "--on-site-days"}
    args = ["plans", "create"]
    for name, value in body.items():
        if value is None:
            continue
        args += [option.get(name, f"--{name}"), ",".join(value) if isinstance(value, list) else str(value)]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    return result.output


def via_api(runner, client, login, cast, body):
    _, raw = tokens.create(cast["hr"], "test")
    db.session.commit()
    response = client.post("/api/v1/plans", json={k: v for k, v in body.items() if v is not None},
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 422
    data = response.get_json()
    return f"field {data['field']}: {data['message']}"


def via_page(runner, client, login, cast, body):
    """The preview and the confirm step both refuse: the preview shows no dates for a plan
    that could not start."""
    login(cast["hr"])
    form = {k: ("" if v is None else v if isinstance(v, list) else str(v)) for k, v in body.items() if k != "start"}
    year, month, day = body["start"].split("-")  # the page's NHS.UK date input: three boxes
    form |= {"start-day": day, "start-month": month, "start-year": year}
    pages = []
    for step in ("preview", "confirm"):
        response = client.post("/hr/plans/new", data=form | {"step": step})
        assert response.status_code == 400
        pages.append(html.unescape(response.get_data(as_text=True)))
    assert "Confirm and create plan" not in pages[0]
    return STEP_BREAK.join(pages)


# (change to the good request, who is deactivated first, field, message): worked out by hand.
REFUSALS = [
    ({}, "leader.b@example.nhs.uk", "leader", "leader.b@example.nhs.uk is deactivated, so cannot be the leader"),
    ({}, "sponsor.a@example.nhs.uk", "sponsor", "sponsor.a@example.nhs.uk is deactivated, so cannot be the sponsor"),
    ({}, "mentor.a@example.nhs.uk", "mentor", "mentor.a@example.nhs.uk is deactivated, so cannot be the mentor"),
    ({"sponsor": "leader.b@example.nhs.uk"}, None, "sponsor", "The sponsor must be someone other than the leader"),
    ({"mentor": "sponsor.a@example.nhs.uk"}, None, "mentor", "The mentor must be someone other than the leader and the sponsor"),
    ({"leader": "nobody@example.nhs.uk"}, None, "leader", "There is no user with the email nobody@example.nhs.uk"),
    ({"playbook": "no-such-playbook"}, None, "playbook", "There is no playbook called no-such-playbook"),
    ({"months": 7}, None, "months", "Choose a length of 3 to 6 months, not 7"),
    ({"months": 2}, None, "months", "Choose a length of 3 to 6 months, not 2"),
    ({"working_days": ["mon", "sat"]}, None, "working_days", "Sat cannot be a working day: plans never fall on a weekend"),
    ({"on_site_days": ["tue", "thu"]}, None, "on_site_days",
     "The on-site days must be among the leader's working days: Tuesday is not"),
    ({"on_site_days": ["sun"]}, None, "on_site_days", "Choose on-site days from Monday to Friday"),
    # A playbook whose strategy outline may not come before week 16 (see floored_playbook):
    # week 16 of a plan from 5 October 2026 starts on 18 January, after a 3-month plan's end.
    ({"playbook": "floored", "months": 3}, None, "months",
     "Present a digital strategy refresh outline to the Board or Digital Committee needs at least 4 months: "
     "it cannot be due before week 16 of the plan"),
]
CHANNELS = {"cli": via_cli, "api": via_api, "page": via_page}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("change, deactivated, field, message", REFUSALS)
def test_every_channel_gives_the_same_refusal(runner, client, login, cast, channel, change, deactivated, field, message):
    if deactivated:
        _deactivate(deactivated)
    floored_playbook()
    before = _counts()
    said = CHANNELS[channel](runner, client, login, cast, GOOD | change)
    for part in said.split(STEP_BREAK):  # the page's preview and confirm steps each
        assert message in part
    if channel == "cli":
        assert f"--{field.replace('_', '-')}" in said
    elif channel == "api":
        assert said.startswith(f"field {field}:")
    else:
        assert all(f'href="#{field}"' in part for part in said.split(STEP_BREAK))
    assert _counts() == before, "nothing written"


@pytest.mark.parametrize("role", ["leader", "sponsor", "mentor"])
def test_cli_refuses_a_deactivated_person(runner, cast, role):
    email = GOOD[role]
    _deactivate(email)
    before = _counts()
    output = via_cli(runner, None, None, cast, GOOD)
    assert f"{email} is deactivated" in output
    assert _counts() == before


def test_the_same_plan_is_accepted_one_month_longer(runner, cast):
    floored_playbook()
    result = runner.invoke(args=["plans", "create", "--leader", GOOD["leader"], "--sponsor", GOOD["sponsor"],
                                 "--playbook", "floored", "--start", "2026-10-05", "--months", "4"])
    assert result.exit_code == 0, result.output
    plan = db.session.get(Plan, int(result.output.split()[-1]))
    outline = next(m for m in plan.milestones if m.key == "strategy-refresh-outline")
    assert outline.due_date == date(2027, 1, 18)  # Monday of week 16
    assert outline.due_date <= plan.end_date == date(2027, 2, 5)


def test_every_channel_records_the_on_site_days(runner, client, login, cast):
    """Tuesday and Thursday on site: meeting the Chair and executives and the shadowing visit land on them."""
    body = GOOD | {"playbook": "cdio-cio-26-weeks", "months": 6, "working_days": ["mon", "tue", "wed", "thu"],
                   "on_site_days": ["tue", "thu"], "mentor": None}
    result = runner.invoke(args=["plans", "create", "--leader", body["leader"], "--sponsor", body["sponsor"],
                                 "--playbook", body["playbook"], "--start", body["start"], "--months", "6",
                                 "--working-days", "mon,tue,wed,thu", "--on-site-days", "thu,tue"])
    assert result.exit_code == 0, result.output
    by_cli = db.session.get(Plan, int(result.output.split()[-1]))
    _, raw = tokens.create(cast["hr"], "test")
    db.session.commit()
    response = client.post("/api/v1/plans", json={k: v for k, v in body.items() if v is not None},
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201, response.get_json()
    by_api = db.session.get(Plan, response.get_json()["id"])
    for plan in (by_cli, by_api):
        assert plan.on_site_days == "tue,thu"
        due = {m.key: m.due_date for m in plan.milestones}
        # Week 6 of a 26-week plan from Monday 5 October ends Friday 13 November; the next day on
        # site is Tuesday 17th (without on-site days it would be Monday 16th, the next working day).
        assert due["frontline-shadowing"] == date(2026, 11, 17)
        assert all(due[k].strftime("%a") in ("Tue", "Thu") for k in ("frontline-shadowing", "chair-and-exec-one-to-ones"))
    shown = runner.invoke(args=["plans", "show", str(by_cli.id)]).output
    assert "works mon, tue, wed, thu; on site tue, thu" in shown


def test_every_working_day_on_site_is_stored_as_none_named(runner, cast):
    result = runner.invoke(args=["plans", "create", "--leader", GOOD["leader"], "--sponsor", GOOD["sponsor"],
                                 "--playbook", "compressed-13-weeks", "--start", "2026-10-05", "--months", "3",
                                 "--working-days", "mon,wed", "--on-site-days", "wed,mon"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Plan, int(result.output.split()[-1])).on_site_days == ""


def test_the_preview_compares_a_part_time_plan_and_tags_on_site_milestones(client, login, cast):
    login(cast["hr"])
    form = {"leader": GOOD["leader"], "sponsor": GOOD["sponsor"], "playbook": "compressed-13-weeks", "months": "3",
            "working_days": ["mon", "wed", "thu"], "on_site_days": ["wed"], "start-day": "5", "start-month": "10",
            "start-year": "2026", "step": "preview"}
    page = html.unescape(client.post("/hr/plans/new", data=form).get_data(as_text=True))
    # Monday, Wednesday and Thursday from 5 October: 39 days in 3 months (28 December is a bank
    # holiday, 4 January is in), against 13 weeks of Monday to Friday less Christmas Day, 28 December
    # and New Year's Day: 62. Four months give 53, five give 65.
    assert ("Working 3 days a week, the leader has 39 working days in this 3-month plan. The playbook is "
            "written for 13 weeks full time, 62 working days. A 5-month plan gives them 65.") in page
    assert '<input type="hidden" name="on_site_days" value="wed">' in page
    # The two on-site milestones are tagged and moved to the next Wednesday: meeting the team
    # (week 2: day 11 of 92, Friday 16 October) and the interviews with a shadowing visit (week 6:
    # day 39, Friday 13 November).
    assert page.count(">On site</strong>") == 2
    for title, day in (("Meet your own team in person", "Wednesday 21 October 2026"),
                       ("Complete at least eight clinician priority interviews", "Wednesday 18 November 2026")):
        row = page[page.rindex("<tr", 0, page.index(title)):]
        assert day in row[:row.index("</tr>")], title

    full_time = form | {"working_days": ["mon", "tue", "wed", "thu", "fri"], "on_site_days": []}
    page = client.post("/hr/plans/new", data=full_time).get_data(as_text=True)
    assert "working-pattern" not in page and "Every working day" in page
