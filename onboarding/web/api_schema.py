"""The OpenAPI 3.1 description of API v1, and the operations listed on the docs page.

Written by hand next to the views; tests/test_api_schema.py runs schemathesis
against the app with it, so a drift between the two fails the suite.
"""
from __future__ import annotations

from copy import deepcopy

from ..models import CATEGORIES, MILESTONE_STATUSES, OWNER_ROLES, PLAN_STATUSES, RAG_VALUES

DAYS = ["mon", "tue", "wed", "thu", "fri"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _err(description: str) -> dict:
    return _json(_ref("Error"), description)


NULLABLE_TEXT = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
# A date the API reads: YYYY-MM-DD only, in the years planning.date_problem allows.
INPUT_DATE = {**DATE, "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

# A milestone as a plan shows it (plans.milestone_json); the milestone endpoints add the rest.
PLAN_MILESTONE = {
    "key": {"type": "string"},
    "title": {"type": "string"},
    "phase": {"type": "string"},
    "category": {"type": "string", "enum": list(CATEGORIES)},
    "owner": {"type": "string", "enum": list(OWNER_ROLES)},
    "due": DATE,
    "status": {"type": "string", "enum": list(MILESTONE_STATUSES)},
}

# What a playbook list shows; a whole playbook adds its phases, milestones and nudges.
PLAYBOOK_SUMMARY = {
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "weeks": {"type": "integer"},
    "version": {"type": "integer", "description": "The latest version's number."},
}

SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "description": "What went wrong, in words a person can act on."},
            "field": {"type": "string", "description": "For validation errors: the input field at fault."},
        },
        "additionalProperties": False,
    },
    "PlanMilestone": {
        "type": "object",
        "required": list(PLAN_MILESTONE),
        "properties": PLAN_MILESTONE,
        "additionalProperties": False,
    },
    "Plan": {
        "type": "object",
        "description": "The same object `onboarding plans show ID --json` prints.",
        "required": ["id", "leader", "sponsor", "mentor", "playbook", "playbook_version", "start", "end",
                     "months", "working_days", "status", "milestones"],
        "properties": {
            "id": {"type": "integer"},
            "leader": {"type": "string", "description": "The leader's email."},
            "sponsor": {"type": "string", "description": "The executive sponsor's email."},
            "mentor": {**NULLABLE_TEXT, "description": "The mentor's email, if there is one."},
            "playbook": {"type": "string", "description": "The playbook's slug."},
            "playbook_version": {"type": "integer"},
            "start": DATE,
            "end": DATE,
            "months": {"type": "integer", "minimum": 3, "maximum": 6},
            "working_days": {"type": "array", "items": {"type": "string", "enum": DAYS}},
            "status": {"type": "string", "enum": list(PLAN_STATUSES)},
            "milestones": {"type": "array", "items": _ref("PlanMilestone")},
        },
        "additionalProperties": False,
    },
    "PlanPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _ref("Plan")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "NewPlan": {
        "type": "object",
        "description": "The fields of `onboarding plans create`.",
        "required": ["leader", "sponsor", "playbook", "start", "months"],
        "properties": {
            "leader": {"type": "string", "format": "email", "description": "An existing user's email."},
            "sponsor": {"type": "string", "format": "email"},
            "mentor": {"type": ["string", "null"], "format": "email"},
            "playbook": {"type": "string", "description": "A playbook slug; the latest version is used."},
            "start": {**INPUT_DATE, "description": "Start date, YYYY-MM-DD, from 2000-01-01 to 2099-12-31."},
            "months": {"type": "integer", "minimum": 3, "maximum": 6},
            "working_days": {
                "description": "The leader's working days: a list, or a comma-separated string. Default Monday to Friday.",
                "oneOf": [
                    {"type": "array", "items": {"type": "string", "enum": DAYS}, "minItems": 1},
                    {"type": "string", "pattern": "^(mon|tue|wed|thu|fri)(,(mon|tue|wed|thu|fri))*$"},
                ],
            },
        },
        "additionalProperties": False,
    },
    "Milestone": {
        "type": "object",
        "required": ["plan_id", *PLAN_MILESTONE, "completed_at", "completed_by", "evidence_note", "evidence_link"],
        "properties": {
            "plan_id": {"type": "integer"},
            **PLAN_MILESTONE,
            "completed_at": {"type": ["string", "null"], "format": "date-time"},
            "completed_by": NULLABLE_TEXT,
            "evidence_note": NULLABLE_TEXT,
            "evidence_link": NULLABLE_TEXT,
        },
        "additionalProperties": False,
    },
    "Evidence": {
        "type": "object",
        "properties": {
            "evidence_note": {"type": "string", "maxLength": 5000},
            "evidence_link": {"type": "string", "format": "uri", "maxLength": 500,
                              "description": "An http:// or https:// address."},
        },
        "additionalProperties": False,
    },
    "CheckIn": {
        "type": "object",
        "required": ["id", "plan_id", "sponsor", "held_on", "rag", "summary", "actions", "next_checkin_on"],
        "properties": {
            "id": {"type": "integer"},
            "plan_id": {"type": "integer"},
            "sponsor": {"type": "string"},
            "held_on": DATE,
            "rag": {"type": "string", "enum": list(RAG_VALUES)},
            "summary": {"type": "string", "description": "Shared with the leader."},
            "private_note": {"type": "string", "description": "Only for the sponsor and HR; absent for others."},
            "actions": {"type": "string"},
            "next_checkin_on": {"type": ["string", "null"], "format": "date"},
        },
        "additionalProperties": False,
    },
    "CheckInList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("CheckIn")}},
        "additionalProperties": False,
    },
    "NewCheckIn": {
        "type": "object",
        "required": ["held_on", "rag", "summary"],
        "properties": {
            "held_on": {**INPUT_DATE, "description": "Today or earlier, and 2000-01-01 or later."},
            "rag": {"type": "string", "enum": list(RAG_VALUES)},
            "summary": {"type": "string", "minLength": 1, "maxLength": 5000},
            "private_note": {"type": "string", "maxLength": 5000},
            "actions": {"type": "string", "maxLength": 5000},
            "next_checkin_on": {**INPUT_DATE, "description": "After held_on, and 2099-12-31 or earlier."},
        },
        "additionalProperties": False,
    },
    "PlaybookSummary": {
        "type": "object",
        "required": list(PLAYBOOK_SUMMARY),
        "properties": PLAYBOOK_SUMMARY,
        "additionalProperties": False,
    },
    "PlaybookList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("PlaybookSummary")}},
        "additionalProperties": False,
    },
    "Playbook": {
        "type": "object",
        "required": [*PLAYBOOK_SUMMARY, "phases", "milestones", "nudges"],
        "properties": {
            **PLAYBOOK_SUMMARY,
            "phases": {"type": "array", "items": {"type": "object", "required": ["key", "title"]}},
            "milestones": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "title", "phase", "category", "owner", "week", "pinned", "required"],
                    "properties": {
                        "key": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "phase": {"type": "string"},
                        "category": {"type": "string", "enum": list(CATEGORIES)},
                        "owner": {"type": "string", "enum": list(OWNER_ROLES)},
                        "week": {"type": "integer"},
                        "pinned": {"type": "boolean"},
                        "required": {"type": "boolean"},
                        "evidence_prompt": {"type": "string"},
                    },
                },
            },
            "nudges": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        "additionalProperties": False,
    },
}

