"""Serve the NHS.UK frontend from node_modules (installed by `make`, never committed).

Its CSS refers to icons at absolute /assets/ URLs, so the assets live there."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory


def init_app(app: Flask) -> None:
    dist = Path(app.config["NODE_MODULES"]) / "nhsuk-frontend" / "dist" / "nhsuk"

    @app.get("/assets/<path:filename>")
    def nhsuk_assets(filename: str):
        return send_from_directory(dist / "assets", filename, max_age=86400)

    @app.get("/static/nhsuk/<path:filename>")
    def nhsuk_dist(filename: str):
        if not filename.startswith("nhsuk-frontend"):
            abort(404)
        return send_from_directory(dist, filename, max_age=86400)
