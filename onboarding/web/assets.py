"""Serve the app's own files and the NHS.UK frontend (from node_modules, installed by `make`,
never committed), each stylesheet and script at an address that names its content, and give the
templates the NHS logo.

`url_for('static', ...)` adds `?v=` and the file's content digest: a browser keeps a file
fetched at that address for a year without asking again, so a page costs one request rather than
one for itself and one more for each stylesheet and script, and a deploy that changes a file
changes its address. The NHS.UK CSS refers to its icons at absolute /assets/ URLs, which cannot
carry a version: those, and any address without the current digest, are kept for a day or checked
each time as before."""
from __future__ import annotations

import hashlib
import os
import stat
from functools import cache, lru_cache
from pathlib import Path

from flask import Flask, abort, request, send_from_directory
from markupsafe import Markup
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
DAY = 24 * 3600

# The NHS.UK header component with nothing but its logo (an inline SVG).
_LOGO_ONLY = '{% from "nhsuk/components/header/macro.jinja" import header %}{{ header({}) }}'


@lru_cache(maxsize=256)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:16]


def version(folder: str | Path, filename: str) -> str | None:
    """The digest of a served file's content; None if there is no such file. Looked up by its
    modification time, so an edited file gets a new address without a restart."""
    if (path := safe_join(str(folder), filename)) is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return _digest(path, found.st_mtime_ns, found.st_size) if stat.S_ISREG(found.st_mode) else None


def _send(folder: str | Path, filename: str, unversioned_max_age: int | None):
    """The file; kept a year and never revalidated when asked for at its current digest."""
    versioned = "v" in request.args and request.args["v"] == version(folder, filename)
    response = send_from_directory(folder, filename, max_age=YEAR if versioned else unversioned_max_age)
    if versioned:
        response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    dist = Path(app.config["NODE_MODULES"]) / "nhsuk-frontend" / "dist" / "nhsuk"
    folders = {"static": app.static_folder, "nhsuk_dist": dist}

    @cache
    def nhs_logo() -> Markup:
        """The logo as the NHS.UK header component draws it, taken from the component once (for
        templates/macros/header.html, which draws the rest of the header itself). Safe to print as
        it is: the design system's own markup, rendered with no values of anyone's."""
        html = app.jinja_env.from_string(_LOGO_ONLY).render()
        start = html.index('<svg class="nhsuk-header__logo"')
        return Markup(html[start:html.index("</svg>", start) + len("</svg>")])

    app.jinja_env.globals["nhs_logo"] = nhs_logo

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if (endpoint in folders and "v" not in values and "filename" in values
                and (digest := version(folders[endpoint], values["filename"]))):
            values["v"] = digest

    # Flask's own static route, answered with the versioned caching (unversioned: checked each time).
    app.view_functions["static"] = lambda filename: _send(app.static_folder, filename, None)

    @app.get("/assets/<path:filename>")
    def nhsuk_assets(filename: str):
        return send_from_directory(dist / "assets", filename, max_age=DAY)

    @app.get("/static/nhsuk/<path:filename>")
    def nhsuk_dist(filename: str):
        if not filename.startswith("nhsuk-frontend"):
            abort(404)
        # Unversioned: app.js imports the script by its plain address.
        return _send(dist, filename, DAY)
