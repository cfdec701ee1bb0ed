"""The one rule for an address the app posts to (a Teams channel, an HR system's endpoint)."""
from __future__ import annotations

import ipaddress
import socket
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
    if allow_loopback and parts.scheme == "http" and host == "127.0.0.1":
        return None
    if parts.scheme != "https" or not host or parts.username:
        return f"The {what} must start with https://"
    if not allow_loopback and _is_private(host):
        return f"The {what} must be on the internet, not a private or local address ({host})"
    return None


def _is_private(host: str) -> bool:
    """An IP literal off the public internet: loopback, private ranges, link-local (where
    cloud metadata services answer), reserved."""
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return host.lower() == "localhost" or host.lower().endswith(".localhost")


def private_destination(url: str) -> str | None:
    """The private address a post to ``url`` would reach, or None; checked at each delivery,
    since a name can resolve anywhere (HR registers addresses, but must not be able to make the
    server probe its own network, its loopback or a cloud metadata service). A name that does not
    resolve is left to fail as the post itself would."""
    host = urlsplit(url).hostname or ""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return next((info[4][0] for info in found if _is_private(info[4][0].split("%")[0])), None)
