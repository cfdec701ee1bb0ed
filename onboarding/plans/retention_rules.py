"""What the retention run (plans.retention) does to each column, decided once per table.

A closed plan past RETENTION_YEARS keeps what the reports count (dates, statuses, RAG ratings,
scores, the milestones' playbook text and keys) and loses what names or describes a person:
names, free text, evidence, identifiers, addresses. People are re-pointed at one placeholder
user, so every page and report still works on an anonymised plan. Tables are named, not
imported: a table another feature has not added yet is skipped, and tests/test_retention.py
fails on any plan or person column without a decision here."""
from __future__ import annotations

from dataclasses import dataclass

# --- rules for a column of a row tied to an anonymised plan ----------------------------------
KEEP = "keep"  # not personal: dates, statuses, counts, scores, keys, playbook text
NULL = "null"  # removed (the column allows NULL)
BLANK = "blank"  # removed, "" (the column does not allow NULL)
EMPTY = "empty"  # removed, [] (a JSON list)
PERSON = "person"  # a person: re-pointed at the placeholder user (NULL stays NULL)
REMOVED_TEXT = "removed text"  # removed, with a short note saying so where a page shows it
ADDED_TEXT = "added text"  # playbook text kept; text typed for this plan (an added milestone) removed
NUMBERED = "numbered"  # a name: "Stakeholder 3", "Goal 2" (kept distinct, so pages still list them)
SCRUB = "scrub"  # the audit event's detail: ids, keys and numbers kept, names and free text dropped
DELETE = "delete"  # the row itself goes (it only says who; nothing counted depends on it)

REMOVED = "Removed after the retention period"


@dataclass(frozen=True)
class Table:
    tie: str  # how its rows belong to a plan (plans.retention._rows knows each)
    columns: dict[str, str]
    label: str = ""  # for NUMBERED: "Stakeholder 1", "Clinician 2"


K = KEEP
PLAN_TABLES: dict[str, Table] = {
    "plan": Table("id", {
        "id": K, "leader_id": PERSON, "sponsor_id": PERSON, "mentor_id": NULL, "hr_contact_id": NULL,
        "playbook_version_id": K, "start_date": K, "months": K, "end_date": K, "working_days": K,
        "on_site_days": K, "status": K, "checkin_cadence_days": K, "paused_on": K, "next_open_due": K, "pause_reason": NULL,
        "leader_agenda": NULL, "leader_reflection": NULL, "expected_return_on": K, "created_at": K,
        "closed_at": K, "anonymised_at": K, "esr_number": NULL, "external_id": NULL}),
    "milestone": Table("plan_id", {
        "id": K, "plan_id": K, "position": K, "key": K, "title": ADDED_TEXT, "description": ADDED_TEXT,
        "phase": K, "phase_title": K, "category": K, "owner": K, "week": K, "pinned": K, "required": K,
        "evidence_prompt": K, "due_date": K, "status": K, "completed_at": K, "completed_by_id": PERSON,
        "evidence_note": NULL, "evidence_link": NULL, "not_before_week": K, "not_after_week": K,
        "on_site": K, "delegable": K, "added": K, "due_tailored": K, "owner_tailored": K,
        "not_applicable_reason": REMOVED_TEXT}),
    "stakeholder": Table("plan_id", {
        "id": K, "plan_id": K, "name": NUMBERED, "role": BLANK, "organisation": BLANK, "power": K,
        "interest": K, "stance": K, "last_met": K, "notes": BLANK, "notes_private": K,
        "directory_entry_id": NULL, "created_at": K}, label="Stakeholder"),
    "clinician_interview": Table("plan_id", {
        "id": K, "plan_id": K, "name": NUMBERED, "role": BLANK, "specialty": BLANK, "interviewed_on": K,
        "priorities": EMPTY, "themes": EMPTY, "follow_up": BLANK, "created_at": K}, label="Clinician"),
    "goal": Table("plan_id", {
        "id": K, "plan_id": K, "title": NUMBERED, "objective": BLANK, "measure": BLANK, "target_date": K,
        "status": K, "created_at": K}, label="Goal"),
    "checkin": Table("plan_id", {
        "id": K, "plan_id": K, "sponsor_id": PERSON, "held_on": K, "rag": K, "summary": BLANK,
        "private_note": BLANK, "actions": BLANK, "next_checkin_on": K, "leader_agenda": NULL,
        "leader_reflection": NULL, "leader_response": NULL, "acknowledged_at": K, "actions_done": EMPTY,
        "request_key": NULL, "created_at": K, "updated_at": K}),
    "pulse": Table("plan_id", {
        "id": K, "plan_id": K, "key": K, "due_on": K, "answered_at": K, "expectations": K,
        "sponsor_support": K, "reach": K, "belonging": K, "confidence": K, "comment": NULL,
        "shared_with_sponsor": K, "created_at": K}),
    "concern": Table("plan_id", {
        "id": K, "plan_id": K, "raised_by_id": PERSON, "text": BLANK, "share_with_mentor": K,
        "created_at": K, "followed_up_at": K, "followed_up_by_id": NULL, "follow_up_note": NULL}),
    # Who supported the plan: nothing counted depends on it, and the rows only name people.
    "plan_supporter": Table("plan_id", {
        "id": DELETE, "plan_id": DELETE, "user_id": DELETE, "role": DELETE, "created_at": DELETE,
        "created_by_id": DELETE}),
    # The outbox: kept for the equity report's escalation counts, its recipient the placeholder
    # (a duplicate that would clash with the unique key is deleted instead).
    "nudge": Table("plan_id", {
        "id": K, "recipient_id": PERSON, "kind": K, "subject_type": K, "subject_id": K, "period": K,
        "plan_id": K, "milestone_id": K, "recorded_on": K, "status": K, "attempts": K, "last_error": NULL,
        "next_attempt_at": K, "created_at": K, "sent_at": K}),
    # The audit trail of the plan and everything on it: the events stay (the equity report counts
    # pauses and extensions), the plan's own people become the placeholder, HR actors stay.
    "audit_event": Table("plan events", {
        "id": K, "actor_id": PERSON, "action": K, "object_type": K, "object_id": K, "detail": SCRUB,
        "at": K, "remote_addr": NULL, "plan_id": K}),
    # Teams and webhooks (issue 15): the bodies sent carried names; the channel is the plan's own.
    "teams_channel": Table("plan_id", {"plan_id": DELETE, "url": DELETE, "updated_at": DELETE}),
    "webhook_event": Table("plan_id", {
        "id": K, "type": K, "message_id": K, "plan_id": K, "once_key": K, "body": BLANK, "created_at": K}),
    "hook_post": Table("plan posts", {
        "id": K, "channel": K, "url": K, "body": BLANK, "nudge_id": K, "endpoint_id": K, "event_id": K,
        "status": K, "attempts": K, "next_attempt_at": K, "last_status_code": K, "last_error": NULL,
        "created_at": K, "sent_at": K}),
}

