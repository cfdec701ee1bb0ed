"""Posting the outbox's HTTP posts with ``requests``: a Teams card as it was queued, a webhook
event signed afresh at each attempt (Standard Webhooks: webhook-id, webhook-timestamp,
webhook-signature). Run by the daily nudge sweep and the 15-minute retry job.

A post is marked sent in a commit of its own the moment the receiver answers 2xx, so a crash
repeats at most the one post in flight (receivers deduplicate by webhook-id); anything else is
a failed attempt, retried with the nudges' backoff until HOOK_MAX_ATTEMPTS. Redirects are not
followed (a 3xx is a failure): the address HR gave is the one posted to.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests

from ..models import utcnow
from . import outbox
from .urls import private_destination
from .webhooks import sign

log = logging.getLogger("onboarding.hooks")


@dataclass
class PostResult:
    posted: int = 0
    failed: int = 0  # not delivered this time (queued again, or failed for good)
    errors: list[str] = field(default_factory=list)


def _headers(row) -> dict:
    headers = {"Content-Type": "application/json", "User-Agent": "leader-onboarding-hooks"}
    if row.channel == "webhook":
        stamp = int(time.time())  # the receiver checks it against its own clock
        headers |= {"webhook-id": row.message_id, "webhook-timestamp": str(stamp),
                    "webhook-signature": sign(row.secret, row.message_id, stamp, row.body.encode())}
    return headers


def _post(http: requests.Session, row, timeout: float, private_ok: bool = False) -> tuple[int | None, str | None]:
    """(status code, error): error None on a 2xx; status None when nothing answered (or the
    address now resolves to a private one: never posted to, unless testing)."""
    if not private_ok and (address := private_destination(row.url)):
        return None, f"Not posted: the address resolves to {address}, a private or local address"
    try:
        response = http.post(row.url, data=row.body.encode(), headers=_headers(row),
                             timeout=(min(3.0, timeout), timeout), allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    with response:
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code} {response.reason or ''}".strip()


def deliver(config: Mapping, *, force: bool = True, now: datetime | None = None) -> PostResult:
    """Post every deliverable post once, in id order. A receiver that cannot be reached keeps
    the rest of its posts queued, untried, for the next run."""
    from ..nudges.policy import backoff  # the nudges' own backoff; imported late, as nudges imports hooks

    result = PostResult()
    now = now or utcnow()
    max_attempts = int(config.get("HOOK_MAX_ATTEMPTS", 8))
    retry_base = int(config.get("NUDGE_RETRY_BASE_MINUTES", 15))
    timeout = float(config.get("HOOK_TIMEOUT_SECONDS", 5))
    unreachable: dict[str, str] = {}
    began, after = time.monotonic(), 0
    with requests.Session() as http:
        while claimed := outbox.claim(now, force, after, now + timedelta(seconds=time.monotonic() - began)):
            after = claimed[-1][0].id
            for row, previous in claimed:
                if row.url in unreachable:
                    outbox.release(row.id, previous)
                    result.failed += 1
                    continue
                code, error = _post(http, row, timeout, private_ok=bool(config.get("TESTING")))
                if error is None:
                    outbox.mark_sent(row.id, code)
                    result.posted += 1
                    log.info("%s post %s delivered (%s)", row.channel, row.id, code)
                    continue
                attempts = row.attempts + 1
                next_at = None if attempts >= max_attempts else now + backoff(attempts, retry_base)
                outbox.mark_failed(row.id, attempts, code, error, next_at)
                result.failed += 1
                result.errors.append(f"{row.channel} post {row.id}: {error}")
                log.warning("%s post %s failed (attempt %d): %s", row.channel, row.id, attempts, error)
                if code is None:
                    unreachable[row.url] = error
    return result
