"""HR pages: access (HR only, everyone else 404), the cohort, starting a plan,
plan administration, playbooks and users."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from onboarding import plans, playbooks
from onboarding.extensions import db
from onboarding.models import AuditEvent, Plan, User

from .conftest import make_user, queries_in_request

GET_PAGES = [
    "/hr/cohort",
    "/hr/cohort.csv",
    "/hr/plans/new",
    "/hr/plans/{plan}",
    "/hr/playbooks",
    "/hr/playbooks/cdio-cio-26-weeks/v1",
    "/hr/playbooks/cdio-cio-26-weeks/v1.yaml",
    "/hr/playbooks/cdio-cio-26-weeks/copy",
    "/hr/drafts/new",
    "/hr/users",
]
POSTS = [
    "/hr/plans/new",
    "/hr/plans/{plan}/reassign",
    "/hr/plans/{plan}/pause",
    "/hr/plans/{plan}/resume",
    "/hr/plans/{plan}/extend",
    "/hr/plans/{plan}/close",
    "/hr/plans/{plan}/rebase",
    "/hr/playbooks/upload",
    "/hr/playbooks/cdio-cio-26-weeks/draft",
    "/hr/playbooks/cdio-cio-26-weeks/copy",
    "/hr/drafts/new",
    "/hr/users/invite",
    "/hr/users/{user}/deactivate",
    "/hr/users/{user}/grant-hr",
]


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("who", ["leader_a", "sponsor_a", "mentor_a", "other_sponsor"])
def test_non_hr_gets_404_everywhere(cast, client, login, who):
    login(cast[who])
    plan_id, user_id = cast["plan_a"].id, cast["leader_b"].id
    for url in GET_PAGES:
        assert client.get(url.format(plan=plan_id)).status_code == 404, url
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    for url in POSTS:
        assert client.post(url.format(plan=plan_id, user=user_id), data={}).status_code == 404, url
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before


def test_anonymous_is_sent_to_sign_in(cast, client):
    response = client.get("/hr/cohort")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_hr_sees_every_page(cast, client, login):
    login(cast["hr"])
    for url in GET_PAGES:
        response = client.get(url.format(plan=cast["plan_a"].id))
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])


def test_nav_shows_hr_links(cast, client, login):
    login(cast["hr"])
    page = client.get("/hr/cohort").get_data(as_text=True)
    for href in ("/hr/cohort", "/hr/plans/new", "/hr/playbooks", "/hr/users"):
        assert f'href="{href}"' in page


# --- cohort -----------------------------------------------------------------------------------


def test_cohort_lists_and_filters(cast, client, login):
    login(cast["hr"])
    page = client.get("/hr/cohort").get_data(as_text=True)
    assert "Leader A" in page and "Leader B" in page and "2 plans match" in page
    plans.pause(cast["plan_b"], cast["hr"], on=date(2026, 9, 10))
    db.session.commit()
    page = client.get("/hr/cohort?status=paused").get_data(as_text=True)
    assert "Leader B" in page and "Leader A" not in page
    page = client.get("/hr/cohort?playbook=compressed-13-weeks").get_data(as_text=True)
    assert "No plans match" in page
    assert client.get("/hr/cohort?status=nonsense").status_code == 400


def test_cohort_overdue_only(cast, client, login):
    login(cast["hr"])
    # Nothing of plan A is overdue; all of plan B is.
    for m in cast["plan_a"].milestones:
        m.due_date = date(2099, 1, 5)
    for m in cast["plan_b"].milestones:
        m.due_date = date(2020, 1, 6)
    db.session.commit()
    page = client.get("/hr/cohort?overdue=y").get_data(as_text=True)
    assert "Leader B" in page and "Leader A" not in page


def test_cohort_csv_has_rows_and_defuses_formulas(cast, client, login):
    cast["leader_a"].name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    login(cast["hr"])
    response = client.get("/hr/cohort.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["plan id", "leader", "leader email"]
    assert len(rows) == 3
    names = {r[1] for r in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in names and "Leader B" in names
    only_b = list(csv.reader(io.StringIO(client.get("/hr/cohort.csv?status=paused").get_data(as_text=True))))
    assert len(only_b) == 1  # header only: no paused plans


def test_cohort_paginates(cast, client, login):
    version = cast["plan_a"].playbook_version
    for i in range(26):
        leader = make_user(f"extra{i}@example.nhs.uk", f"Extra {i:02d}")
        plans.create_plan(leader=leader, sponsor=cast["sponsor_a"], version=version, start=date(2026, 1, 5), months=3)
    db.session.commit()
    login(cast["hr"])
    first = client.get("/hr/cohort").get_data(as_text=True)
    assert "28 plans match" in first and "page 1 of 2" in first
    assert 'href="/hr/cohort?page=2"' in first
    second = client.get("/hr/cohort?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second
    assert first.count("nhsuk-table__row") - 1 == 25
    assert second.count("nhsuk-table__row") - 1 == 3


def _count_queries(app, client, url) -> int:
    return queries_in_request(client, url)


def _add_plans(cast, n):
    version = cast["plan_a"].playbook_version
    for i in range(n):
        leader = make_user(f"bulk{i}-{db.session.scalar(sa.select(sa.func.count(User.id)))}@example.nhs.uk")
        plans.create_plan(leader=leader, sponsor=cast["sponsor_a"], mentor=cast["mentor_a"], version=version,
                          start=date(2026, 1, 5), months=3)
    db.session.commit()


# Real commits: the joined test session's SAVEPOINTs would be counted as queries.
@pytest.mark.real_commits
def test_cohort_queries_do_not_grow_with_plans(app, cast, client, login):
    login(cast["hr"])
    _add_plans(cast, 3)  # 5 plans
    five = _count_queries(app, client, "/hr/cohort")
    _add_plans(cast, 45)  # 50 plans (two pages of rows: the first holds 25)
    fifty = _count_queries(app, client, "/hr/cohort")
    assert five == fifty
    assert _count_queries(app, client, "/hr/cohort?overdue=y&status=active") == five


# --- start a plan -----------------------------------------------------------------------------


def _plan_form(cast, **overrides):
    data = {
        "leader": cast["leader_b"].email,
        "sponsor": cast["sponsor_a"].email,
        "mentor": cast["mentor_a"].email,
        "playbook": "compressed-13-weeks",
        "start-day": "5", "start-month": "10", "start-year": "2026",
        "months": "3",
        "working_days": ["mon", "wed", "thu"],
    }
    if "start" in overrides:  # "YYYY-MM-DD" into the NHS.UK date input's three boxes
        parts = overrides.pop("start").split("-")
        data |= dict(zip(("start-year", "start-month", "start-day"), parts + ["", "", ""]))
    data.update(overrides)
    return data


def test_new_plan_preview_then_confirm(cast, client, login):
    login(cast["hr"])
    cast["plan_b"].status = "withdrawn"  # so leader B has no open plan: nothing to warn about
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(Plan.id)))
    page = client.post("/hr/plans/new", data=_plan_form(cast, step="preview"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Confirm and create plan" in text
    version = playbooks.get_playbook("compressed-13-weeks").latest
    expected = plans.preview(version, date(2026, 10, 5), 3, "mon,wed,thu")
    for item in expected:
        assert f"{item.due:%A} {item.due.day} {item.due:%B %Y}" in text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Plan.id))) == before  # a preview saves nothing
    response = client.post("/hr/plans/new", data=_plan_form(cast, step="confirm"))
    assert response.status_code == 302
    plan = db.session.scalars(sa.select(Plan).order_by(Plan.id.desc())).first()
    assert plan.leader.email == cast["leader_b"].email and plan.working_days == "mon,wed,thu"
    assert [m.due_date for m in plan.milestones] == [i.due for i in expected]
    assert response.headers["Location"].endswith(f"/hr/plans/{plan.id}")
    assert "plan.create" in audit_actions()


def test_new_plan_invites_a_new_leader(cast, client, login):
    login(cast["hr"])
    data = _plan_form(cast, leader="Nia.New@example.nhs.uk", new_leader="y", leader_name="Nia New", step="confirm")
    response = client.post("/hr/plans/new", data=data, follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "http://onboarding.test/set-password/" in text
    user = db.session.scalar(sa.select(User).filter_by(email="nia.new@example.nhs.uk"))
    assert user is not None and user.password_hash is None
    plan = db.session.scalar(sa.select(Plan).filter_by(leader_id=user.id))
    assert plan is not None
    link = re.search(r"http://onboarding\.test(/set-password/[\w.-]+)", text).group(1)
    assert client.get(link).status_code in (200, 302)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"months": "7"}, "months"),
        ({"months": "2"}, "months"),
        ({"start-day": "31", "start-month": "2"}, "start-day"),
        ({"start-day": "", "start-month": "", "start-year": ""}, "start-day"),
        ({"leader": "nobody@example.nhs.uk"}, "leader"),
        ({"sponsor": "nobody@example.nhs.uk"}, "sponsor"),
        ({"playbook": "no-such-playbook"}, "playbook"),
        ({"sponsor": "leader.b@example.nhs.uk"}, "sponsor"),
        ({"mentor": "leader.b@example.nhs.uk"}, "mentor"),
        ({"working_days": []}, "working_days"),
        ({"working_days": ["sat"]}, "working_days"),
        ({"leader": "", "new_leader": "y", "leader_name": "Nia New"}, "leader"),
        ({"leader": "nia@example.nhs.uk", "new_leader": "y", "leader_name": ""}, "leader_name"),
        ({"leader": "hr@example.nhs.uk", "new_leader": "y", "leader_name": "X"}, "leader"),
        ({"sponsor": "sam@example.nhs.uk", "new_sponsor": "y", "sponsor_name": ""}, "sponsor_name"),
        ({"mentor": "leader.a@example.nhs.uk", "new_mentor": "y", "mentor_name": "X"}, "mentor"),
    ],
)
def test_new_plan_refuses_bad_input(cast, client, login, overrides, field):
    login(cast["hr"])
    before = (db.session.scalar(sa.select(sa.func.count(Plan.id))), db.session.scalar(sa.select(sa.func.count(User.id))))
    for step in ("preview", "confirm"):
        response = client.post("/hr/plans/new", data=_plan_form(cast, step=step, **overrides))
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "There is a problem" in text
        assert f'href="#{field}"' in text, text[text.find("nhsuk-error-summary"):][:1500]
    db.session.expire_all()
    after = (db.session.scalar(sa.select(sa.func.count(Plan.id))), db.session.scalar(sa.select(sa.func.count(User.id))))
    assert after == before


def test_bad_csrf_token_is_refused(cast, app, client, login):
    login(cast["hr"])
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/hr/plans/new")  # the session now holds a real token
    before = db.session.scalar(sa.select(sa.func.count(Plan.id)))
    response = client.post("/hr/plans/new", data=_plan_form(cast, step="confirm", csrf_token="forged"))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Plan.id))) == before
    assert client.post("/hr/users/invite", data={"name": "X", "email": "x@example.nhs.uk", "csrf_token": "bad"}).status_code == 400
    assert db.session.scalar(sa.select(User).filter_by(email="x@example.nhs.uk")) is None


# --- plan administration ----------------------------------------------------------------------


def test_pause_and_resume_move_open_dates(cast, client, login):
    login(cast["hr"])
    plan = cast["plan_a"]
    first = plan.milestones[0]
    plans.complete_milestone(first, cast["hr"], note="sent")
    db.session.commit()
    before = {m.key: m.due_date for m in plan.milestones}
    end_before = plan.end_date
    assert client.post(f"/hr/plans/{plan.id}/pause", data={"pause-reason": "Sick leave"}).status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "paused"
    # Backdate the pause so resuming today moves dates by a known, positive amount.
    plan.paused_on = plans.today().replace(year=plans.today().year - 1)
    db.session.commit()
    response = client.post(f"/hr/plans/{plan.id}/resume", follow_redirects=True)
    assert "moved on by" in response.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "active" and plan.end_date > end_before
    for m in plan.milestones:
        if m.status == "done":
            assert m.due_date == before[m.key]
        else:
            assert m.due_date > before[m.key]
    assert {"plan.pause", "plan.resume"} <= set(audit_actions())


def test_resume_an_active_plan_is_refused(cast, client, login):
    login(cast["hr"])
    response = client.post(f"/hr/plans/{cast['plan_a'].id}/resume")
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert "only a paused plan can be resumed".capitalize() in response.get_data(as_text=True)


def test_reassign_sponsor_and_mentor(cast, client, login):
    login(cast["hr"])
    plan_id = cast["plan_b"].id
    data = {"reassign-sponsor": cast["sponsor_a"].email, "reassign-mentor": cast["mentor_a"].email}
    assert client.post(f"/hr/plans/{plan_id}/reassign", data=data).status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan.sponsor.email == cast["sponsor_a"].email and plan.mentor.email == cast["mentor_a"].email
    bad = client.post(f"/hr/plans/{plan_id}/reassign", data={"reassign-sponsor": cast["leader_b"].email, "reassign-mentor": ""})
    assert bad.status_code == 400 and 'href="#reassign-sponsor"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).sponsor.email == cast["sponsor_a"].email


def test_extend_and_close(cast, client, login):
    login(cast["hr"])
    plan = make_plan_of(cast, months=4)
    assert client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": "3"}).status_code == 400
    assert client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": "5"}).status_code == 200  # the preview
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).months == 4
    assert client.post(f"/hr/plans/{plan.id}/extend", data={"extend-months": "5", "extend-confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).months == 5
    no_confirm = client.post(f"/hr/plans/{plan.id}/close", data={"close-outcome": "withdrawn"})
    assert no_confirm.status_code == 400 and 'href="#close-confirm"' in no_confirm.get_data(as_text=True)
    assert client.post(f"/hr/plans/{plan.id}/close", data={"close-outcome": "finished", "close-confirm": "y"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status == "active"
    assert client.post(f"/hr/plans/{plan.id}/close", data={"close-outcome": "withdrawn", "close-confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status == "withdrawn"
    assert {"plan.extend", "plan.withdraw"} <= set(audit_actions())


def make_plan_of(cast, months):
    version = playbooks.get_playbook("compressed-13-weeks").latest
    plan = plans.create_plan(leader=cast["leader_b"], sponsor=cast["sponsor_a"], version=version,
                             start=date(2026, 9, 7), months=months)
    db.session.commit()
    return plan


def test_rebase_previews_then_keeps_done_milestones(cast, client, login):
    login(cast["hr"])
    plan = cast["plan_a"]
    done = plan.milestones[0]
    plans.complete_milestone(done, cast["leader_a"], note="Read it all", link="https://example.org/notes")
    db.session.commit()
    version = plan.playbook_version
    content = playbooks.content_of(version)
    removed_key = content.milestones[1]["key"]
    content.milestones = [m for m in content.milestones if m["key"] not in (done.key, removed_key)]
    content.milestones[0]["title"] = "A brand new title"
    retitled_key = content.milestones[0]["key"]
    content.milestones.append(dict(content.milestones[-1], key="brand-new-step", title="A brand new step"))
    new_version, _ = playbooks.publish(content)
    db.session.commit()

    preview = client.post(f"/hr/plans/{plan.id}/rebase", data={"rebase-version": str(new_version.id)})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "A brand new step" in text and "A brand new title" in text
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).playbook_version_id == version.id  # preview saves nothing

    response = client.post(f"/hr/plans/{plan.id}/rebase", data={"rebase-version": str(new_version.id), "rebase-confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    by_key = {m.key: m for m in plan.milestones}
    assert plan.playbook_version_id == new_version.id
    assert by_key[done.key].status == "done" and by_key[done.key].evidence_link == "https://example.org/notes"
    assert removed_key not in by_key
    assert by_key[retitled_key].title == "A brand new title"
    assert "brand-new-step" in by_key and by_key["brand-new-step"].due_date <= plan.end_date
    assert "plan.rebase" in audit_actions()


def test_rebase_refuses_a_forged_version_id(cast, client, login):
    """Only a newer version of the plan's own playbook: another playbook's newer version, the
    plan's own version and an id that names nothing are each refused, and the plan stays put."""
    login(cast["hr"])
    plan = cast["plan_a"]
    current = plan.playbook_version
    other = playbooks.get_playbook("compressed-13-weeks").latest
    content = playbooks.content_of(other)
    content.milestones[0]["title"] = "Another playbook's second version"
    others_v2, _ = playbooks.publish(content)
    db.session.commit()
    assert others_v2.number == 2 and others_v2.playbook_id != current.playbook_id

    for forged in (others_v2.id, current.id, 2**31 - 1):
        for confirmed in ("", "yes"):
            response = client.post(f"/hr/plans/{plan.id}/rebase",
                                   data={"rebase-version": str(forged), "rebase-confirmed": confirmed})
            assert response.status_code == 400, forged
            assert "Choose a version from the list" in response.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.playbook_version_id == current.id
    assert "Another playbook's second version" not in [m.title for m in plan.milestones]
    assert "plan.rebase" not in audit_actions()


