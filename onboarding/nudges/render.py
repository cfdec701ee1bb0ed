"""Email content: one email per recipient carrying all their nudges, from the
``email/nudges`` templates (autoescaped HTML), with links into the app."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app

from ..plans import planning
from ..plans.checkins import next_due
from ..plans.planning import Calendar, parse_working_days
from .facts import Batch
from .policy import KINDS, between


@lru_cache(maxsize=4096)  # thousands of emails name the same few hundred dates
def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def links(config: Mapping) -> dict:
    """Absolute links into the app for emails, built from its own routes at BASE_URL.

    url_for outside a request needs SERVER_NAME, which would also make the app answer
    only that host; the app's URL map bound to BASE_URL builds the same URLs."""
    base = str(config.get("BASE_URL", "")).rstrip("/")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")

    def url(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return {
        "base": base,
        "plan": lambda plan_id: url("leader.plan", plan_id=plan_id),
        "milestone": lambda plan_id, milestone_id: url("leader.milestone", plan_id=plan_id, milestone_id=milestone_id),
        "new_checkin": lambda plan_id: url("sponsor.new_checkin", plan_id=plan_id),
        "sponsor": url("sponsor.dashboard"),
        "settings": url("account.settings"),
    }


def _progress(plan, counts, today: date) -> planning.Progress:
    """planning.progress from the batch's milestone counts, as the pages count it."""
    done, total, overdue = (counts.done or 0, counts.total or 0, counts.overdue or 0) if counts is not None else (0, 0, 0)
    return planning.progress(plan.start_date, plan.end_date, today, done=done, total=total, overdue=overdue,
                             completed=plan.status == "completed")


def _item(nudge, batch: Batch, today: date, url) -> dict:
    """What a template needs to say about one nudge."""
    item = {"kind": nudge.kind, "id": nudge.id}
    if nudge.kind == "digest":
        rows = []
        for plan in batch.sponsored.get(nudge.recipient_id, ()):
            if plan.status != "active":
                continue
            milestones = batch.digest_milestones.get(plan.id, [])
            progress = _progress(plan, batch.digest_counts.get(plan.id), today)
            overdue = [m for m in milestones if m.status == "todo" and m.due_date < today]
            upcoming = [m for m in milestones if m.status == "todo" and today <= m.due_date <= today + timedelta(days=7)]
            last, next_on = batch.checkins.get(plan.id, (None, None))
            due = next_due(plan.start_date, plan.checkin_cadence_days, last, next_on)
            rows.append(
                {
                    "leader": plan.leader_name,
                    "progress": progress,
                    "overdue": [(m.title, long_date(m.due_date)) for m in overdue],
                    "upcoming": [(m.title, long_date(m.due_date)) for m in upcoming],
                    "last_checkin": long_date(last) if last else None,
                    "next_checkin": long_date(due),
                    "checkin_overdue": due < today,
                    "url": url["plan"](plan.id),
                }
            )
        item.update(week=long_date(today), plans=rows, url=url["sponsor"], headline="Your weekly onboarding digest")
        return item
    plan = batch.plans[nudge.plan_id]
    item.update(leader=plan.leader_name, plan_url=url["plan"](plan.id))
    if nudge.kind == "checkin_due":
        last, _ = batch.checkins.get(plan.id, (None, None))
        item.update(
            cadence=plan.checkin_cadence_days,
            last=long_date(last) if last else None,
            url=url["new_checkin"](plan.id),
            headline=f"Check-in due with {plan.leader_name}",
        )
        return item
    m = batch.milestones[nudge.milestone_id]
    # As PlanFacts.calendar_for: the leader's own pattern, Monday to Friday for the others.
    cal = Calendar(parse_working_days(plan.working_days)) if m.owner == "leader" else Calendar()
    late = between(cal, m.due_date, today)
    item.update(
        title=m.title,
        due=long_date(m.due_date),
        working_days_late=max(0, late),
        url=url["milestone"](plan.id, m.id),
        headline={
            "due_soon": f"Due soon: {m.title}",
            "overdue": f"Overdue: {m.title}",
            "escalation": f"{plan.leader_name}'s milestone is overdue: {m.title}",
        }[nudge.kind],
    )
    return item


def render_email(recipient, nudges: Sequence, today: date, config: Mapping, *, batch: Batch,
                 url: dict | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML of the one email that carries these nudges."""
    url = url or links(config)
    items = sorted((_item(n, batch, today, url) for n in nudges), key=lambda i: (KINDS.index(i["kind"]), i["id"]))
    single = len(items) == 1
    subject = items[0]["headline"] if single else f"{len(items)} onboarding reminders for {long_date(today)}"
    context = {
        "recipient": recipient,
        "items": items,
        "today": long_date(today),
        "settings_url": url["settings"],
        "service_name": config.get("SERVICE_NAME", "Leader onboarding"),
    }
    env = current_app.jinja_env
    # Rendered straight from the environment: no request, so no web context processors.
    text = env.get_template("email/nudges.txt").render(context)
    html = env.get_template("email/nudges.html").render(context)
    return " ".join(subject.split()), text, html
