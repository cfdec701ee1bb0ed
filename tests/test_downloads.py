"""Every file the app sends for saving (CSV and YAML) is an attachment that no browser or
proxy cache keeps: they carry personal data or HR's working content."""
from __future__ import annotations

import pytest

from onboarding.extensions import db
from onboarding.people import tokens

DOWNLOADS = [
    ("leader_a", "/plans/{a}/export.csv", "text/csv"),
    ("hr", "/hr/cohort.csv", "text/csv"),
    ("hr", "/hr/playbooks/cdio-cio-26-weeks/v1.yaml", "application/yaml"),
    ("hr", "/api/v1/playbooks/cdio-cio-26-weeks/export", "text/yaml"),
]


@pytest.mark.parametrize("who, path, mimetype", DOWNLOADS)
def test_downloads_are_attachments_never_stored(cast, client, login, who, path, mimetype):
    headers = {}
    if path.startswith("/api/"):
        _, raw = tokens.create(cast[who], "test")
        db.session.commit()
        headers["Authorization"] = f"Bearer {raw}"
    else:
        login(cast[who])
    response = client.get(path.format(a=cast["plan_a"].id), headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