# --- playbooks --------------------------------------------------------------------------------


def test_playbooks_list_counts_plans_per_version(cast, client, login):
    login(cast["hr"])
    text = client.get("/hr/playbooks").get_data(as_text=True)
    assert "CDIO or CIO joining from another sector" in text
    assert "Version 1</a>: 2 plans" in text


# Editing playbooks (drafts, their changes, one publish) is tested in test_playbook_drafts.py.


def test_download_and_upload_yaml(cast, client, login):
    login(cast["hr"])
    text = client.get("/hr/playbooks/compressed-13-weeks/v1.yaml").get_data(as_text=True)
    assert text.startswith("slug: compressed-13-weeks")
    changed = text.replace("weeks: 13", "weeks: 14", 1)
    response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(changed.encode()), "mine.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert playbooks.get_playbook("compressed-13-weeks").latest.weeks == 14
    assert "playbook.upload" in audit_actions()


def test_upload_shows_every_problem_and_saves_nothing(cast, client, login):
    login(cast["hr"])
    bad = "slug: compressed-13-weeks\ntitle: T\nweeks: 99\nphases: []\nmilestones: []\ncolour: red\n"
    response = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(bad.encode()), "broken.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    assert "broken.yaml:3: playbook: weeks must be between 1 and 52" in text
    assert "broken.yaml:6: playbook: unknown field &#39;colour&#39;" in text
    assert playbooks.get_playbook("compressed-13-weeks").latest.number == 1
    big = client.post("/hr/playbooks/upload", data={"file": (io.BytesIO(b"#" * (201 * 1024)), "big.yaml")},
                      content_type="multipart/form-data")
    assert big.status_code == 400 and "200 KB" in big.get_data(as_text=True)
    missing = client.post("/hr/playbooks/upload", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400


# --- users ------------------------------------------------------------------------------------


def test_invite_user_shows_link(cast, client, login):
    login(cast["hr"])
    response = client.post("/hr/users/invite", data={"name": "Ivy Invite", "email": "ivy@example.nhs.uk"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    link = re.search(r"http://onboarding\.test/set-password/[\w.-]+", text).group(0)
    assert "has been emailed" in text
    from onboarding.nudges import mail

    sent = [m for m in mail.memory_outbox() if m["To"] == "ivy@example.nhs.uk"]
    assert len(sent) == 1 and link in sent[0].get_body(("plain",)).get_content()
    user = db.session.scalar(sa.select(User).filter_by(email="ivy@example.nhs.uk"))
    assert user is not None and not user.is_hr and user.password_hash is None
    again = client.post("/hr/users/invite", data={"name": "Ivy", "email": "ivy@example.nhs.uk"})
    assert again.status_code == 400 and 'href="#email"' in again.get_data(as_text=True)
    for bad in ({"name": "", "email": "a@example.nhs.uk"}, {"name": "A", "email": "not-an-email"}, {"name": "x" * 121, "email": "b@example.nhs.uk"}):
        assert client.post("/hr/users/invite", data=bad).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 7


def test_deactivate_reactivate_and_hr_rights(cast, client, login):
    login(cast["hr"])
    uid = cast["leader_b"].id  # leads a plan but sponsors and mentors none (see test_deactivation.py)
    assert client.post(f"/hr/users/{uid}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, uid).active is False
    assert client.post(f"/hr/users/{uid}/reactivate").status_code == 302
    assert client.post(f"/hr/users/{uid}/grant-hr").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, uid)
    assert user.active and user.is_hr
    assert client.post(f"/hr/users/{uid}/remove-hr").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, uid).is_hr is False
    assert {"user.deactivate", "user.reactivate", "user.grant_hr", "user.remove_hr"} <= set(audit_actions())


def test_hr_cannot_lock_themselves_out(cast, client, login):
    login(cast["hr"])
    me = cast["hr"].id
    for action in ("deactivate", "remove-hr"):
        response = client.post(f"/hr/users/{me}/{action}")
        assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, me)
    assert user.active and user.is_hr


# --- accessibility ----------------------------------------------------------------------------


@pytest.mark.browser
def test_hr_pages_pass_axe(live_server, page):
    """Every HR page, and its error states, in Chromium with axe."""
    from playwright.sync_api import expect  # imported only when a browser test runs

    from .conftest import PASSWORD, ROOT, assert_accessible

    app, base = live_server
    with app.app_context():
        playbooks.load(playbooks.default_paths(ROOT / "playbooks"))
        hr = make_user("hr@example.nhs.uk", "Helen HR", hr=True)
        sponsor = make_user("sponsor@example.nhs.uk", "Sam Sponsor")
        leader = make_user("leader@example.nhs.uk", "Lee Leader")
        version = playbooks.get_playbook("cdio-cio-26-weeks").latest
        plan = plans.create_plan(leader=leader, sponsor=sponsor, version=version, start=date(2026, 9, 7), months=4, actor=hr)
        content = playbooks.content_of(version)
        content.milestones[-1]["title"] = "Changed in version 2"
        playbooks.publish(content)
        db.session.commit()
        plan_id = plan.id

    def visit(path):
        page.goto(base + path)
        assert_accessible(page)

    def submit(name):
        page.get_by_role("button", name=name).click()
        page.wait_for_load_state()
        assert_accessible(page)

    visit("/login")
    page.get_by_label("Email address").fill("hr@example.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    submit("Sign in")
    for path in ("/hr/cohort", "/hr/cohort?status=active&overdue=y", "/hr/playbooks", "/hr/playbooks/cdio-cio-26-weeks/v2",
                 "/hr/drafts/new", "/hr/users", f"/hr/plans/{plan_id}"):
        visit(path)

    visit("/hr/plans/new")
    submit("Preview the plan")  # nothing chosen: the error summary
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("Leader", exact=True).fill("leader@example.nhs.uk")
    page.get_by_label("Executive sponsor").fill("sponsor@example.nhs.uk")
    page.get_by_label("Playbook").select_option("compressed-13-weeks")
    for part, value in (("day", "5"), ("month", "10"), ("year", "2026")):
        page.locator(f"#start-{part}").fill(value)
    page.get_by_label("3 months").check()
    submit("Preview the plan")  # Lee Leader has a plan already, and no mentor is chosen: two warnings
    expect(page.get_by_role("button", name="Create the plan anyway")).to_be_visible()

    visit(f"/hr/plans/{plan_id}")
    submit("Close the plan")  # no confirmation ticked
    expect(page.get_by_text("There is a problem")).to_be_visible()
    visit(f"/hr/plans/{plan_id}")
    submit("Preview the changes")
    expect(page.get_by_text("Changed in version 2").first).to_be_visible()

    visit("/hr/drafts/new")
    submit("Start the draft")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    visit("/hr/playbooks")
    page.locator("input[type=file]").set_input_files(  # the NHS.UK script wraps the input in a button
        files=[{"name": "broken.yaml", "mimeType": "application/yaml", "buffer": b"slug: x\nweeks: 99\n"}]
    )
    submit("Upload")
    expect(page.get_by_text("broken.yaml:2:").first).to_be_visible()
    visit("/hr/users")
    submit("Invite")
    expect(page.get_by_text("There is a problem")).to_be_visible()
