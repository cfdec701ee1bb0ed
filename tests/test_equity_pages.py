"""HR's equity-of-support page and its CSV: figures through disclosure control, a chart and a
table for each measure, HR only."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from onboarding.extensions import db
from onboarding.models import EqualityAnswers, Plan, User

from .test_equity import stored

_n = 0


def _leaders(cast, answers: dict, n: int, start=date(2025, 6, 2)) -> None:
    global _n
    version, sponsor = cast["plan_a"].playbook_version, cast["sponsor_a"]
    for _ in range(n):
        _n += 1
        leader = User(email=f"page{_n}@example.nhs.uk", name=f"Leader {_n}")
        db.session.add(leader)
        db.session.flush()
        db.session.add(EqualityAnswers(user_id=leader.id, **answers))
        db.session.add(Plan(leader_id=leader.id, sponsor_id=sponsor.id, playbook_version_id=version.id,
                            start_date=start, months=6, end_date=date(2025, 12, 2)))
    db.session.commit()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


PERIOD = {"start-day": "1", "start-month": "1", "start-year": "2025",
          "end-day": "31", "end-month": "12", "end-year": "2025"}


def test_hr_sees_each_measure_as_a_chart_and_a_table(cast, client, login):
    _leaders(cast, {"sex": stored("sex", "Female"), "ethnic_group": stored("ethnic_group", "Indian")}, 12)
    _leaders(cast, {"sex": stored("sex", "Male"), "ethnic_group": stored("ethnic_group", "Irish")}, 3)
    login(cast["hr"])
    page = client.get("/hr/equity", query_string={**PERIOD, "by": "sex"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _text(html)
    assert "Plans started from 1 January 2025 to 31 December 2025" in text
    assert html.count('<svg class="app-chart" role="img"') == html.count("<table") == 15
    assert "Bar chart: Leaders started, by sex" in html
    # Female 12 -> 10; Male 3 -> *; that alone would be worked out from the total (15), so Female hides too.
    assert re.search(r"<desc[^>]*>All leaders: 15\. Female: \*\. Male: \*\. Prefer not to say: 0\. Not answered: 0\.", html)
    assert "* (hidden)" in html and "a count of 1 to 7 leaders is hidden" in text


def test_csv_has_the_same_suppression_and_no_formulas(cast, client, login):
    _leaders(cast, {"sex": stored("sex", "Female")}, 12)
    _leaders(cast, {"sex": stored("sex", "Male")}, 8)
    login(cast["hr"])
    response = client.get("/hr/equity.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Plans started from", "2025-01-01", "to", "2025-12-31"]
    header, body = rows[1], rows[2:]
    by_group = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in body}
    assert by_group[("All leaders", "All leaders")]["Leaders started"] == "20"
    assert by_group[("Sex", "Female")]["Leaders started"] == "10"
    assert by_group[("Sex", "Male")]["Leaders started"] == "10"
    assert by_group[("Sex", "Not answered")]["Leaders started"] == "0"
    assert by_group[("Ethnic group", "Not answered")]["Leaders started"] == "20"
    assert by_group[("Sex", "Prefer not to say")]["Check-ins held within cadence (%)"] == "*"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_a_period_that_ends_before_it_starts_is_refused(cast, client, login):
    login(cast["hr"])
    response = client.get("/hr/equity", query_string={**PERIOD, "end-year": "2024"})
    assert response.status_code == 400
    assert "The start of the period must be on or before its end" in _text(response.get_data(as_text=True))
    assert client.get("/hr/equity.csv", query_string={**PERIOD, "end-year": "2024"}).status_code == 400
    bad = client.get("/hr/equity", query_string={**PERIOD, "start-month": "13"})
    assert bad.status_code == 400 and "From must be a real date" in _text(bad.get_data(as_text=True))


def test_default_period_is_the_last_12_months(cast, client, login):
    login(cast["hr"])
    page = client.get("/hr/equity")
    assert page.status_code == 200 and "Plans started from" in _text(page.get_data(as_text=True))


def test_nobody_but_hr_reaches_it(cast, client, login):
    for who in ("leader_a", "sponsor_a", "mentor_a"):
        login(cast[who])
        assert client.get("/hr/equity").status_code == 404
        assert client.get("/hr/equity.csv").status_code == 404
