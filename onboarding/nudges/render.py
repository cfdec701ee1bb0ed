"""Email content: one email per recipient carrying all their nudges, from the
``email/nudges`` templates (autoescaped HTML), with links into the app, and the one
function that says in a subject what an email holds."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app

from ..plans import dates, planning, pulses
from ..plans.checkins import next_due
from ..plans.planning import Calendar, is_due_within, parse_working_days
from ..playbooks import glossary
from ..playbooks.marking import Marker
from .facts import DIGEST_DAYS, Batch
from .policy import KINDS, PULSE_KINDS, between

# Thousands of emails name the same few hundred dates; the style is the pages' (plans.dates).
long_date = lru_cache(maxsize=4096)(dates.weekday)
plain_date = dates.day


def short_date(day: date) -> str:
    """A subject's date: "2 Dec" (a subject has little room, and the email gives it in full)."""
    return f"{day.day} {day:%b}"


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
        "concern": lambda plan_id, concern_id: url("leader.concern", plan_id=plan_id, concern_id=concern_id),
        "plan": lambda plan_id: url("leader.plan", plan_id=plan_id),
        "milestone": lambda plan_id, milestone_id: url("leader.milestone", plan_id=plan_id, milestone_id=milestone_id),
        "new_checkin": lambda plan_id: url("sponsor.new_checkin", plan_id=plan_id),
        "checkin": lambda plan_id, checkin_id: f"{url('sponsor.checkins', plan_id=plan_id)}#checkin-{checkin_id}",
        "pulse": lambda plan_id, key: url("leader.pulse", plan_id=plan_id, pulse_key=key),
        "pulse_answers": lambda plan_id: f"{url('hr.plan_admin', plan_id=plan_id)}#pulses",
        "sponsor": url("sponsor.dashboard"),
        "settings": url("account.settings"),
        "glossary": url("reference.glossary"),
    }


def _progress(plan, counts, today: date) -> planning.Progress:
    """planning.progress from the batch's milestone counts, as the pages count it."""
    done, total, overdue = (counts.done or 0, counts.total or 0, counts.overdue or 0) if counts is not None else (0, 0, 0)
    return planning.progress(plan.start_date, plan.end_date, today, done=done, total=total, overdue=overdue,
                             completed=plan.status == "completed")


def week_start(day: date) -> date:
    """The Monday of ``day``'s week: the week a digest covers."""
    return day - timedelta(days=day.weekday())


def _digest(item: dict, nudge, batch: Batch, today: date, url) -> dict:
    rows = []
    for plan in batch.sponsored.get(nudge.recipient_id, ()):
        if plan.status != "active":
            continue
        milestones = batch.digest_milestones.get(plan.id, [])
        last, next_on = batch.checkins.get(plan.id, (None, None))
        due = next_due(plan.start_date, plan.checkin_cadence_days, last, next_on)
        rows.append({
            "leader": plan.leader_name,
            "progress": _progress(plan, batch.digest_counts.get(plan.id), today),
            "overdue": [(m.title, long_date(m.due_date)) for m in milestones if m.status == "todo" and m.due_date < today],
            "upcoming": [(m.title, long_date(m.due_date)) for m in milestones
                         if m.status == "todo" and is_due_within(m.due_date, today, DIGEST_DAYS)],
            "last_checkin": long_date(last) if last else None,
            "next_checkin": long_date(due),
            "checkin_overdue": due < today,
            "url": url["plan"](plan.id),
        })
    week = f"Week of {plain_date(week_start(today))}"
    item.update(week=week, days=DIGEST_DAYS, plans=rows, url=url["sponsor"],
                headline=f"Your weekly onboarding digest: {week[0].lower()}{week[1:]}")
    return item


def _checkin_actions(item: dict, nudge, batch: Batch, url) -> dict:
    logged = batch.logged[nudge.subject_id]
    item.update(
        sponsor=logged.sponsor_name,
        held_on=long_date(logged.held_on),
        held_short=short_date(logged.held_on),
        actions=logged.actions.strip(),
        next_checkin=long_date(logged.next_checkin_on) if logged.next_checkin_on else None,
        url=url["checkin"](nudge.plan_id, logged.id),
        headline=f"Actions for you from your check-in with {logged.sponsor_name}",
    )
    return item


def _pulse(item: dict, nudge, plan, url) -> dict:
    """A pulse falling due or unanswered (to the leader), or a low answer (to HR: no scores)."""
    week = pulses.week_label(nudge.period, plan.start_date, plan.end_date)
    low = nudge.kind == "pulse_low"
    item.update(
        week=week,
        url=url["pulse_answers"](plan.id) if low else url["pulse"](plan.id, nudge.period),
        headline={"pulse_due": f"Your week {week} pulse check", "pulse_reminder": "Pulse check reminder",
                  "pulse_low": f"Low pulse score: {plan.leader_name} (week {week})"}[nudge.kind],
    )
    return item


