"""Starting a plan: the HR page, the API and the CLI refuse the same input with the same
message, each naming its own field (form field, JSON field, command-line option)."""
import html

import pytest
import sqlalchemy as sa

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


def via_cli(runner, client, login, cast, body):
    option = {"working_days": "--working-days", "playbook": "--playbook"}
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
]
CHANNELS = {"cli": via_cli, "api": via_api, "page": via_page}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("change, deactivated, field, message", REFUSALS)
def test_every_channel_gives_the_same_refusal(runner, client, login, cast, channel, change, deactivated, field, message):
    if deactivated:
        _deactivate(deactivated)
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
