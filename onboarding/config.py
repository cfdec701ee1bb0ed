"""Default configuration.

Order of precedence (later wins): these defaults, ``instance/config.py``,
``ONBOARDING_<KEY>`` environment variables, then the mapping a test passes
to ``create_app``.
"""
import logging
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where `onboarding run` listens unless told otherwise (the Makefile's HOST and PORT too).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000

log = logging.getLogger(__name__)


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/onboarding.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PLAYBOOK_DIR = str(PROJECT_ROOT / "playbooks")
    NODE_MODULES = str(PROJECT_ROOT / "node_modules")
    # The start of every absolute link (emails, invites, calendar feeds). Unset, it is where
    # this process serves: http://HOST:PORT of `onboarding run`, else DEFAULT_HOST:DEFAULT_PORT.
    BASE_URL = None
    SERVICE_NAME = "Leader onboarding"
    # Who runs this service: named in the footer, invites and emails (e.g. "Example NHS
    # Foundation Trust"). Unset, pages and emails name no organisation.
    ORGANISATION_NAME = ""
    # The header logo's accessible name; unset, "<SERVICE_NAME> homepage".
    LOGO_LABEL = ""
    # Footer links; unset, the link is left out (the accessibility statement falls back to
    # this service's own page).
    PRIVACY_NOTICE_URL = ""
    ACCESSIBILITY_STATEMENT_URL = ""
    CONTACT_URL = ""  # a page or a mailto: address
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
    # "Forgotten your password?": a link lives this long; requests for links are limited per
    # account from one address, per account and per address in each window (never affecting sign-in).
    PASSWORD_RESET_MAX_AGE = 3600
    PASSWORD_RESET_MAX_REQUESTS = 3
    PASSWORD_RESET_MAX_PER_ACCOUNT = 5
    PASSWORD_RESET_MAX_PER_ADDRESS = 50
    PASSWORD_RESET_WINDOW_SECONDS = 3600
    # Failed sign-ins allowed per LOGIN_LOCK_SECONDS window: for one account from one address,
    # for one account from anywhere, and from one address to any account (an NHS trust's whole
    # network may share one address, so that limit is high).
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 20
    LOGIN_MAX_FAILURES_PER_ADDRESS = 100
    LOGIN_LOCK_SECONDS = 15 * 60
    # Two-factor: how long a right password waits for its code (the half-signed-in state).
    TWO_FACTOR_PENDING_SECONDS = 5 * 60

    # Single sign-on through an OpenID Connect provider (people/sso.py, README "Single
    # sign-on"): on when OIDC_ISSUER and OIDC_CLIENT_ID are set. The issuer is the provider's
    # own (for Entra ID https://login.microsoftonline.com/<tenant id>/v2.0); its
    # /.well-known/openid-configuration gives the endpoints and keys.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_SCOPES = "openid email profile"
    OIDC_BUTTON_LABEL = "Sign in with NHSmail"
    # Whether an email address the provider sends without email_verified (Entra ID never sends
    # it) may match a user. Only for a single-tenant issuer whose administrators own the addresses.
    OIDC_TRUST_EMAIL = False
    # Single sign-on the only way in: passwords refused, but for this one break-glass HR account.
    SSO_ONLY = False
    BREAK_GLASS_EMAIL = ""

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
    PULSE_REMINDER_WORKING_DAYS = 5  # an unanswered pulse check is nudged once, this many of the leader's working days late
    CHECKIN_CADENCE_DAYS = 14
    NUDGE_MAX_ATTEMPTS = 5
    NUDGE_RETRY_BASE_MINUTES = 15  # backoff between delivery attempts: 15 min, 45 min, 2 h 15...
    # Teams cards and webhook events (onboarding.hooks): posted with the same backoff, given up
    # after this many attempts (over about three days), each waiting this long for an answer.
    HOOK_MAX_ATTEMPTS = 8
    HOOK_TIMEOUT_SECONDS = 5
    MAIL_FILE_DIR = None  # the file backend's folder; default instance/outbox

    # Operations (README "Running it as a service"): "json" logs one JSON object a line (a line
    # per request and per sweep); anything else, plain text.
    LOG_FORMAT = "text"
    # /metrics answers a request with `Authorization: Bearer <METRICS_TOKEN>` or from an address
    # in METRICS_ALLOW (CIDRs: a JSON list or "10.0.0.0/8,127.0.0.1"; the client's address as
    # TRUSTED_PROXIES decides it). With neither set it is 404 to everyone.
    METRICS_TOKEN = ""
    METRICS_ALLOW = ""
    # Closed plans are kept in full this many years after closing, then anonymised by
    # `onboarding retention run` (weekly in the scheduler). Six: the Records Management Code of
    # Practice for Health and Social Care (NHS England, 2021, updated 2023), Appendix II, keeps
    # staff training records other than "significant" training 6 years (see README "Retention").
    RETENTION_YEARS = 6

    # The in-process scheduler runs under `onboarding run`; web workers leave it off.
    SCHEDULER_ENABLED = False
    SCHEDULER_HOUR = 8


def base_url(configured: str | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """The base for absolute links: the configured BASE_URL if there is one, else http://HOST:PORT."""
    if configured:
        return configured.rstrip("/")
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _address(scheme: str, netloc: str) -> tuple[str, int | None]:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port
    except ValueError:  # a garbled Host header
        port = None
    return (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def host_differs(base: str, scheme: str, host: str) -> bool:
    """Whether a request that came to ``host`` would be sent links to another host or port."""
    configured = urlsplit(base)
    return _address(configured.scheme, configured.netloc) != _address(scheme, host)


def warn_once_if_host_differs(app, scheme: str, host: str) -> None:
    """Log, once per app (one per process), that links point somewhere other than where
    users reach the app: the classic sign is emails saying :5000 for a server on another port."""
    if app.extensions.get("base_url_warned") or not host_differs(app.config["BASE_URL"], scheme, host):
        return
    app.extensions["base_url_warned"] = True
    log.warning(
        "Links in emails, invites and calendar feeds start %s, but a request came to %s://%s; "
        "set ONBOARDING_BASE_URL to the address users reach (logged once)",
        app.config["BASE_URL"], scheme, host,
    )
