"""Default configuration.

Order of precedence (later wins): these defaults, ``instance/config.py``,
``ONBOARDING_<KEY>`` environment variables, then the mapping a test passes
to ``create_app``.
"""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/onboarding.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PLAYBOOK_DIR = str(PROJECT_ROOT / "playbooks")
    NODE_MODULES = str(PROJECT_ROOT / "node_modules")
    BASE_URL = "http://127.0.0.1:5000"
    SERVICE_NAME = "Leader onboarding"
    TIMEZONE = "Europe/London"

    # Sessions and cookies: HttpOnly and SameSite always; Secure when served over HTTPS.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # A signed-in session (kept on the server, see onboarding/sessions.py) ends this long after
    # sign-in however active the user is, and after this long without a request.
    SESSION_MAX_SECONDS = 8 * 3600
    SESSION_IDLE_SECONDS = 30 * 60
    WTF_CSRF_TIME_LIMIT = 3600
    # How many proxies in front of the app append to X-Forwarded-For (and set X-Forwarded-Proto).
    # 0 trusts no header: the client address is the TCP peer.
    TRUSTED_PROXIES = 0
    # Larger request bodies are refused with 413 before they are read (a playbook upload
    # has its own smaller limit, web/hr.py); 1 MB is far more than any form or JSON body.
    MAX_CONTENT_LENGTH = 1024 * 1024

    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    INVITE_MAX_AGE = 7 * 24 * 3600
    # Failed sign-ins allowed per LOGIN_LOCK_SECONDS window: for one account from one address,
    # for one account from anywhere, and from one address to any account (an NHS trust's whole
    # network may share one address, so that limit is high).
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 20
    LOGIN_MAX_FAILURES_PER_ADDRESS = 100
    LOGIN_LOCK_SECONDS = 15 * 60

    # Mail: "file" writes .eml files to instance/outbox, "smtp" sends, "memory" is for tests.
    MAIL_BACKEND = "file"
    MAIL_FROM = "Leader onboarding <onboarding@localhost>"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_STARTTLS = False
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_TIMEOUT = 10

    # Nudge policy defaults (a playbook's ``nudges:`` block overrides them).
    NUDGE_DUE_SOON_WORKING_DAYS = 3
    NUDGE_OVERDUE_EVERY_WORKING_DAYS = 5
    NUDGE_ESCALATE_AFTER_WORKING_DAYS = 10
    CHECKIN_CADENCE_DAYS = 14
    NUDGE_MAX_ATTEMPTS = 5
    NUDGE_RETRY_BASE_MINUTES = 15  # backoff between delivery attempts: 15 min, 45 min, 2 h 15...
    MAIL_FILE_DIR = None  # the file backend's folder; default instance/outbox

    # The in-process scheduler runs under `onboarding run`; web workers leave it off.
    SCHEDULER_ENABLED = False
    SCHEDULER_HOUR = 8
