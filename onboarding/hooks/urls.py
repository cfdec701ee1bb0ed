"""The one rule for an address the app posts to (a Teams channel, an HR system's endpoint)."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL = 2000


class HookError(ValueError):
    """A refusal naming the form field it is about."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def url_problem(url: str, what: str, *, allow_loopback: bool = False) -> str | None:
    """Why ``url`` cannot be posted to, or None. Only https, so the secret, the card and the
    payload never cross a network in clear; http://127.0.0.1 only when ``allow_loopback``
    (testing: the tests' receivers listen there)."""
    if not url:
        return f"Enter the {what}"
    if len(url) > MAX_URL:
        return f"The {what} must be {MAX_URL:,} characters or fewer"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return f"The {what} must not contain spaces"
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return f"Enter the {what} as a full address starting with https://"
    if parts.scheme == "https" and host and not parts.username:
        return None
    if allow_loopback and parts.scheme == "http" and host == "127.0.0.1":
        return None
    return f"The {what} must start with https://"
