"""The leader's side of check-ins: what they bring to the next one (agenda and reflection, kept
on the plan until the sponsor logs the check-in, which takes them: checkins.log_checkin), and
what they do after it (acknowledge, respond), and the agreed actions marked done.

Who may do each is people/access.py's (can_prepare_checkin, can_respond_to_checkin,
can_mark_checkin_actions); these functions validate everything first, change nothing when the
input is wrong, audit without the texts, and leave the commit to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models import CheckIn, Plan, User, utcnow
from ..people import audit
from .checkins import MAX_TEXT, MESSAGES, CheckInError, action_lines

LABELS = {"leader_agenda": "Your agenda", "leader_reflection": "Your reflection",
          "leader_response": "Your comments"}
NOTHING_TO_SAVE = "Tick \u2018I have read this check-in\u2019 or write a comment"
UNKNOWN_ACTION = "Choose actions from this check-in's list: the list has changed since you opened the page"


@dataclass(frozen=True)
class Action:
    text: str
    done: bool


def action_items(checkin: CheckIn | None) -> list[Action]:
    """The check-in's actions with whether each is done, in the sponsor's order."""
    if checkin is None:
        return []
    done = set(checkin.actions_done or [])
    return [Action(line, line in done) for line in action_lines(checkin.actions)]


def _closed(plan: Plan) -> CheckInError:
    return CheckInError({"plan": MESSAGES["closed"].format(status=plan.status)})


def _too_long(values: dict[str, str]) -> dict[str, str]:
    return {name: MESSAGES["too_long"].format(label=LABELS[name], max=MAX_TEXT)
            for name, value in values.items() if len(value) > MAX_TEXT}


def prepare(plan: Plan, leader: User, agenda: str | None, reflection: str | None, remote_addr=None) -> list[str]:
    """Keep the leader's agenda and reflection for the next check-in (empty clears them).
    Returns the names of what changed. Raises CheckInError; the caller commits."""
    if not plan.is_open:
        raise _closed(plan)
    values = {"leader_agenda": (agenda or "").strip(), "leader_reflection": (reflection or "").strip()}
    if errors := _too_long(values):
        raise CheckInError(errors)
    changed = [name for name, value in values.items() if (getattr(plan, name) or "") != value]
    for name in changed:
        setattr(plan, name, values[name] or None)
    if changed:
        audit.record(leader, "plan.checkin_prepare", plan, remote_addr, changed=changed)
    return changed


def respond(checkin: CheckIn, leader: User, response: str | None, acknowledge: bool, remote_addr=None) -> list[str]:
    """The leader's comments on the check-in and its actions, and "I have read this" (once:
    the first time is kept). Returns what changed. Raises CheckInError; the caller commits."""
    if not checkin.plan.is_open:
        raise _closed(checkin.plan)
    text = (response or "").strip()
    if errors := _too_long({"leader_response": text}):
        raise CheckInError(errors)
    changed = []
    if (checkin.leader_response or "") != text:
        checkin.leader_response = text or None
        changed.append("leader_response")
    if acknowledge and checkin.acknowledged_at is None:
        checkin.acknowledged_at = utcnow()
        changed.append("acknowledged_at")
    if not changed and checkin.acknowledged_at is None:
        raise CheckInError({"acknowledge": NOTHING_TO_SAVE})
    if changed:
        audit.record(leader, "checkin.respond", checkin, remote_addr, plan=checkin.plan_id, changed=changed)
    return changed


def mark_actions(checkin: CheckIn, user: User, done: list[str], remote_addr=None) -> bool:
    """Make ``done`` (action lines) the check-in's done actions, the rest not done. Returns
    whether anything changed. Raises CheckInError; the caller commits."""
    if not checkin.plan.is_open:
        raise _closed(checkin.plan)
    lines = action_lines(checkin.actions)
    wanted = {line.strip() for line in done}
    if wanted - set(lines):
        raise CheckInError({"done": UNKNOWN_ACTION})
    new = [line for line in dict.fromkeys(lines) if line in wanted]
    if new == list(checkin.actions_done or []):
        return False
    checkin.actions_done = new
    audit.record(user, "checkin.actions_done", checkin, remote_addr, plan=checkin.plan_id,
                 done=len(new), actions=len(dict.fromkeys(lines)))
    return True
