"""HR's equity-of-support report: a page with a bar chart and a table for each measure by the
chosen dimension, and the whole report as CSV. Routes of the HR blueprint (hr.py), so HR only.
Every figure comes through the report's disclosure control (plans.equity, plans.disclosure)."""
from __future__ import annotations

import csv
import io

from flask import abort, render_template, request, url_for
from wtforms import SelectField
from wtforms.validators import Optional

from .. import plans
from ..plans import equity
from ..plans import equity_groups as eg
from ..plans.disclosure import SUPPRESSED
from ..plans.exports import safe_cell
from .downloads import attachment, audited
from .forms import PAST_EXAMPLE, DateInputField, Form
from .hr import _me, bp
from .hr_forms import opts

# The most a bar can stand for, by the kind of measure (others scale to the largest shown).
SCALE = {"percent": 100, "score": 5}
# Drawn in half the page's width on a desktop and the whole of a phone's, so text of 16 units
# reads at about 17 and 12 pixels.
CHART_WIDTH, LABEL_HEIGHT, BAR_HEIGHT, ROW_GAP = 440, 22, 18, 12
BAR_SPACE = 330  # the rest of the width holds the value after the bar


class PeriodForm(Form):
    """A GET form: the period lives in the URL, so no CSRF token."""

    class Meta:
        csrf = False

    start = DateInputField("From", validators=[Optional()], example=PAST_EXAMPLE,
                           description="The earliest plan start date to include.")
    end = DateInputField("To", validators=[Optional()], example=PAST_EXAMPLE,
                         description="The latest plan start date to include.")
    by = SelectField("Show groups by", choices=opts((key, eg.title(key)) for key in eg.DIMENSIONS), default="ethnic_group")


def _report(form: PeriodForm) -> equity.Report | None:
    """The report for the form's period, or None with the problem on the form."""
    try:
        return equity.report(form.start.data, form.end.data, today=plans.today())
    except equity.PeriodError as exc:
        form.form_errors.append(str(exc))
        return None


def shown(value, kind: str) -> str:
    """A figure as the page and the CSV write it."""
    if value is None:
        return "No data"
    if value == SUPPRESSED:
        return SUPPRESSED
    return f"{value:g}%" if kind == "percent" else f"{value:g}"


def chart(report: equity.Report, dimension: str, measure: str) -> dict:
    """One measure's bars for the chosen dimension's groups and all leaders: where each sits and
    what it says (the template draws them)."""
    title, kind = equity.MEASURES[measure]
    rows = [r for r in report.rows if r.dimension in (eg.ALL_LEADERS, eg.title(dimension))]
    numbers = [r.figures[measure] for r in rows if isinstance(r.figures[measure], int | float)]
    top = SCALE.get(kind) or max([*numbers, 1])
    bars, y = [], 0
    for r in rows:
        value = r.figures[measure]
        width = round(BAR_SPACE * value / top) if isinstance(value, int | float) and top else 0
        text = shown(value, kind)
        if value == SUPPRESSED:
            text = "* (hidden)"
        bars.append({"group": r.group, "text": text, "value": shown(value, kind), "label_y": y + 16,
                     "bar_y": y + LABEL_HEIGHT, "width": width, "text_x": width + 6,
                     "text_y": y + LABEL_HEIGHT + 14})
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    return {"key": measure, "title": title, "bars": bars, "height": y, "width": CHART_WIDTH,
            "bar_height": BAR_HEIGHT, "dimension": eg.title(dimension)}


@bp.get("/equity", endpoint="equity")
def equity_page():
    form = PeriodForm(request.args)
    report = _report(form) if form.validate() else None
    if report is None:
        return render_template("hr/equity.html", form=form, report=None), 400
    dimension = form.by.data or "ethnic_group"
    args = {k: v for k, v in request.args.items() if v and k != "by"}
    return render_template(
        "hr/equity.html", form=form, report=report, charts=[chart(report, dimension, m) for m in equity.MEASURES],
        csv_url=url_for("hr.equity_csv", **args), pulse_statements=equity.PULSE_STATEMENTS,
    )


def to_csv(report: equity.Report) -> str:
    """Every dimension's rows, as the page shows them (suppressed cells as *)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Plans started from", report.start.isoformat(), "to", report.end.isoformat()])
    writer.writerow(["Dimension", "Group", *(title for title, _kind in equity.MEASURES.values())])
    for r in report.rows:
        writer.writerow([safe_cell(v) for v in (
            r.dimension, r.group, *(shown(r.figures[k], kind) for k, (_t, kind) in equity.MEASURES.items()))])
    return out.getvalue()


@bp.get("/equity.csv")
def equity_csv():
    form = PeriodForm(request.args)
    report = _report(form) if form.validate() else None
    if report is None:
        abort(400)
    audited(_me(), "export.equity_csv", start=report.start.isoformat(), end=report.end.isoformat())
    return attachment(to_csv(report), "text/csv", f"equity-{report.start.isoformat()}-to-{report.end.isoformat()}.csv")