# Audit detail entries kept on an anonymised plan's events: ids, keys, field names, ratings.
SAFE_DETAIL_KEYS = frozenset((
    "plan", "plan_id", "key", "playbook", "version", "version_from", "version_to", "rag", "held_on", "role",
    "kind", "changed", "added", "removed", "retitled", "redated", "shared", "via", "count", "months_from",
    "months_to", "working_days_paused", "expected_return_on", "status", "locked", "hr"))

# --- what deleting a person does to each column that points at them ---------------------------
BLOCKS = "blocks"  # a plan still kept in full names them: they are not deleted yet
OWN = "own"  # their own row (sessions, tokens, settings): deleted with them
REPOINT = "repoint"  # who did something: the placeholder ("a person since deleted", not the system)

USER_REFERENCES: dict[tuple[str, str], str] = {
    ("plan", "leader_id"): BLOCKS, ("plan", "sponsor_id"): BLOCKS, ("plan", "mentor_id"): BLOCKS,
    ("plan", "hr_contact_id"): BLOCKS, ("plan_supporter", "user_id"): BLOCKS,
    ("checkin", "sponsor_id"): BLOCKS, ("concern", "raised_by_id"): BLOCKS,
    ("concern", "followed_up_by_id"): BLOCKS, ("milestone", "completed_by_id"): BLOCKS,
    ("user_session", "user_id"): OWN, ("api_token", "user_id"): OWN, ("nudge", "recipient_id"): OWN,
    ("equality_answers", "user_id"): OWN, ("two_factor", "user_id"): OWN, ("recovery_code", "user_id"): OWN,
    ("audit_event", "actor_id"): REPOINT, ("playbook_version", "created_by_id"): REPOINT,
    ("playbook_draft", "created_by_id"): REPOINT, ("plan_supporter", "created_by_id"): REPOINT,
    ("api_token", "created_by_id"): REPOINT, ("webhook_endpoint", "created_by_id"): REPOINT,
    ("two_factor_policy", "changed_by_id"): REPOINT, ("reference_document", "uploaded_by_id"): REPOINT,
}