def _item(nudge, batch: Batch, today: date, url) -> dict:
    """What a template needs to say about one nudge."""
    item = {"kind": nudge.kind, "id": nudge.id}
    if nudge.kind == "digest":
        return _digest(item, nudge, batch, today, url)
    plan = batch.plans[nudge.plan_id]
    # A leader's own nudges speak to them; anyone else is told whose plan it is.
    item.update(leader=plan.leader_name, leader_id=plan.leader_id, you=nudge.recipient_id == plan.leader_id,
                plan_url=url["plan"](plan.id))
    if nudge.kind == "checkin_actions":
        return _checkin_actions(item, nudge, batch, url)
    if nudge.kind == "concern":  # no text: it is read on its page, by who may
        item.update(url=url["concern"](plan.id, nudge.subject_id),
                    headline=f"A concern was raised on {plan.leader_name}'s plan")
        return item
    if nudge.kind in PULSE_KINDS:
        return _pulse(item, nudge, plan, url)
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
    item.update(
        title=m.title,
        due=long_date(m.due_date),
        due_on=m.due_date,
        late=dates.working_days(max(0, between(cal, m.due_date, today))),  # how late, as the emails say it
        url=url["milestone"](plan.id, m.id),
        headline={
            "due_soon": f"Due soon: {m.title}",
            "overdue": f"Overdue: {m.title}",
            "escalation": f"{plan.leader_name}'s milestone is overdue: {m.title}",
        }[nudge.kind],
    )
    return item


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def subject(items: Sequence[dict], today: date) -> str:
    """What an email holds, in its subject: the most urgent kind in it (``items`` are in
    KINDS order) says, naming the milestone or person when there is one and counting when
    there are several. The one place subjects are made."""
    kind = items[0]["kind"]
    same = [i for i in items if i["kind"] == kind]
    one, n = same[0], len(same)
    if kind in ("overdue", "due_soon", "escalation") and n == 1:
        due = f"(due {short_date(one['due_on'])})"
        lead = {"overdue": "Overdue:", "due_soon": "Due soon:", "escalation": f"{one['leader']}'s milestone is overdue:"}
        return f"{lead[kind]} {one['title']} {due}"
    if kind == "overdue":
        return f"{n} milestones overdue"
    if kind == "due_soon":
        this_week = all(week_start(i["due_on"]) == week_start(today) for i in same)
        return f"{n} milestones due {'this week' if this_week else 'soon'}"
    if kind == "escalation":
        leaders = sorted({i["leader"] for i in same})
        if len(leaders) == 1:
            return f"{leaders[0]} has {n} milestones overdue"
        return f"{n} milestones overdue for {_names(leaders)}" if len(leaders) <= 3 else f"{n} milestones overdue for {len(leaders)} leaders"
    if kind == "checkin_due":
        leaders = [i["leader"] for i in same]
        return f"Check-in due with {leaders[0]}" if n == 1 else (
            f"Check-ins due with {_names(leaders)}" if n <= 3 else f"{n} check-ins due with your leaders")
    if kind == "concern":
        leaders = sorted({i["leader"] for i in same})
        return f"Concern raised on {leaders[0]}'s plan" if n == 1 else f"{n} concerns raised by leaders"
    if kind in PULSE_KINDS:
        if kind == "pulse_low" and n > 1:
            return f"Low pulse scores: {_names(sorted({i['leader'] for i in same}))}"
        return one["headline"] if n == 1 else f"{n} pulse checks to answer"
    if kind == "checkin_actions":
        if n == 1:
            return f"Actions from your check-in with {one['sponsor']} ({one['held_short']})"
        return f"Actions from {n} check-ins with your sponsor"
    return one["headline"]  # the digest: one a week


def card_text(nudge, today: date, *, batch: Batch, url: dict) -> tuple[str, str]:
    """A Teams card's heading and link for one nudge (hooks.teams): the subject its email would
    have alone, and the page the email links to; nothing of the email's body."""
    item = _item(nudge, batch, today, url)
    return " ".join(subject([item], today).split()), item["url"]


def render_email(recipient, nudges: Sequence, today: date, config: Mapping, *, batch: Batch,
                 url: dict | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML of the one email that carries these nudges."""
    url = url or links(config)
    items = sorted((_item(n, batch, today, url) for n in nudges), key=lambda i: (KINDS.index(i["kind"]), i["id"]))
    context = {
        "recipient": recipient,
        "items": items,
        "today": long_date(today),
        "settings_url": url["settings"],
        "service_name": config.get("SERVICE_NAME", "Leader onboarding"),
        "organisation": config.get("ORGANISATION_NAME") or "",
    }
    env = current_app.jinja_env
    # Rendered straight from the environment: no request, so no web context processors. Each
    # of the two gets its own glossary marker, as each is read on its own (first use is per email).
    terms = glossary.load()
    text = env.get_template("email/nudges.txt").render(context | {"terms": Marker(terms, url["glossary"])})
    html = env.get_template("email/nudges.html").render(context | {"terms": Marker(terms, url["glossary"])})
    return " ".join(subject(items, today).split()), text, html
