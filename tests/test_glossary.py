"""The glossary (issue 14): its file and checks, the abbreviation rule over playbooks (FILE:LINE,
on the command line, uploads and drafts alike), expansion on first use on a page and in an email,
escaping, and the /glossary page with its server-side search."""
from __future__ import annotations

from datetime import date

import pytest

from onboarding import playbooks
from onboarding.extensions import db
from onboarding.playbooks import drafts, editor, glossary, marking

from .conftest import ROOT, make_user
from .nudge_helpers import milestone, parts, world

COMPRESSED = ROOT / "playbooks" / "compressed-13-weeks.yaml"
SIRO = '<abbr title="Senior information risk owner">SIRO</abbr>'
SIRO_SPELLED = "(Senior information risk owner)"

# The brief's list of terms a newcomer hears in the first month: every one is in the glossary.
FIRST_MONTH = ["ICB", "ICS", "CCIO", "CNIO", "SIRO", "DSPT", "DTAC", "DCB0129", "DCB0160", "FDP", "EPR", "ESR", "GIRFT",
               "CQC", "WRES", "WDES", "FTSU", "FPPT", "CDEL", "QIPP", "PLACE", "DHSC", "NHSE", "MTPF", "CAF", "NCSC", "CSO",
               "DPO", "IG", "BAF", "QIA", "DPIA", "SPR", "PAS", "CNO", "CMO", "CFO", "FOI", "SAR", "SLA"]


def test_the_shipped_glossary_is_valid_and_has_the_first_month_terms():
    found, problems = glossary.parse_text(glossary.PATH.read_text(encoding="utf-8"), "glossary.yaml")
    assert problems == []
    by_term = found.by_term()
    assert [t for t in FIRST_MONTH if t not in by_term] == []
    siro = by_term["SIRO"]
    assert (siro.expansion, siro.anchor, siro.is_abbreviation) == ("Senior information risk owner", "siro", True)
    assert not by_term["Caldicott Guardian"].is_abbreviation  # a term in words: listed, never expanded
    assert by_term["NHS"].well_known
    assert all(t.definition.endswith(".") for t in found.terms)


def test_a_duplicate_term_and_a_missing_field_are_named_by_line():
    text = """\
reviewed: 2026-11
terms:
  - term: SIRO
    expansion: Senior information risk owner
    definition: The board member accountable for information risk.
  - term: DPO
    expansion: Data protection officer
  - term: siro
    expansion: Something else
    definition: Another.
    source:
      title: A page
      url: http://example.org/page
"""
    found, problems = glossary.parse_text(text, "glossary.yaml")
    assert found is None
    assert [str(p) for p in problems] == [
        "glossary.yaml:6: term 'DPO': missing field 'definition'",
        "glossary.yaml:8: term 'siro': duplicate term (already 'SIRO' at line 3)",
        "glossary.yaml:13: term 'siro': source url 'http://example.org/page' must start with https://",
    ]


