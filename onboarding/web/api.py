"""JSON API v1: bearer tokens only, the same access rules as the pages.

A cookie session never authenticates here: the user comes from the token on each
request and flask_login is not consulted, so CSRF cannot reach the API and the
blueprint is exempt from CSRF checks.
"""
from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import login_required
from werkzeug.exceptions import HTTPException

from .. import plans, playbooks
from ..extensions import csrf, db
from ..models import PLAN_STATUSES, Milestone, Plan
from ..people import access, tokens
from ..plans import checkins, plan_start, records
from ..playbooks import editor
from . import api_input, api_schema, remote_addr
from .downloads import attachment
from .main import message_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# The description of the API is public (it holds no data); the docs page is a normal signed-in page.
NO_TOKEN_NEEDED = {"api.openapi", "api.docs"}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100


def error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> Response:
    body = {"message": message}
    if field is not None:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _unauthorised(message: str, token_given: bool) -> Response:
    challenge = 'Bearer realm="onboarding api"' + (', error="invalid_token"' if token_given else "")
    return error(401, message, headers={"WWW-Authenticate": challenge})


@bp.before_request
def authenticate():
    if request.endpoint in NO_TOKEN_NEEDED:
        return None
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        return _unauthorised("Send an API token in the header Authorization: Bearer <token>", False)
    user = tokens.authenticate(raw)
    if user is None:
        db.session.rollback()
        return _unauthorised("The API token is wrong or has been revoked", True)
    if db.session.dirty:
        db.session.commit()  # the token's last-used time
    g.api_user = user
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.response is not None:  # abort(error(...)) already built the answer
        return exc.response
    if request.endpoint == "api.docs":
        return exc
    return error(exc.code or 500, message_for(exc))


