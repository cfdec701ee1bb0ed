"""Stylesheets and scripts are served at addresses that name their content, so a browser keeps
them instead of asking for each one again on every page, and a changed file gets a new address."""
import hashlib
import re
from pathlib import Path

import pytest
from flask import request_started

from onboarding.web import assets

STATIC = Path(assets.__file__).parents[1] / "static"


def _linked(html: str) -> dict[str, str]:
    """Each stylesheet and script the page loads: its path and its ?v= value."""
    return dict(re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]+)"', html))


def test_a_page_links_its_files_by_their_content_and_they_are_kept_a_year(client):
    linked = _linked(client.get("/login").get_data(as_text=True))
    assert set(linked) == {"/static/nhsuk/nhsuk-frontend.min.css", "/static/app.css", "/static/app.js"}
    app_css = hashlib.sha256((STATIC / "app.css").read_bytes()).hexdigest()
    assert linked["/static/app.css"] == app_css[:16]  # worked out here, not by the code under test
    for path, digest in linked.items():
        with client.get(f"{path}?v={digest}") as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", path


def _cache_control(client, path: str) -> str:
    with client.get(path) as response:
        return response.headers["Cache-Control"]


def test_an_address_without_the_current_digest_is_checked_each_time(client):
    assert _cache_control(client, "/static/app.css") == "no-cache"
    assert _cache_control(client, "/static/app.css?v=0123456789abcdef") == "no-cache"
    # app.js imports the NHS.UK script by its plain address: kept a day, as before.
    assert _cache_control(client, "/static/nhsuk/nhsuk-frontend.min.js") == "public, max-age=86400"
    assert client.get("/static/nothing.css?v=1").status_code == 404
    assert client.get("/static/nhsuk/package.json").status_code == 404


def test_an_edited_file_gets_a_new_address(tmp_path):
    style = tmp_path / "site.css"
    style.write_text("body { color: #212b32; }")
    before = assets.version(tmp_path, "site.css")
    assert before == hashlib.sha256(b"body { color: #212b32; }").hexdigest()[:16]
    style.write_text("body { color: #000; }")
    assert assets.version(tmp_path, "site.css") not in (None, before)
    assert assets.version(tmp_path, "missing.css") is None
    assert assets.version(tmp_path, "../site.css") is None  # outside the folder
    (tmp_path / "css").mkdir()
    assert assets.version(tmp_path, "css") is None  # a folder is not a file


@pytest.mark.browser
def test_the_browser_asks_for_the_page_alone_once_it_has_the_files(live_server, page):
    app, base = live_server
    asked: list[str] = []

    def record(sender, **_):
        from flask import request

        asked.append(request.path)

    request_started.connect(record, app)
    try:
        page.goto(f"{base}/login")
        assert {"/static/app.css", "/static/app.js", "/static/nhsuk/nhsuk-frontend.min.css"} <= set(asked)
        asked.clear()
        page.goto(f"{base}/glossary")
        page.goto(f"{base}/login")
    finally:
        request_started.disconnect(record, app)
    assert [path for path in asked if not path.startswith("/assets/")] == ["/glossary", "/login"]  # no /static/
    assert page.evaluate("document.body.className").count("nhsuk-frontend-supported") == 1, "the scripts still ran"