def _with(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_an_unknown_abbreviation_in_a_playbook_is_a_file_line_error_naming_it(tmp_path, runner):
    text = COMPRESSED.read_text(encoding="utf-8")
    lines = text.splitlines()
    # The last line of a milestone's folded description: the problem names that line, not its key's.
    at = next(i for i, line in enumerate(lines)
              if line.startswith("    description:") and line.rstrip().endswith((">", ">-"))) + 2
    lines[at] += " Ask the ZQX. Read Part II and annex B3 of the ICBs' guide."
    path = tmp_path / "compressed-13-weeks.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems = playbooks.parse_file(path)
    assert len(problems) == 1  # not II (a roman numeral), B3 (one letter) or ICBs (ICB, in the glossary)
    assert problems[0].line == at + 1
    assert "'ZQX' in its description is not in the glossary" in problems[0].message

    result = runner.invoke(args=["playbooks", "validate", str(path), str(ROOT / "playbooks" / "glossary.yaml")])
    assert result.exit_code == 1
    assert f"{path}:{at + 1}: " in result.output and "'ZQX'" in result.output


def test_every_shipped_file_passes_validate_including_the_glossary_rule(runner):
    paths = sorted(str(p) for p in (ROOT / "playbooks").glob("*.yaml"))
    assert any(p.endswith("glossary.yaml") for p in paths) and any(p.endswith("whos-who.yaml") for p in paths)
    result = runner.invoke(args=["playbooks", "validate", *paths])
    assert result.exit_code == 0, result.output
    # Loading takes the playbooks and leaves the reference files alone.
    assert not any(p.name in ("glossary.yaml", "whos-who.yaml") for p in playbooks.default_paths(ROOT / "playbooks"))


def test_an_upload_with_an_unknown_abbreviation_is_refused_naming_the_line(cast, client, login):
    text = _with(COMPRESSED.read_text(encoding="utf-8"), "\ntitle: ", "\ntitle: ZQX ")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ZQX" in row)
    login(cast["hr"])
    from io import BytesIO

    response = client.post("/hr/playbooks/upload", data={"file": (BytesIO(text.encode()), "compressed-13-weeks.yaml"),
                                                          "into": "publish"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"compressed-13-weeks.yaml:{line}: playbook: &#39;ZQX&#39; in its title is not in the glossary" in page


def test_a_draft_with_an_unknown_abbreviation_lists_it_with_a_link_to_the_milestone(cast, client, login):
    version = cast["plan_a"].playbook_version
    draft, _ = drafts.start(version.playbook, cast["hr"])
    key = version.templates[0].key
    content = drafts.content(draft)
    old = next(m for m in content.milestones if m["key"] == key)
    drafts.change(draft, lambda c: editor.edit_milestone(c, key, old | {"title": "Meet the ZQX"}))
    db.session.commit()
    login(cast["hr"])
    page = client.get(f"/hr/drafts/{draft.id}").get_data(as_text=True)
    assert f"Milestone &#39;{key}&#39;: &#39;ZQX&#39; in its title is not in the glossary" in page
    assert f'href="/hr/drafts/{draft.id}/milestones/{key}' in page


def test_the_marker_expands_first_uses_only_and_escapes_the_rest():
    terms = glossary.load()
    page = marking.Marker(terms, "/glossary")
    assert page.html("<b>Meet the SIRO</b> & the DPO", link=False) == (
        f"&lt;b&gt;Meet the {SIRO} {SIRO_SPELLED}&lt;/b&gt; &amp; the "
        '<abbr title="Data protection officer">DPO</abbr> (Data protection officer)')
    assert page.html("The SIRO, the DPO and the ICBs") == (
        'The SIRO, the DPO and the <abbr title="Integrated care boards">ICBs</abbr> '
        '(<a class="app-glossary-link" href="/glossary#icb">Integrated care boards</a>)')
    assert page.html("The NHS and the Freedom to Speak Up (FTSU) guardian") == "The NHS and the Freedom to Speak Up (FTSU) guardian"
    email = marking.Marker(terms, "https://x.test/glossary")
    assert email.plain("Meet the SIRO <now>; the SIRO again") == "Meet the SIRO (Senior information risk owner) <now>; the SIRO again"


def _main(page: str) -> str:
    return page[page.index('id="maincontent"'):page.index("nhsuk-footer")]


def test_a_milestone_page_expands_each_abbreviation_once_and_keeps_markup_escaped(cast, client, login):
    plan = cast["plan_a"]
    m = plan.milestones[5]
    m.title = "<script>alert(1)</script> Meet the SIRO"
    m.description = "The SIRO owns information risk: ask the SIRO and the DPO."
    db.session.commit()
    login(cast["leader_a"])
    page = _main(client.get(f"/plans/{plan.id}/milestones/{m.id}").get_data(as_text=True))
    assert f"&lt;script&gt;alert(1)&lt;/script&gt; Meet the {SIRO} {SIRO_SPELLED}</h1>" in page
    assert "<script>alert" not in page
    assert page.count(SIRO_SPELLED) == 1 and page.count("<abbr") == 2  # the title's SIRO, the description's DPO
    assert ('the <abbr title="Data protection officer">DPO</abbr> (<a class="app-glossary-link" '
            'href="/glossary#dpo">Data protection officer</a>).') in page


def test_my_plan_expands_an_abbreviation_on_its_first_milestone_only(cast, client, login):
    plan = cast["plan_a"]
    for m in plan.milestones[:3]:
        m.title = f"Brief the SIRO ({m.key})"
    db.session.commit()
    login(cast["leader_a"])
    page = _main(client.get("/my-plan").get_data(as_text=True))
    assert page.count(SIRO_SPELLED) == 1 and page.count(f"Brief the {SIRO} {SIRO_SPELLED}") == 1
    assert page.count("Brief the SIRO (") >= 2  # the others plain, wherever the page lists them


def test_the_glossary_is_open_to_all_and_searched_on_the_server(client, loaded):
    whole = client.get("/glossary")
    assert whole.status_code == 200  # no sign-in: nothing personal in it
    page = whole.get_data(as_text=True)
    assert page.count('class="app-glossary__term"') == len(glossary.load().terms)
    assert '<dt id="siro" class="app-glossary__term"><strong>SIRO</strong>: Senior information risk owner</dt>' in page
    found = client.get("/glossary?q=SIRO").get_data(as_text=True)
    assert found.count('class="app-glossary__term"') == 1 and 'id="siro"' in found
    assert "1 term matches “SIRO”" in found
    words = client.get("/glossary?q=clinical+safety").get_data(as_text=True)
    assert {"dcb0129", "dcb0160", "cso"} <= {a for a in ("dcb0129", "dcb0160", "cso", "siro") if f'id="{a}"' in words}
    none = client.get("/glossary?q=%3Cscript%3Ezzz").get_data(as_text=True)
    assert "0 terms match “&lt;script&gt;zzz”" in none and "<script>zzz" not in none


@pytest.mark.real_commits  # the sender marks the email sent on a second connection of its own
def test_an_email_expands_an_abbreviation_once_in_text_and_html(app, ctx, smtp):
    from onboarding import nudges

    app.config.update(smtp.config())
    people = world(make_user)
    target = milestone(people["plan"], "meet-team")
    target.title = "Meet the SIRO <and> the SIRO's team"
    db.session.commit()
    nudges.sweep(date(2026, 12, 22))  # due soon: Thursday 24 December, two of the leader's working days away
    [(_, msg)] = [(to, m) for to, m in smtp.handler.take() if m["To"] == "lee.leader@example.nhs.uk"]
    text, html = parts(msg)
    assert "DUE SOON: Meet the SIRO (Senior information risk owner) <and> the SIRO's team" in text
    assert text.count(SIRO_SPELLED) == 1
    assert f"<h2>Due soon: Meet the {SIRO} {SIRO_SPELLED} &lt;and&gt; the SIRO&#39;s team</h2>" in html
    assert msg["Subject"] == "Due soon: Meet the SIRO <and> the SIRO's team (due 24 Dec)"
