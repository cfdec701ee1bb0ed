"""The app's one-loop task list, summary list, tag and header (templates/macros/task_list.html,
summary_list.html, tag.html and header.html) give the same markup as the NHS.UK frontend's components
for what the pages pass them: the same elements, attributes and text, only less whitespace."""
from __future__ import annotations

from html.parser import HTMLParser

from markupsafe import Markup

NHSUK = '{% from "nhsuk/components/task-list/macro.jinja" import taskList %}{{ taskList({"idPrefix": prefix, "items": items}) }}'
OURS = '{% from "macros/task_list.html" import task_list %}{{ task_list(prefix, items) }}'


class _Events(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, sorted((k, " ".join((v or "").split())) for k, v in attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.events.append(("text", text))

    def handle_entityref(self, name):
        self.events.append(("text", f"&{name};"))


def _events(html: str) -> list[tuple]:
    parser = _Events()
    parser.feed(html)
    return parser.events


ITEMS = [
    {"title": {"text": "Meet the <Caldicott> Guardian & team"}, "href": "/plans/1/milestones/2",
     "hint": Markup('Due Wednesday 2 December 2026 · Leader milestone <strong class="nhsuk-tag nhsuk-tag--blue">Added for this plan</strong>'),
     "status": {"tag": {"text": "Overdue", "classes": "nhsuk-tag--red"}}},
    {"title": {"html": Markup('Brief the <abbr title="Integrated care board">ICB</abbr>')}, "href": "/plans/1/milestones/3",
     "hint": Markup("Due Friday 4 December 2026 · Sponsor milestone<br>Reason: covered at induction"),
     "status": {"tag": {"text": "Not applicable", "classes": "nhsuk-tag--grey"}}},
    {"title": {"text": "No hint, no link"}, "status": {"tag": {"text": "Done", "classes": "nhsuk-tag--green"}}},
]


def test_the_one_loop_task_list_matches_the_nhsuk_component(app):
    with app.test_request_context():
        env = app.jinja_env
        for prefix, items in (("overdue", ITEMS), ("phase-2-done", ITEMS[:1]), ("empty", [])):
            theirs = env.from_string(NHSUK).render(prefix=prefix, items=items)
            ours = env.from_string(OURS).render(prefix=prefix, items=items)
            assert _events(ours) == _events(theirs), prefix
        ours = env.from_string(OURS).render(prefix="overdue", items=ITEMS)
    # What a screen reader follows: each link is described by its hint and its status.
    assert 'aria-describedby="overdue-1-hint overdue-1-status"' in ours
    assert "Meet the &lt;Caldicott&gt; Guardian &amp; team" in ours


SUMMARY_NHSUK = '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}{{ summaryList({"rows": rows}) }}'
SUMMARY_OURS = '{% from "macros/summary_list.html" import summary_list %}{{ summary_list(rows) }}'
ROWS = [
    {"key": {"text": "Summary"}, "value": {"text": "Settling in <well> & meeting the board\nnext: estates"}},
    {"key": {"text": "Sponsor"}, "value": {"html": Markup('Sam Sponsor<br><a class="app-email" href="mailto:s@example.nhs.uk">s@example.nhs.uk</a>')}},
    {"key": {"text": "Next check-in"}, "value": {"text": "Not set"}},
]


def test_the_one_loop_summary_list_matches_the_nhsuk_component(app):
    with app.test_request_context():
        env = app.jinja_env
        for rows in (ROWS, ROWS[:1], []):
            theirs = env.from_string(SUMMARY_NHSUK).render(rows=rows)
            ours = env.from_string(SUMMARY_OURS).render(rows=rows)
            assert _events(ours) == _events(theirs)
        ours = env.from_string(SUMMARY_OURS).render(rows=ROWS)
    assert "Settling in &lt;well&gt; &amp; meeting the board" in ours  # text escaped, html kept
    assert '<a class="app-email" href="mailto:s@example.nhs.uk">' in ours


def test_the_tag_matches_the_nhsuk_component(app):
    nhsuk = '{% from "nhsuk/components/tag/macro.jinja" import tag %}{{ tag(params) }}'
    ours = '{% from "macros/tag.html" import tag %}{{ tag(params) }}'
    with app.test_request_context():
        env = app.jinja_env
        for params in ({"text": "3 overdue", "classes": "nhsuk-tag--red"}, {"text": "<Late> & soon"},
                       {"html": Markup("<abbr>RAG</abbr> red"), "classes": "nhsuk-tag--red"}, {"text": "Amber", "classes": None}):
            assert _events(env.from_string(ours).render(params=params)) == _events(env.from_string(nhsuk).render(params=params))
        assert env.from_string(ours).render(params={"text": "<Late>"}) == '<strong class="nhsuk-tag">&lt;Late&gt;</strong>'


HEADER_NHSUK = """{% from "nhsuk/components/header/macro.jinja" import header %}{{ header({
  "service": {"text": service, "href": "/"}, "logo": {"ariaLabel": label},
  "account": {"items": account} if account else none, "navigation": {"items": nav}}) }}"""
HEADER_OURS = """{% from "macros/header.html" import service_header %}
{{- service_header({"text": service, "href": "/"}, label, account, nav) }}"""
LOG_OUT = Markup('<form class="nhsuk-header__account-form" action="/logout" method="post"><input type="hidden" '
                 'name="csrf_token" value="t"><button class="nhsuk-header__account-button">Log out</button></form>')
SIGNED_IN = [{"href": "/account", "text": "Dana <Whitfield> & co", "icon": True}, {"html": LOG_OUT}]
NAV = [{"href": "/my-plan", "text": "My plan", "current": True}, {"href": "/whos-who", "text": "Who's <who>", "current": False}]


def test_the_header_matches_the_nhsuk_component(app):
    """As base.html calls it: signed in with the current page in the navigation, signed in on a
    page that is not in it, and signed out (no account, no navigation)."""
    with app.test_request_context():
        env = app.jinja_env
        for service, account, nav in (("Leader onboarding", SIGNED_IN, NAV), ("Leader <onboarding>", SIGNED_IN, NAV[1:]),
                                      ("Leader onboarding", [], [])):
            values = {"service": service, "label": f"{service} homepage", "account": account, "nav": nav}
            ours = env.from_string(HEADER_OURS).render(values)
            assert _events(ours) == _events(env.from_string(HEADER_NHSUK).render(values)), service
        ours = env.from_string(HEADER_OURS).render(service="S", label="S homepage", account=SIGNED_IN, nav=NAV)
    assert "Dana &lt;Whitfield&gt; &amp; co" in ours and 'name="csrf_token" value="t"' in ours  # text escaped, html kept
    assert '<svg class="nhsuk-header__logo"' in ours and 'aria-current="page"' in ours
