"""One date style everywhere, and the NHS.UK date input (day, month and year boxes).

Expected values are worked out by hand: 2 December 2026 is a Wednesday; London is on GMT
(UTC+0) in winter and BST (UTC+1) from 29 March to 25 October 2026."""
from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from onboarding.plans import dates
from onboarding.web.forms import DateInputField, Form


@pytest.mark.parametrize(("value", "text"), [
    (date(2026, 12, 2), "2 December 2026"),
    (date(2027, 1, 1), "1 January 2027"),
    (date(2000, 2, 29), "29 February 2000"),
    (None, ""),
])
def test_day_has_no_leading_zero_and_the_month_in_full(value, text):
    assert dates.day(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (date(2026, 12, 2), "Wednesday 2 December 2026"),
    (date(2026, 11, 30), "Monday 30 November 2026"),
    (date(2027, 3, 15), "Monday 15 March 2027"),
])
def test_weekday_names_the_day_in_full(value, text):
    assert dates.weekday(value) == text


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2026, 12, 2, 15, 5), "2 December 2026 at 3:05pm"),  # GMT: the same as UTC
    (datetime(2026, 7, 27, 14, 5), "27 July 2026 at 3:05pm"),  # BST: an hour ahead
    (datetime(2026, 7, 27, 23, 30), "28 July 2026 at 12:30am"),  # BST: already tomorrow
    (datetime(2026, 12, 2, 9, 0), "2 December 2026 at 9am"),
    (datetime(2026, 12, 2, 12, 0), "2 December 2026 at midday"),
    (datetime(2026, 12, 2, 0, 0), "2 December 2026 at midnight"),
    (datetime(2026, 3, 29, 0, 59), "29 March 2026 at 12:59am"),  # the last minute of GMT
    (datetime(2026, 3, 29, 1, 0), "29 March 2026 at 2am"),  # clocks went forward
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),  # BST's last hour
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),  # GMT again
    (None, ""),
])
def test_when_is_in_london_time(moment, text):
    assert dates.when(moment, "Europe/London") == text


def test_when_follows_the_timezone_setting():
    assert dates.when(datetime(2026, 12, 2, 15, 5), "America/New_York") == "2 December 2026 at 10:05am"


def test_a_time_stamp_shown_as_a_day_is_the_local_day():
    assert dates.day(datetime(2026, 7, 27, 23, 30), "Europe/London") == "28 July 2026"
    assert dates.weekday(datetime(2026, 12, 2, 23, 30), "Europe/London") == "Wednesday 2 December 2026"


def test_the_filters_use_the_apps_timezone(app):
    template = "{{ d | day }} / {{ d | weekday }} / {{ t | when }} / {{ none | day }}"
    with app.test_request_context():
        app.config["TIMEZONE"] = "Europe/London"
        text = render_template_string(template, d=date(2026, 12, 2), t=datetime(2026, 7, 27, 14, 5))
        assert text == "2 December 2026 / Wednesday 2 December 2026 / 27 July 2026 at 3:05pm / "
        app.config["TIMEZONE"] = "UTC"
        try:
            assert render_template_string("{{ t | when }}", t=datetime(2026, 7, 27, 14, 5)) == "27 July 2026 at 2:05pm"
        finally:
            app.config["TIMEZONE"] = "Europe/London"


# --- the date input ------------------------------------------------------------------------


class HeldForm(Form):
    held_on = DateInputField("Date of the check-in", validators=[InputRequired("Enter the date of the check-in")])
    next_on = DateInputField("Next check-in (optional)", validators=[Optional()])


def _form(app, **typed):
    data = MultiDict({f"held_on-{part}": value for part, value in typed.items()})
    with app.test_request_context(method="POST", data=data):
        form = HeldForm(meta={"csrf": False})
        form.validate()
        html = render_template_string('{% from "macros/forms.html" import field, error_summary %}'
                                      "{{ error_summary(form) }}{{ field(form.held_on) }}", form=form)
    return form, html


class _Page(HTMLParser):
    """The parts of a rendered date input a person meets: boxes, legend, hint, errors, summary links."""

    WATCHED = ("legend", "nhsuk-hint", "nhsuk-error-message")

    def __init__(self, html: str):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self.described_by = ""
        self._stack: list[str | None] = []  # what each open element is, when it is watched
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs[attrs["id"]] = attrs
            return
        if tag == "fieldset":
            self.described_by = attrs.get("aria-describedby", "")
        first_class = (attrs.get("class") or "").split()[:1]
        watched = tag if tag == "legend" else first_class[0] if first_class and first_class[0] in self.WATCHED else None
        self._stack.append("a:" + attrs["href"] if tag == "a" else watched)

    def handle_endtag(self, tag):
        self._stack.pop()

    def handle_data(self, data):
        key = next((k for k in reversed(self._stack) if k), None)
        if key and data.strip():
            text = " ".join(data.split())
            if key.startswith("a:"):
                self.links[text] = key[2:]
            else:
                self.texts[key] = (self.texts.get(key, "") + " " + text).strip()

    def boxes_in_error(self) -> list[str]:
        return [i.removeprefix("held_on-") for i, a in self.inputs.items() if "nhsuk-input--error" in a["class"].split()]


