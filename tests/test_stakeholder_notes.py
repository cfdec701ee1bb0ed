"""A stakeholder note the leader marks private is the leader's alone: the sponsor, the mentor, HR
and the printable page never show it (whoever prints); an ordinary note is read by everyone on
the plan and printed."""
import html

import pytest

from onboarding.extensions import db
from onboarding.people import access
from onboarding.plans import exports, records

PRIVATE = "Thinks the EPR bid is doomed; talk before the board"
SHARED = "Ally on the electronic patient record"


@pytest.fixture
def notes(cast):
    plan, leader = cast["plan_a"], cast["leader_a"]
    base = {"role": "CFO", "power": 5, "interest": 4, "stance": "sceptic"}
    private = records.create("stakeholder", plan, leader, base | {"name": "Graham Pike", "notes": PRIVATE, "notes_private": True})
    shared = records.create("stakeholder", plan, leader, base | {"name": "Dr Ruth Adeyemi", "notes": SHARED})
    db.session.commit()
    return private, shared


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_leader_reads_their_private_note_marked_as_such(cast, notes, client, login):
    login(cast["leader_a"])
    page = _page(client, f"/plans/{cast['plan_a'].id}/stakeholders")
    assert PRIVATE in page and SHARED in page
    assert page.count("Only you can read these notes.") == 1


@pytest.mark.parametrize("who", ["sponsor_a", "mentor_a", "hr"])
def test_nobody_else_on_the_plan_reads_it(cast, notes, client, login, who):
    login(cast[who])
    page = _page(client, f"/plans/{cast['plan_a'].id}/stakeholders")
    assert PRIVATE not in page and "Only you can read" not in page
    assert SHARED in page and "Graham Pike" in page, "the person is still on the map; only the note is hidden"


@pytest.mark.parametrize("who", ["leader_a", "sponsor_a", "hr"])
def test_the_printable_page_never_carries_it_whoever_prints(cast, notes, client, login, who):
    login(cast[who])
    page = _page(client, f"/plans/{cast['plan_a'].id}/print")
    assert PRIVATE not in page
    assert SHARED in page and "Graham Pike" in page and "(private notes are not printed)" in page
    assert [row["notes"] for row in exports.review(cast["plan_a"])["stakeholders"]] == [SHARED, ""]


def test_a_leader_with_hr_rights_reads_their_own_but_not_another_leader_s(cast, notes):
    private, _ = notes
    leader = cast["leader_a"]
    leader.is_hr = True
    db.session.commit()
    assert access.can_read_stakeholder_notes(leader, private)
    other = records.create("stakeholder", cast["plan_b"], cast["leader_b"],
                           {"name": "X", "power": 1, "interest": 1, "notes": "B's own", "notes_private": True})
    db.session.commit()
    assert not access.can_read_stakeholder_notes(leader, other), "HR rights do not open a private note"
    assert not access.can_read_stakeholder_notes(None, private), "paper"
    assert not access.can_read_stakeholder_notes(cast["other_sponsor"], notes[1]), "not on the plan"


def test_the_leader_marks_and_unmarks_a_note_private_on_the_form(cast, notes, client, login):
    _, shared = notes
    url = f"/plans/{cast['plan_a'].id}/stakeholders/{shared.id}/edit"
    form = {"name": "Dr Ruth Adeyemi", "role": "CCIO", "power": "5", "interest": "5", "stance": "champion", "notes": SHARED}
    login(cast["leader_a"])
    assert "Only I can read these notes" in _page(client, url)
    assert client.post(url, data=form | {"notes_private": "y"}).status_code == 302
    db.session.expire_all()
    assert shared.notes_private is True
    login(cast["sponsor_a"])
    assert SHARED not in _page(client, f"/plans/{cast['plan_a'].id}/stakeholders")
    login(cast["leader_a"])
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert shared.notes_private is False
