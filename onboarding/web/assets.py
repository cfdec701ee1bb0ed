"""Serve the NHS.UK frontend from node_modules (installed by `make`, never committed), and give
the templates the NHS logo.

Its CSS refers to icons at absolute /assets/ URLs, so the assets live there."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, abort, send_from_directory
from markupsafe import Markup

# The NHS.UK header component with nothing but its logo (an inline SVG).
_LOGO_ONLY = '{% from "nhsuk/components/header/macro.jinja" import header %}{{ header({}) }}'


def init_app(app: Flask) -> None:
    dist = Path(app.config["NODE_MODULES"]) / "nhsuk-frontend" / "dist" / "nhsuk"

    @cache
    def nhs_logo() -> Markup:
        """The logo as the NHS.UK header component draws it, taken from the component once (for
        templates/macros/header.html, which draws the rest of the header itself). Safe to print as
        it is: the design system's own markup, rendered with no values of anyone's."""
        html = app.jinja_env.from_string(_LOGO_ONLY).render()
        start = html.index('<svg class="nhsuk-header__logo"')
        return Markup(html[start:html.index("</svg>", start) + len("</svg>")])

    app.jinja_env.globals["nhs_logo"] = nhs_logo

    @app.get("/assets/<path:filename>")
    def nhsuk_assets(filename: str):
        return send_from_directory(dist / "assets", filename, max_age=86400)

    @app.get("/static/nhsuk/<path:filename>")
    def nhsuk_dist(filename: str):
        if not filename.startswith("nhsuk-frontend"):
            abort(404)
        return send_from_directory(dist, filename, max_age=86400)