@bp.route("/<path:_anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_anything):
    return error(404, "Not found")


def _user():
    return g.api_user


def _hr_user():
    """The token's user if they hold HR rights; otherwise 404, as on the pages: HR areas do
    not exist for anyone else."""
    if not access.is_hr(_user()):
        abort(error(404, "Not found"))
    return _user()


def _json_body(required: bool = True):
    """The decoded JSON body; aborts 400/415 when it is missing or malformed."""
    if not request.get_data(cache=True):
        if required:
            abort(error(400, "Send a JSON object as the request body"))
        return None
    if not request.is_json:
        abort(error(415, "Send the body as JSON with Content-Type: application/json"))
    try:
        data = api_input.decode(request.get_data(cache=True))
    except api_input.BodyError as exc:
        abort(error(400, str(exc)))
    if data is None:
        abort(error(400, "Send a JSON object as the request body"))
    return data


def _plan_or_404(plan_id: int) -> Plan:
    plan = access.plan_for(_user(), plan_id)
    if plan is None:
        abort(error(404, "Not found"))
    return plan


def _only_args(*names: str) -> None:
    """Refuse query parameters the operation does not take, as unknown JSON fields are refused."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        abort(error(422, f"unknown query parameter {unknown[0][:80]!r}", unknown[0][:80]))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        abort(error(422, f"{name} must be a whole number from {low} to {high}", name))
    return int(value)


# --- serialisation ----------------------------------------------------------------------------


def milestone_json(m: Milestone) -> dict:
    return {
        "plan_id": m.plan_id,
        **plans.milestone_json(m),
        "completed_at": m.completed_at.isoformat() + "Z" if m.completed_at else None,
        "completed_by": m.completed_by.email if m.completed_by else None,
        "evidence_note": m.evidence_note,
        "evidence_link": m.evidence_link,
    }


def checkin_json(c, with_private: bool) -> dict:
    data = {
        "id": c.id,
        "plan_id": c.plan_id,
        "sponsor": c.sponsor.email,
        "held_on": c.held_on.isoformat(),
        "rag": c.rag,
        "summary": c.summary,
        "actions": c.actions,
        "next_checkin_on": c.next_checkin_on.isoformat() if c.next_checkin_on else None,
    }
    if with_private:
        data["private_note"] = c.private_note
    return data


def playbook_summary(playbook) -> dict:
    v = playbook.latest
    return {"slug": playbook.slug, "title": v.title, "description": v.description, "weeks": v.weeks, "version": v.number}


# --- description ------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return jsonify(api_schema.document(current_app.config["SERVICE_NAME"]))


@bp.get("/docs")
@login_required
def docs():
    return render_template("api/docs.html", title="API reference", operations=api_schema.operations(),
                           openapi_url=url_for("api.openapi"))


# --- plans ------------------------------------------------------------------------------------


@bp.get("/plans")
def list_plans():
    _only_args("page", "per_page", "status")
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    status = request.args.get("status")
    if status is not None and status not in PLAN_STATUSES:
        return error(422, f"status must be one of {', '.join(PLAN_STATUSES)}", "status")
    rows, total = records.plan_page(_user(), page, per_page, status)
    return jsonify(
        items=[plans.as_json(p) for p in rows],
        page=page,
        per_page=per_page,
        total=total,
        pages=math.ceil(total / per_page),
    )


@bp.post("/plans")
def create_plan():
    user = _hr_user()
    data = _json_body()
    try:
        checked = plan_start.check(**api_input.plan_arguments(data))
        plan = plan_start.start(checked, actor=user, remote_addr=remote_addr())
    except (api_input.InputError, plan_start.StartError) as exc:
        db.session.rollback()
        return error(422, str(exc), exc.field)
    db.session.commit()
    response = jsonify(plans.as_json(plan))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_plan", plan_id=plan.id)
    return response


@bp.get("/plans/<int:plan_id>")
def get_plan(plan_id: int):
    return jsonify(plans.as_json(_plan_or_404(plan_id)))


# --- milestones -------------------------------------------------------------------------------


def _milestone_to_change(plan_id: int, key: str) -> Milestone:
    plan = _plan_or_404(plan_id)
    milestone = next((m for m in plan.milestones if m.key == key), None)
    if milestone is None or not access.can_change_milestone(_user(), milestone):
        abort(error(404, "Not found"))
    if access.plan_is_closed(plan):
        abort(error(409, f"This plan is {plan.status}, so its milestones can no longer change"))
    return milestone


@bp.post("/plans/<int:plan_id>/milestones/<key>/complete")
def complete_milestone(plan_id: int, key: str):
    milestone = _milestone_to_change(plan_id, key)
    data = _json_body(required=False)
    try:
        note, link = api_input.evidence(data)
    except api_input.InputError as exc:
        return error(422, str(exc), exc.field)
    if not plans.complete_milestone(milestone, _user(), note, link, remote_addr()):
        return error(409, f"This milestone is already {milestone.status}; reopen it first to change its evidence")
    db.session.commit()
    return jsonify(milestone_json(milestone))


@bp.post("/plans/<int:plan_id>/milestones/<key>/reopen")
def reopen_milestone(plan_id: int, key: str):
    milestone = _milestone_to_change(plan_id, key)
    if not plans.reopen_milestone(milestone, _user(), remote_addr()):
        return error(409, "This milestone is already open")
    db.session.commit()
    return jsonify(milestone_json(milestone))


# --- check-ins --------------------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/checkins")
def list_checkins(plan_id: int):
    plan = _plan_or_404(plan_id)
    private = access.can_read_private_notes(_user(), plan)
    return jsonify(items=[checkin_json(c, private) for c in checkins.history(plan)])


@bp.post("/plans/<int:plan_id>/checkins")
def create_checkin(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_log_checkin(_user(), plan):
        return error(404, "Not found")
    key = request.headers.get("Idempotency-Key")
    if message := checkins.key_error(key, "The Idempotency-Key header"):
        return error(422, message, "Idempotency-Key")
    data = _json_body()
    try:
        fields = api_input.checkin_fields(data)
    except api_input.InputError as exc:
        return error(422, str(exc), exc.field)
    try:
        # A retry with the same Idempotency-Key gets the check-in the first call made.
        checkin, created = checkins.log_once(plan, _user(), checkins.CheckInInput(**fields), key,
                                             remote_addr=remote_addr())
    except checkins.CheckInError as exc:
        db.session.rollback()
        field, message = next(iter(exc.errors.items()))
        return error(409, message) if field == "plan" else error(422, message, field)
    response = jsonify(checkin_json(checkin, access.can_read_private_notes(_user(), plan)))
    response.status_code = 201 if created else 200
    return response


# --- playbooks (HR) ---------------------------------------------------------------------------


def _playbook_or_404(slug: str):
    _hr_user()
    playbook = playbooks.get_playbook(slug) if len(slug) <= 80 else None
    if playbook is None or playbook.latest is None:
        abort(error(404, "Not found"))
    return playbook


@bp.get("/playbooks")
def list_playbooks():
    _hr_user()
    return jsonify(items=[playbook_summary(p) for p in editor.published()])


@bp.get("/playbooks/<slug>")
def get_playbook(slug: str):
    playbook = _playbook_or_404(slug)
    content = playbooks.content_of(playbook.latest)
    return jsonify(playbook_summary(playbook) | {"phases": content.phases, "milestones": content.milestones,
                                                  "nudges": content.nudges})


@bp.get("/playbooks/<slug>/export")
def export_playbook(slug: str):
    playbook = _playbook_or_404(slug)
    yaml_text = playbooks.to_yaml(playbooks.content_of(playbook.latest))
    return attachment(yaml_text, "text/yaml", f"{playbook.slug}.yaml")