@pytest.mark.parametrize(("day", "month", "year", "expected"), [
    ("2", "12", "2026", date(2026, 12, 2)),
    ("02", "03", "2027", date(2027, 3, 2)),
    (" 1 ", "1", "2027", date(2027, 1, 1)),
    ("29", "2", "2028", date(2028, 2, 29)),
])
def test_a_real_date_is_read_from_the_three_boxes(app, day, month, year, expected):
    form, html = _form(app, day=day, month=month, year=year)
    assert form.errors == {}
    assert form.held_on.data == expected
    assert form.next_on.data is None


@pytest.mark.parametrize(("typed", "message", "boxes"), [
    ({}, "Enter the date of the check-in", ["day", "month", "year"]),
    ({"month": "3", "year": "2027"}, "Date of the check-in must include a day", ["day"]),
    ({"day": "15", "year": "2027"}, "Date of the check-in must include a month", ["month"]),
    ({"day": "15", "month": "3"}, "Date of the check-in must include a year", ["year"]),
    ({"year": "2027"}, "Date of the check-in must include a day and month", ["day", "month"]),
    ({"day": "31", "month": "2", "year": "2027"}, "Date of the check-in must be a real date", ["day"]),
    ({"day": "15", "month": "13", "year": "2027"}, "Date of the check-in must be a real date", ["month"]),
    ({"day": "15", "month": "3", "year": "27"}, "Date of the check-in must be a real date", ["year"]),
    ({"day": "0", "month": "0", "year": "2027"}, "Date of the check-in must be a real date", ["day", "month"]),
    ({"day": "15", "month": "March", "year": "2027"}, "Date of the check-in must be a number", ["month"]),
    ({"day": "1st", "month": "3", "year": "2027"}, "Date of the check-in must be a number", ["day"]),
    ({"day": "15", "month": "3", "year": "2100"},
     "Date of the check-in must be between 1 January 2000 and 31 December 2099", ["day", "month", "year"]),
])
def test_each_problem_has_the_nhs_message_on_the_right_box(app, typed, message, boxes):
    form, html = _form(app, **typed)
    assert form.errors == {"held_on": [message]}
    page = _Page(html)
    assert page.boxes_in_error() == boxes
    # Next to the boxes, and in the summary linking to the first box at fault.
    assert page.texts["nhsuk-error-message"] == f"Error: {message}"
    assert page.links == {message: f"#held_on-{boxes[0]}"}


def test_what_was_typed_is_shown_again(app):
    _form_, html = _form(app, day="31", month="02", year="2027")
    inputs = _Page(html).inputs
    assert [inputs[f"held_on-{p}"]["value"] for p in ("day", "month", "year")] == ["31", "02", "2027"]


def test_the_date_input_is_a_fieldset_with_a_legend_hint_and_no_autocomplete(app):
    with app.test_request_context():
        form = HeldForm(meta={"csrf": False}, data={"held_on": date(2026, 12, 2)})
        html = render_template_string('{% from "macros/forms.html" import field %}{{ field(form.held_on) }}', form=form)
    page = _Page(html)
    assert page.texts["legend"] == "Date of the check-in"
    assert page.texts["nhsuk-hint"] == "For example, 15 3 2027"
    assert page.described_by == "held_on-hint"
    assert {i: (a["name"], a["value"], a["autocomplete"], a["inputmode"]) for i, a in page.inputs.items()} == {
        "held_on-day": ("held_on-day", "2", "off", "numeric"),
        "held_on-month": ("held_on-month", "12", "off", "numeric"),
        "held_on-year": ("held_on-year", "2026", "off", "numeric"),
    }
    assert page.boxes_in_error() == []


def test_what_was_typed_comes_back_escaped(app):
    form, html = _form(app, day='"><script>alert(1)</script>', month="3", year="2027")
    assert form.errors == {"held_on": ["Date of the check-in must be a number"]}
    assert "<script>" not in html
    assert _Page(html).inputs["held_on-day"]["value"] == '"><script>alert(1)</script>'
