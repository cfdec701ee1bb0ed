"""Whether the playbooks' public sources still open (``onboarding playbooks check-links``).

Each distinct URL is asked once, HEAD first and GET when a site refuses HEAD, following
redirects, with a short timeout; a status below 400 is a link that works. The last result
may be kept as a small JSON file (the command keeps it in the instance folder) so HR can see
when each link last worked. Network access happens only here and only when asked.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from .content import PlaybookContent

USER_AGENT = "NHS onboarding tracker link check (monthly review of playbook sources)"
WORKERS = 6


@dataclass
class Link:
    playbook: str
    milestone: str
    url: str


@dataclass
class Checked:
    playbook: str
    milestone: str
    url: str
    status: int | None  # the final HTTP status after redirects; None: no answer
    error: str  # why there was no answer ("" when there was one)

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def outcome(self) -> str:
        if self.status is None:
            return f"failed: {self.error}"
        return f"{self.status} {'ok' if self.ok else 'failed'}"


def links_of(contents: list[PlaybookContent]) -> list[Link]:
    """Every source URL of every milestone, in playbook and milestone order."""
    return [Link(c.slug, m["key"], s["url"]) for c in contents for m in c.milestones for s in m.get("sources", [])]


def _fetch(url: str, timeout: float) -> tuple[int | None, str]:
    headers = {"User-Agent": USER_AGENT}
    try:
        with requests.Session() as session:
            response = session.head(url, allow_redirects=True, timeout=timeout, headers=headers)
            if response.status_code >= 400:  # some sites answer HEAD with 403, 404 or 405 but GET with 200
                response = session.get(url, allow_redirects=True, timeout=timeout, headers=headers, stream=True)
                response.close()
            return response.status_code, ""
    except requests.Timeout:
        return None, f"no answer within {timeout:g} seconds"
    except requests.RequestException as exc:
        return None, type(exc).__name__


def check(links: list[Link], timeout: float = 10.0) -> list[Checked]:
    """Ask each distinct URL once (a few at a time); one result per link, in order."""
    urls = list(dict.fromkeys(link.url for link in links))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = dict(zip(urls, pool.map(lambda u: _fetch(u, timeout), urls)))
    return [Checked(link.playbook, link.milestone, link.url, *answers[link.url]) for link in links]


def save(results: list[Checked], path: Path, now: datetime | None = None) -> None:
    """Keep the last run's results as JSON: when it ran and each link's outcome."""
    now = now or datetime.now(UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"checked_at": now.isoformat(timespec="seconds"), "links": [asdict(r) | {"ok": r.ok} for r in results]}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def table(results: list[Checked]) -> list[str]:
    """The results as a plain-text table for the terminal, failures first."""
    rows = [("STATUS", "PLAYBOOK", "MILESTONE", "URL")]
    rows += [(r.outcome, r.playbook, r.milestone, r.url) for r in sorted(results, key=lambda r: r.ok)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3] for row in rows]