UNAUTHORISED = {
    "description": "No token, or a wrong or revoked one.",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}},
    "content": {"application/json": {"schema": _ref("Error")}},
}
NOT_FOUND = _err("No such object, or the token's user may not see or do this (as on the pages).")
BAD_BODY = _err("The body is missing, not valid JSON, or nested too deeply.")
NOT_JSON = _err("The body is not sent as application/json.")
INVALID = _err("A field is wrong, or is not one the body may have; `field` names it.")
TOO_LARGE = _err("The body is larger than 1 MB.")
PLAN_ID = {"name": "plan_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
MILESTONE_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"},
                 "description": "The milestone's key, stable within the playbook."}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                   "description": "Any unique value, such as a UUID: a retry with the same key returns the "
                                  "check-in the first call made instead of logging another."}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"}}


def _op(op_id: str, summary: str, who: str, responses: dict, **extra) -> dict:
    responses = {**responses, "401": UNAUTHORISED}
    if "requestBody" in extra:
        responses["413"] = TOO_LARGE
    return {"operationId": op_id, "summary": summary, "description": f"Who may: {who}.", "x-who": who,
            "responses": responses, **extra}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


PATHS: dict = {
    "/api/v1/plans": {
        "get": _op(
            "listPlans", "List the plans the token's user may see", "anyone; each sees the plans they may read",
            {"200": _json(_ref("PlanPage"), "One page of plans, ordered by id."), "422": INVALID},
            parameters=[
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(PLAN_STATUSES)}},
            ],
        ),
        "post": _op(
            "createPlan", "Start a plan for a leader", "HR",
            {
                "201": {**_json(_ref("Plan"), "The new plan."),
                        "headers": {"Location": {"schema": {"type": "string"}, "description": "The plan's URL."}}},
                "400": BAD_BODY, "404": NOT_FOUND, "415": NOT_JSON, "422": INVALID,
            },
            requestBody=_body(_ref("NewPlan")),
        ),
    },
    "/api/v1/plans/{plan_id}": {
        "get": _op("getPlan", "A plan with its milestones", "the plan's leader, sponsor and mentor, and HR",
                   {"200": _json(_ref("Plan"), "The plan."), "404": NOT_FOUND}, parameters=[PLAN_ID]),
    },
    "/api/v1/plans/{plan_id}/milestones/{key}/complete": {
        "post": _op(
            "completeMilestone", "Mark a milestone done, with evidence",
            "the milestone's owner role on the plan (leader, sponsor or mentor), or HR for any",
            {"200": _json(_ref("Milestone"), "The milestone, now done."), "400": BAD_BODY, "404": NOT_FOUND,
             "409": _err("Already done, or the plan is closed."), "415": NOT_JSON, "422": INVALID},
            parameters=[PLAN_ID, MILESTONE_KEY], requestBody=_body(_ref("Evidence"), required=False),
        ),
    },
    "/api/v1/plans/{plan_id}/milestones/{key}/reopen": {
        "post": _op(
            "reopenMilestone", "Reopen a done milestone",
            "the milestone's owner role on the plan (leader, sponsor or mentor), or HR for any",
            {"200": _json(_ref("Milestone"), "The milestone, open again."), "404": NOT_FOUND,
             "409": _err("Already open, or the plan is closed.")},
            parameters=[PLAN_ID, MILESTONE_KEY],
        ),
    },
    "/api/v1/plans/{plan_id}/checkins": {
        "get": _op("listCheckins", "A plan's check-ins, newest first",
                   "the plan's leader, sponsor and mentor, and HR; private notes only for the sponsor and HR, "
                   "never for the plan's own leader",
                   {"200": _json(_ref("CheckInList"), "The check-ins."), "404": NOT_FOUND}, parameters=[PLAN_ID]),
        "post": _op(
            "createCheckin", "Log a check-in", "the plan's sponsor",
            {"201": _json(_ref("CheckIn"), "The new check-in."),
             "200": _json(_ref("CheckIn"), "The check-in an earlier call with the same Idempotency-Key made."),
             "400": BAD_BODY, "404": NOT_FOUND,
             "409": _err("The plan is completed or withdrawn."), "415": NOT_JSON, "422": INVALID},
            parameters=[PLAN_ID, IDEMPOTENCY_KEY], requestBody=_body(_ref("NewCheckIn")),
        ),
    },
    "/api/v1/playbooks": {
        "get": _op("listPlaybooks", "The playbooks, at their latest versions", "HR",
                   {"200": _json(_ref("PlaybookList"), "The playbooks."), "404": NOT_FOUND}),
    },
    "/api/v1/playbooks/{slug}": {
        "get": _op("getPlaybook", "A playbook's latest version with its milestones", "HR",
                   {"200": _json(_ref("Playbook"), "The playbook."), "404": NOT_FOUND}, parameters=[SLUG]),
    },
    "/api/v1/playbooks/{slug}/export": {
        "get": _op("exportPlaybook", "A playbook's latest version as YAML (the format `playbooks load` reads)", "HR",
                   {"200": {"description": "The playbook as YAML.", "content": {"text/yaml": {"schema": {
                       "type": "object", "required": ["slug", "title", "weeks", "phases", "milestones"]}}}},
                    "404": NOT_FOUND}, parameters=[SLUG]),
    },
    "/api/v1/openapi.json": {
        "get": {"operationId": "openapi", "summary": "This description of the API", "description": "Who may: anyone.",
                "x-who": "anyone, no token needed", "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}},
    },
}


def document(service_name: str = "Leader onboarding") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{service_name} API",
            "version": "1",
            "description": (
                "Plans, milestones, check-ins and playbooks for HR systems. Every request carries an API token "
                "(`Authorization: Bearer <token>`) issued by HR; the token acts as its user, under exactly the "
                "access rules of the pages: what the user may not see or do answers 404. Errors are JSON "
                "with a `message` and, for validation errors (422), the `field`."
            ),
        },
        "paths": deepcopy(PATHS),
        "components": {
            "schemas": deepcopy(SCHEMAS),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token from HR (`onboarding tokens create`)."}},
        },
        "security": [{"bearerAuth": []}],
    }


def operations() -> list[dict]:
    """(method, path, summary, who) for the docs page, in the document's order."""
    return [
        {"method": method.upper(), "path": path, "summary": op["summary"], "who": op["x-who"],
         "statuses": sorted(op["responses"])}
        for path, item in PATHS.items()
        for method, op in item.items()
    ]
