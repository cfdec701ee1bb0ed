"""Voluntary equality answers on the user's own account page: optional, changeable, deleted for
real, audited without values."""
from __future__ import annotations

import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, EqualityAnswers
from onboarding.people import equality

ANSWERS = {"ethnic_group": "gypsy_or_irish_traveller", "sex": "female", "disability": "yes",
           "sector": "armed_forces", "working_pattern": "compressed_hours"}


def _row(user):
    return db.session.scalar(sa.select(EqualityAnswers).where(EqualityAnswers.user_id == user.id))


def test_the_census_categories_are_offered_in_their_five_groups():
    assert [key for key, _label, _items in equality.ETHNIC_GROUPS] == ["white", "mixed", "asian", "black", "other"]
    assert [len(items) for _k, _l, items in equality.ETHNIC_GROUPS] == [5, 4, 5, 3, 2]  # 19 in all
    for dimension, (_question, items) in equality.DIMENSIONS.items():
        assert items[-1] == ("prefer_not_to_say", "Prefer not to say"), dimension
    assert [v for v, _ in equality.DIMENSIONS["sex"][1]] == ["female", "male", "prefer_not_to_say"]


def test_the_page_explains_and_saves_each_answer_and_shows_them_back(cast, client, login):
    login(cast["leader_a"])
    page = client.get("/account/about-you").get_data(as_text=True)
    assert "No one sees your answers as yours: not your sponsor, your mentor or HR" in page
    assert "This is the wording of the 2021 census question." in page
    assert page.count('name="ethnic_group"') == 20 and "Gypsy or Irish Traveller" in page
    response = client.post("/account/about-you", data=ANSWERS)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/about-you")
    row = _row(cast["leader_a"])
    assert {k: getattr(row, k) for k in ANSWERS} == ANSWERS
    page = client.get("/account/about-you").get_data(as_text=True)
    assert 'value="gypsy_or_irish_traveller" checked' in page and 'value="armed_forces" checked' in page


def test_every_answer_is_optional_and_a_bad_value_is_refused_with_nothing_written(cast, client, login):
    login(cast["leader_a"])
    assert client.post("/account/about-you", data={"sector": "nhs"}).status_code == 302
    row = _row(cast["leader_a"])
    assert (row.sector, row.ethnic_group, row.sex) == ("nhs", None, None)
    bad = client.post("/account/about-you", data={"sector": "private", "sex": "robot"})
    assert bad.status_code == 400 and "Choose one of the answers to &#39;What is your sex?&#39;" in bad.get_data(as_text=True)
    db.session.refresh(row)
    assert row.sector == "nhs"


def test_deleting_removes_the_row_for_real_after_a_confirmation(cast, client, login):
    login(cast["leader_a"])
    client.post("/account/about-you", data=ANSWERS)
    assert "Delete my answers" in client.get("/account/about-you").get_data(as_text=True)
    confirm = client.get("/account/about-you/delete").get_data(as_text=True)
    assert "Yes, delete my answers" in confirm
    assert _row(cast["leader_a"]) is not None  # asking is not deleting
    response = client.post("/account/about-you/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EqualityAnswers)) == 0
    assert "You have no answers to delete." in client.get("/account/about-you/delete").get_data(as_text=True)


def test_the_audit_trail_notes_changes_without_any_values(cast, client, login):
    login(cast["leader_a"])
    client.post("/account/about-you", data=ANSWERS)
    client.post("/account/about-you", data=ANSWERS)  # no change: nothing recorded
    client.post("/account/about-you", data=ANSWERS | {"sex": "prefer_not_to_say"})
    client.post("/account/about-you/delete")
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.detail, AuditEvent.object_id)
                                .where(AuditEvent.action.like("equality.%")).order_by(AuditEvent.id)).all()
    assert [(a, d, o) for a, d, o in events] == [
        ("equality.change", {}, cast["leader_a"].id), ("equality.change", {}, cast["leader_a"].id),
        ("equality.delete", {}, cast["leader_a"].id)]


def test_each_person_sees_and_changes_only_their_own_answers(cast, client, login):
    login(cast["leader_a"])
    client.post("/account/about-you", data=ANSWERS)
    login(cast["hr"])
    page = client.get("/account/about-you").get_data(as_text=True)
    assert " checked" not in page
    client.post("/account/about-you/delete")
    assert _row(cast["leader_a"]) is not None
