"""Files the app sends for saving (CSV, YAML): always as attachments, and never kept by a
browser or proxy cache, since they carry personal data or HR's working content. Every
download is audited (``audited``): who took which file, when."""
from __future__ import annotations

from flask import Response, request

from ..extensions import db
from ..people import audit


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def audited(actor, action: str, obj=None, **detail) -> None:
    """Note a download or a reading of the audit trail in the trail, and commit."""
    audit.record(actor, action, obj, request.remote_addr, **detail)
    db.session.commit()
