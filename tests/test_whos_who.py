"""Who's who in NHS digital (issue 14): the shipped list, read by any signed-in user; HR replaces it
by upload (checked like the file, refused naming the line, audited) and downloads the list in use."""
from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa

from onboarding.extensions import db
from onboarding.models import AuditEvent, ReferenceDocument
from onboarding.playbooks import whos_who

GOOD = """\
reviewed: 2026-12
groups:
  - title: Regulators
    entries:
      - name: Care Quality Commission (CQC)
        why: Inspects and rates your trust, including how well led it is.
        url: https://www.cqc.org.uk/
      - name: A <b>bold</b> network
        why: Its name holds markup, shown as text; it works with the SIRO.
        url: https://example.org/network
"""


def _upload(client, text: str, name: str = "whos-who.yaml"):
    return client.post("/hr/whos-who/upload", data={"file": (BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_the_shipped_list_is_valid_and_every_signed_in_user_reads_it(cast, client, login):
    found, problems = whos_who.parse_text(whos_who.PATH.read_text(encoding="utf-8"), "whos-who.yaml")
    assert problems == []
    names = [e.name for g in found.groups for e in g.entries]
    for body in ("Department of Health and Social Care (DHSC)", "NHS England (NHSE)", "Care Quality Commission (CQC)",
                 "NHS Leadership Academy", "The Shuri Network", "Faculty of Clinical Informatics (FCI)"):
        assert body in names
    assert client.get("/whos-who").status_code == 302  # anonymous: sign in first
    login(cast["leader_a"])
    page = client.get("/whos-who").get_data(as_text=True)
    assert "Who&#39;s who in NHS digital" in page and "Reviewed November 2026." in page
    assert '<a href="https://shurinetwork.com/about/" rel="noopener noreferrer">The Shuri Network</a>' in page
    assert "Replace this list" not in page  # HR's form only


def test_hr_uploads_a_replacement_which_the_page_then_shows(cast, client, login):
    login(cast["hr"])
    response = _upload(client, GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/whos-who")
    page = client.get("/whos-who").get_data(as_text=True)
    assert "Reviewed December 2026. Uploaded by Helen HR on" in page
    assert "Care Quality Commission (CQC)" in page and "The Shuri Network" not in page
    assert "A &lt;b&gt;bold&lt;/b&gt; network" in page and "<b>bold</b>" not in page
    # The SIRO is expanded on its first use on the page, as everywhere.
    assert 'it works with the <abbr title="Senior information risk owner">SIRO</abbr> (<a class="app-glossary-link" href="/glossary#siro">' in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "whos_who.upload"))
    assert event.actor_id == cast["hr"].id and event.detail == {"file": "whos-who.yaml", "reviewed": "2026-12", "entries": 2}
    download = client.get("/hr/whos-who.yaml")
    assert download.get_data(as_text=True) == GOOD
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == 'attachment; filename="whos-who.yaml"'


def test_a_bad_file_is_refused_naming_each_line_and_nothing_is_saved(cast, client, login):
    bad = GOOD.replace("https://www.cqc.org.uk/", "http://www.cqc.org.uk/").replace("Regulators", "The ZQX bodies")
    bad = bad.replace("        why: Its name holds markup, shown as text; it works with the SIRO.\n", "")
    login(cast["hr"])
    response = _upload(client, bad, "mine.yaml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The file has 3 problems; nothing was saved" in page
    assert "mine.yaml:3: group 1: &#39;ZQX&#39; in its title is not in the glossary" in page
    assert "mine.yaml:7: entry &#39;Care Quality Commission (CQC)&#39;: url &#39;http://www.cqc.org.uk/&#39; must start with https://" in page
    assert "mine.yaml:8: entry &#39;A &lt;b&gt;bold&lt;/b&gt; network&#39;: missing field &#39;why&#39;" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceDocument)) == 0
    assert "The Shuri Network" in page  # still the shipped list


def test_only_hr_may_upload_or_download(cast, client, login):
    login(cast["sponsor_a"])
    assert _upload(client, GOOD).status_code == 404
    assert client.get("/hr/whos-who.yaml").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceDocument)) == 0
