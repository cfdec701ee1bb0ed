"""Screenshots for the README, made from the demo data in the system Chromium.

Usage: make screenshots  (or .venv/bin/python scripts/screenshots.py [OUT_DIR])
It builds a throw-away instance with the demo data, so your own database is untouched.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from onboarding import create_app, demo, playbooks  # noqa: E402
from onboarding.extensions import db  # noqa: E402

CHROMIUM = os.environ.get("ONBOARDING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = [
    # (file, login, path): each role's first screen
    ("leader-plan.png", "leader.cdio@example.nhs.uk", "/my-plan"),  # what needs doing
    ("sponsor-dashboard.png", "sponsor.ceo@example.nhs.uk", "/sponsor"),  # who needs me
    ("hr-attention.png", "hr@example.nhs.uk", "/hr/attention"),  # needs attention
]


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/demo.sqlite3",
                          "MAIL_BACKEND": "memory"})
        with app.app_context():
            db.create_all()
            playbooks.load(playbooks.default_paths(app.config["PLAYBOOK_DIR"]))
            demo.seed()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, email, path in SHOTS:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(f"{base}/login")
                page.get_by_label("Email address").fill(email)
                page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.goto(f"{base}{path}")
                page.screenshot(path=str(out_dir / name), full_page=True)
                print(f"wrote {out_dir / name}")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
