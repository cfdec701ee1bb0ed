"""Microsoft Teams: the channels nudges are also posted to, each person's choice of email,
Teams or both, and the Adaptive Card a nudge becomes.

A channel is a Teams "Workflows" webhook URL: a plan's own, else the organisation's default.
Escalations and check-in reminders go to their plan's channel; the weekly digest, which spans
the sponsor's plans, to the default. A card holds what the email's subject says and a link to
the page, nothing more: never a private note, a concern or anything the page guards.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import NUDGE_CHANNELS, OrgSetting, Plan, TeamsChannel, User
from ..people import audit
from .urls import HookError, url_problem

# The nudges a channel also carries; the others are one person's business (email only).
TEAMS_KINDS = ("escalation", "checkin_due", "digest")
DEFAULT_KEY = "teams_webhook_url"
WHAT = "Teams webhook address"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"


def default_url() -> str | None:
    return db.session.scalar(sa.select(OrgSetting.value).where(OrgSetting.key == DEFAULT_KEY)) or None


def plan_url(plan: Plan) -> str | None:
    """The plan's own channel (None: it uses the default, if any)."""
    return db.session.scalar(sa.select(TeamsChannel.url).where(TeamsChannel.plan_id == plan.id))


def _checked(url: str | None, allow_loopback: bool) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if problem := url_problem(url, WHAT, allow_loopback=allow_loopback):
        raise HookError(problem, "url")
    return url


def set_default(url: str | None, actor: User, remote_addr=None, *, allow_loopback=False) -> str | None:
    """Set (or, empty, remove) the organisation's default channel. HookError on a bad address.
    The caller commits."""
    url = _checked(url, allow_loopback)
    row = db.session.get(OrgSetting, DEFAULT_KEY)
    if url is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(OrgSetting(key=DEFAULT_KEY, value=url))
    else:
        row.value = url
    # The address is a credential of sorts (anyone holding it can post): only whether it is set.
    audit.record(actor, "teams.default", None, remote_addr, set=url is not None)
    return url


def set_plan_url(plan: Plan, url: str | None, actor: User, remote_addr=None, *, allow_loopback=False) -> str | None:
    """Set (or, empty, remove) a plan's own channel. HookError on a bad address. The caller commits."""
    url = _checked(url, allow_loopback)
    row = db.session.get(TeamsChannel, plan.id)
    if url is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(TeamsChannel(plan_id=plan.id, url=url))
    else:
        row.url = url
    audit.record(actor, "teams.plan", plan, remote_addr, set=url is not None)
    return url


def channel_exists_for(user: User) -> bool:
    """Whether a channel could carry this person's nudges: they sponsor a running plan (only
    sponsors get escalations, check-in reminders and the digest) and there is a default channel
    or one on such a plan. Their account page offers the choice only then."""
    sponsored = sa.and_(Plan.sponsor_id == user.id, Plan.is_open)
    if default_url():
        return bool(db.session.scalar(sa.select(sa.exists().where(sponsored))))
    return bool(db.session.scalar(sa.select(sa.exists().where(TeamsChannel.plan_id == Plan.id, sponsored))))


def set_choice(user: User, channel: str, remote_addr=None) -> bool:
    """A person's choice of email, Teams or both; False when unchanged. The caller commits."""
    if channel not in NUDGE_CHANNELS:
        raise HookError("Select email, Teams or both", "nudge_channel")
    if channel == user.nudge_channel:
        return False
    audit.record(user, "user.nudge_channel", user, remote_addr, before=user.nudge_channel, after=channel)
    user.nudge_channel = channel
    return True


@dataclass
class Routing:
    """Where one delivery batch's nudges go: loaded once for the batch (three small queries,
    only when it holds a kind a channel carries)."""

    default: str | None = None
    plan_urls: dict[int, str] = field(default_factory=dict)
    choices: dict[int, str] = field(default_factory=dict)  # recipients who chose Teams or both

    @classmethod
    def load(cls, rows: Iterable) -> Routing:
        rows = [r for r in rows if r.kind in TEAMS_KINDS]
        if not rows:
            return cls()
        recipients = sorted({r.recipient_id for r in rows})
        choices = dict(db.session.execute(
            sa.select(User.id, User.nudge_channel).where(User.id.in_(recipients), User.nudge_channel != "email")).all())
        if not choices:
            return cls()
        plan_ids = sorted({r.plan_id for r in rows if r.plan_id is not None and r.recipient_id in choices})
        urls = dict(db.session.execute(
            sa.select(TeamsChannel.plan_id, TeamsChannel.url).where(TeamsChannel.plan_id.in_(plan_ids))).all())
        return cls(default_url(), urls, choices)

    def channel(self, row) -> str | None:
        if row.kind not in TEAMS_KINDS:
            return None
        if row.kind == "digest":
            return self.default
        return self.plan_urls.get(row.plan_id) or self.default

    def split(self, recipient_id: int, rows: Sequence) -> tuple[list[tuple], list]:
        """(posts, emailed): each row to post with its channel, and the rows still to email.
        Email is the default; "Teams" alone falls back to email where no channel exists."""
        choice = self.choices.get(recipient_id, "email")
        posts, emailed = [], []
        for row in rows:
            url = self.channel(row) if choice != "email" else None
            if url:
                posts.append((row, url))
            if not url or choice == "both":
                emailed.append(row)
        return posts, emailed


# Links, emphasis and code anywhere; a heading, quote or list only by a mark at a line's start
# (and every line break is taken out, so only the first line's start counts).
_INLINE = re.compile(r"([\\`*_\[\]])")


def plain(text: str) -> str:
    """Text shown as written: a TextBlock reads a subset of Markdown, and a leader's own
    milestone title must not become a link or a heading in the channel."""
    text = _INLINE.sub(r"\\\1", " ".join(text.split()))
    return "\\" + text if text[:1] in ("#", ">", "-", "+") else text


def card(title: str, line: str, url: str, link_text: str) -> dict:
    """A Workflows webhook's message: one Adaptive Card with a heading, a line and a button."""
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": CARD_SCHEMA,
                "type": "AdaptiveCard",
                "version": CARD_VERSION,
                "body": [
                    {"type": "TextBlock", "text": plain(title), "weight": "Bolder", "size": "Medium", "wrap": True},
                    {"type": "TextBlock", "text": plain(line), "isSubtle": True, "wrap": True},
                ],
                "actions": [{"type": "Action.OpenUrl", "title": link_text, "url": url}],
            },
        }],
    }


def card_body(title: str, line: str, url: str, link_text: str) -> str:
    return json.dumps(card(title, line, url, link_text), separators=(",", ":"), ensure_ascii=False)
