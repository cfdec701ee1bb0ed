"""The command line: users, plans and demo data."""
import json
import os
import subprocess
import sys
from datetime import date

import pytest

from onboarding.extensions import db
from onboarding.models import Milestone, Plan, User
from onboarding.people import accounts
from onboarding.plans import planning

from .conftest import make_user


@pytest.fixture
def people(loaded):
    return {
        "leader": make_user("leader@example.nhs.uk", "Lee Leader"),
        "sponsor": make_user("sponsor@example.nhs.uk", "Sam Sponsor"),
        "mentor": make_user("mentor@example.nhs.uk", "Mo Mentor"),
    }


def test_users_create_with_password_from_environment(runner, ctx, monkeypatch):
    monkeypatch.setenv("ONBOARDING_PASSWORD", "a long enough password")
    result = runner.invoke(args=["users", "create", "--email", "New.Person@Example.NHS.uk", "--name", "New Person", "--hr"])
    assert result.exit_code == 0, result.output
    user = accounts.find_user("new.person@example.nhs.uk")
    assert user.is_hr and accounts.check_password(user, "a long enough password")
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_without_password_prints_a_single_use_link(runner, client, ctx, monkeypatch):
    monkeypatch.delenv("ONBOARDING_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "create", "--email", "invitee@example.nhs.uk", "--name", "Invitee"], input="")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert link.startswith("http://onboarding.test/set-password/")
    path = link.removeprefix("http://onboarding.test")
    form = {"password": "my new long password", "confirm": "my new long password"}
    assert client.post(path, data=form).status_code == 302
    assert client.get(path).status_code == 404, "the link works once"
    assert client.post("/login", data={"email": "invitee@example.nhs.uk", "password": form["password"]}).status_code == 302


def test_users_create_refuses_a_duplicate_email(runner, ctx, monkeypatch):
    monkeypatch.setenv("ONBOARDING_PASSWORD", "a long enough password")
    make_user("taken@example.nhs.uk")
    result = runner.invoke(args=["users", "create", "--email", "TAKEN@example.nhs.uk", "--name", "Again"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_plans_create_and_show_json(runner, people):
    result = runner.invoke(args=[
        "plans", "create", "--leader", "leader@example.nhs.uk", "--sponsor", "sponsor@example.nhs.uk",
        "--mentor", "mentor@example.nhs.uk", "--playbook", "compressed-13-weeks", "--start", "2026-12-21",
        "--months", "3", "--working-days", "mon,wed,thu"])
    assert result.exit_code == 0, result.output
    plan_id = int(result.output.strip().splitlines()[-1])

    shown = runner.invoke(args=["plans", "show", str(plan_id), "--json"])
    data = json.loads(shown.output)
    assert set(data) == {"id", "leader", "sponsor", "mentor", "playbook", "playbook_version", "start", "end",
                         "months", "working_days", "on_site_days", "status", "pause_reason", "expected_return_on", "esr_number",
                         "external_id", "milestones"}
    assert (data["pause_reason"], data["expected_return_on"]) == (None, None)  # not paused
    assert data["id"] == plan_id
    assert (data["leader"], data["sponsor"], data["mentor"]) == ("leader@example.nhs.uk", "sponsor@example.nhs.uk", "mentor@example.nhs.uk")
    assert (data["playbook"], data["playbook_version"], data["months"]) == ("compressed-13-weeks", 1, 3)
    assert (data["start"], data["end"], data["status"]) == ("2026-12-21", "2027-03-21", "active")
    assert data["working_days"] == ["mon", "wed", "thu"]
    assert len(data["milestones"]) == 19  # the compressed playbook's milestones
    assert set(data["milestones"][0]) == {"key", "title", "phase", "category", "owner", "due", "status"}
    cal = planning.Calendar(("mon", "wed", "thu"))
    for m in data["milestones"]:
        due = date.fromisoformat(m["due"])
        assert cal.is_working_day(due) and due not in (date(2026, 12, 25), date(2026, 12, 28))
        assert m["status"] == "todo"


@pytest.mark.parametrize("change, message", [
    ({"--leader": "nobody@example.nhs.uk"}, "--leader: There is no user with the email nobody@example.nhs.uk"),
    ({"--sponsor": "ghost@example.nhs.uk"}, "--sponsor: There is no user with the email ghost@example.nhs.uk"),
    ({"--playbook": "no-such-playbook"}, "--playbook: There is no playbook called no-such-playbook"),
    ({"--months": "7"}, "--months: Choose a length of 3 to 6 months, not 7"),
    ({"--months": "2"}, "--months: Choose a length of 3 to 6 months, not 2"),
    ({"--start": "2026-13-01"}, "Invalid value for '--start': '2026-13-01' is not a date in the form YYYY-MM-DD"),
    ({"--start": "next monday"}, "is not a date in the form YYYY-MM-DD"),
    ({"--working-days": "mon,fun"}, "--working-days: Unknown working day 'fun'"),
    ({"--working-days": "sat,sun"}, "weekend"),
    ({"--sponsor": "leader@example.nhs.uk"}, "--sponsor: The sponsor must be someone other than the leader"),
])
def test_plans_create_refuses_bad_input_and_writes_nothing(runner, people, change, message):
    args = {"--leader": "leader@example.nhs.uk", "--sponsor": "sponsor@example.nhs.uk",
            "--playbook": "compressed-13-weeks", "--start": "2026-12-21", "--months": "3"} | change
    result = runner.invoke(args=["plans", "create", *[x for pair in args.items() for x in pair]])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Plan)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Milestone)) == 0


@pytest.mark.parametrize("plan_id", ["999", "0", "99999999999999999999"])
def test_plans_show_unknown_id(runner, people, plan_id):
    result = runner.invoke(args=["plans", "show", plan_id])
    assert result.exit_code == 1 and f"no plan with id {plan_id}" in result.output


def test_demo_seeds_plans_at_different_stages_and_is_safe_to_repeat(runner, loaded):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "hr@example.nhs.uk" in first.output and "leader.cdio@example.nhs.uk" in first.output
    def counts():
        return (db.session.scalar(db.select(db.func.count()).select_from(User)),
                db.session.scalar(db.select(db.func.count()).select_from(Plan)))

    before = counts()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts() == before == (7, 3)
    statuses = sorted(p.status for p in db.session.scalars(db.select(Plan)))
    assert statuses == ["active", "active", "completed"]
    milestones = db.session.scalars(db.select(Milestone)).all()
    assert any(m.status == "done" for m in milestones)
    assert any(m.status == "todo" and m.due_date < date.today() for m in milestones)


def test_the_console_script_starts_quickly_and_lists_the_commands(tmp_path):
    env = os.environ | {"ONBOARDING_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "onboarding"), "--help"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0
    for command in ("init", "demo", "playbooks", "plans", "users"):
        assert command in result.stdout
