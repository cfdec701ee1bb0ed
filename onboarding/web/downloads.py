"""Files the app sends for saving (CSV, YAML): always as attachments, and never kept by a
browser or proxy cache, since they carry personal data or HR's working content."""
from __future__ import annotations

from flask import Response


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })
