"""JSON API v1: bearer tokens only, the same access rules as the pages.

A cookie session never authenticates here: the user comes from the token on each
request and flask_login is not consulted, so CSRF cannot reach the API and the
blueprint is exempt from CSRF checks.
"""
from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import login_required
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from .. import plans, playbooks
from ..extensions import csrf, db
from ..models import Milestone, Plan
from ..people import access, identifiers, tokens
from ..plans import checkins, plan_start, records
from ..playbooks import editor
from . import api_input, api_schema, remote_addr
from . import api_models as shapes
from .api_schema import IDEMPOTENCY_KEY, LOCATION, operation
from .downloads import attachment, audited
from .main import message_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# The description of the API is public (it holds no data); the docs page is a normal signed-in page.
NO_TOKEN_NEEDED = {"api.openapi", "api.docs"}
READERS = "the plan's leader, sponsor, mentor and supporters (buddy, executive assistant, peer mentors), and HR"
OWNER = ("the milestone's owner role on the plan (leader, sponsor, mentor or buddy; the executive assistant for "
         "the leader's delegable ones), or HR for any")


def reply(answer: BaseModel, status: int = 200, headers: dict | None = None) -> Response:
    """The answer as JSON; fields the model leaves out (a private note) stay out."""
    response = jsonify(answer.model_dump(mode="json", exclude_unset=True))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> Response:
    body = shapes.Error(message=message) if field is None else shapes.Error(message=message, field=field)
    return reply(body, status, headers)


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
    user = tokens.authenticate(raw, remote_addr())
    if user is None:
        db.session.rollback()
        return _unauthorised("The API token is wrong or has been revoked", True)
    if db.session.dirty or db.session.new:
        db.session.commit()  # the token's last-used time, and the day's first use in the audit trail
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


def _body(model: type[BaseModel], required: bool = True):
    """The JSON body validated by ``model``: aborts 400/415 when it is missing or malformed and
    422 naming the field when it does not fit. None for a missing optional body."""
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
    return _parsed(model, data)


def _parsed(model, data, where: str = "field"):
    try:
        return api_input.parse(model, data, where)
    except api_input.InputError as exc:
        abort(error(422, str(exc), exc.field))


def _plan_or_404(plan_id: int) -> Plan:
    plan = access.plan_for(_user(), plan_id)
    if plan is None:
        abort(error(404, "Not found"))
    return plan


# --- description ------------------------------------------------------------------------------


@bp.get("/openapi.json")
@operation("openapi", "This description of the API", "anyone, no token needed", public=True,
           ok={200: (("application/json", {"type": "object"}), "The OpenAPI document.")})
def openapi():
    return jsonify(api_schema.document(current_app, current_app.config["SERVICE_NAME"]))


@bp.get("/docs")
@login_required
def docs():
    document = api_schema.document(current_app, current_app.config["SERVICE_NAME"])
    return render_template("api/docs.html", title="API reference", operations=api_schema.operations(document),
                           openapi_url=url_for("api.openapi"))


# --- plans ------------------------------------------------------------------------------------


@bp.get("/plans")
@operation("listPlans", "List the plans the token's user may see", "anyone; each sees the plans they may read",
           ok={200: (shapes.PlanPage, "One page of plans, ordered by id.")}, query=shapes.PlanQuery)
def list_plans():
    query = _parsed(shapes.PlanQuery, request.args.to_dict(), "query parameter")
    rows, total = records.plan_page(_user(), query.page, query.per_page, query.status,
                                    (query.esr or "").strip() or None, (query.external_id or "").strip() or None)
    return reply(shapes.PlanPage(items=[shapes.Plan.of(p) for p in rows], page=query.page, per_page=query.per_page,
                                 total=total, pages=math.ceil(total / query.per_page)))


@bp.post("/plans")
@operation("createPlan", "Start a plan for a leader", "HR", body=shapes.NewPlan, errors=(404,),
           ok={201: (shapes.Plan, "The new plan.", LOCATION)})
def create_plan():
    user = _hr_user()
    new = _body(shapes.NewPlan)
    try:
        checked = plan_start.check(**new.model_dump(exclude=set(identifiers.FIELDS)))
        ids = identifiers.check(Plan, None, new.esr_number, new.external_id)  # all checked before anything is written
        plan = plan_start.start(checked, actor=user, remote_addr=remote_addr())
        identifiers.apply(plan, ids, user, remote_addr())
    except (plan_start.StartError, identifiers.IdentifierError) as exc:
        db.session.rollback()
        return error(422, str(exc), exc.field)
    db.session.commit()
    return reply(shapes.Plan.of(plan), 201, {"Location": url_for("api.get_plan", plan_id=plan.id)})


@bp.get("/plans/<int:plan_id>")
@operation("getPlan", "A plan with its milestones", READERS, ok={200: (shapes.Plan, "The plan.")}, errors=(404,))
def get_plan(plan_id: int):
    return reply(shapes.Plan.of(_plan_or_404(plan_id)))


@bp.patch("/plans/<int:plan_id>")
@operation("updatePlanIdentifiers", "Set or clear a plan's ESR assignment number and external id", "HR",
           body=shapes.Identifiers, ok={200: (shapes.Plan, "The plan.")}, errors=(404,))
def update_plan(plan_id: int):
    """Only the fields sent change; null or "" clears one."""
    user = _hr_user()
    plan = _plan_or_404(plan_id)
    sent = _body(shapes.Identifiers)
    values = identifiers.as_dict(plan) | {name: getattr(sent, name) for name in sent.model_fields_set}
    try:
        identifiers.update(plan, values["esr_number"], values["external_id"], user, remote_addr())
    except identifiers.IdentifierError as exc:
        db.session.rollback()
        return error(422, str(exc), exc.field)
    db.session.commit()
    return reply(shapes.Plan.of(plan))


# --- milestones -------------------------------------------------------------------------------


def _milestone_to_change(plan_id: int, key: str) -> Milestone:
    plan = _plan_or_404(plan_id)
    milestone = next((m for m in plan.milestones if m.key == key), None)
    refusal = access.milestone_refusal(_user(), milestone) if milestone is not None else "not_allowed"
    if refusal == "not_allowed":
        abort(error(404, "Not found"))
    if refusal == "closed":
        abort(error(409, f"This plan is {plan.status}, so its milestones can no longer change"))
    return milestone


@bp.post("/plans/<int:plan_id>/milestones/<key>/complete")
@operation("completeMilestone", "Mark a milestone done, with evidence", OWNER, body=shapes.Evidence,
           body_required=False, errors=(404, 409), conflict="Already done, or the plan is closed.",
           ok={200: (shapes.Milestone, "The milestone, now done.")})
def complete_milestone(plan_id: int, key: str):
    milestone = _milestone_to_change(plan_id, key)
    evidence = _body(shapes.Evidence, required=False) or shapes.Evidence()
    if not plans.complete_milestone(milestone, _user(), evidence.evidence_note or "", evidence.evidence_link or "",
                                    remote_addr()):
        return error(409, f"This milestone is already {milestone.status}; reopen it first to change its evidence")
    db.session.commit()
    return reply(shapes.Milestone.of(milestone))


@bp.post("/plans/<int:plan_id>/milestones/<key>/reopen")
@operation("reopenMilestone", "Reopen a done milestone", OWNER, errors=(404, 409),
           conflict="Already open, or the plan is closed.", ok={200: (shapes.Milestone, "The milestone, open again.")})
def reopen_milestone(plan_id: int, key: str):
    milestone = _milestone_to_change(plan_id, key)
    if not plans.reopen_milestone(milestone, _user(), remote_addr()):
        return error(409, "This milestone is already open")
    db.session.commit()
    return reply(shapes.Milestone.of(milestone))


# --- check-ins --------------------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/checkins")
@operation("listCheckins", "A plan's check-ins, newest first",
           f"{READERS}; private notes only for the sponsor and HR, never for the plan's own leader; the "
           "leader's agenda, reflection, comments and acknowledgement only for the leader, the sponsor and HR",
           ok={200: (shapes.CheckInList, "The check-ins.")}, errors=(404,))
def list_checkins(plan_id: int):
    plan = _plan_or_404(plan_id)
    private, leader_side = access.can_read_private_notes(_user(), plan), access.can_read_leader_side(_user(), plan)
    return reply(shapes.CheckInList(items=[shapes.CheckIn.of(c, private, leader_side) for c in checkins.history(plan)]))


@bp.post("/plans/<int:plan_id>/checkins")
@operation("createCheckin", "Log a check-in", "the plan's sponsor", body=shapes.NewCheckIn, errors=(404, 409),
           conflict="The plan is completed or withdrawn.", headers=(IDEMPOTENCY_KEY,),
           ok={201: (shapes.CheckIn, "The new check-in."),
               200: (shapes.CheckIn, "The check-in an earlier call with the same Idempotency-Key made.")})
def create_checkin(plan_id: int):
    plan = _plan_or_404(plan_id)
    if not access.can_log_checkin(_user(), plan):
        return error(404, "Not found")
    key = request.headers.get("Idempotency-Key")
    if message := checkins.key_error(key, "The Idempotency-Key header"):
        return error(422, message, "Idempotency-Key")
    new = _body(shapes.NewCheckIn)
    try:
        # A retry with the same Idempotency-Key gets the check-in the first call made.
        checkin, created = checkins.log_once(plan, _user(), new.domain_input(), key, remote_addr=remote_addr())
    except checkins.CheckInError as exc:
        db.session.rollback()
        field, message = next(iter(exc.errors.items()))
        return error(409, message) if field == "plan" else error(422, message, field)
    return reply(shapes.CheckIn.of(checkin, access.can_read_private_notes(_user(), plan),
                                   access.can_read_leader_side(_user(), plan)), 201 if created else 200)


# --- playbooks (HR) ---------------------------------------------------------------------------


def _playbook_or_404(slug: str):
    _hr_user()
    playbook = playbooks.get_playbook(slug) if len(slug) <= 80 else None
    if playbook is None or playbook.latest is None:
        abort(error(404, "Not found"))
    return playbook


@bp.get("/playbooks")
@operation("listPlaybooks", "The playbooks, at their latest versions", "HR",
           ok={200: (shapes.PlaybookList, "The playbooks.")}, errors=(404,))
def list_playbooks():
    _hr_user()
    return reply(shapes.PlaybookList(items=[shapes.PlaybookSummary.of(p) for p in editor.published()]))


@bp.get("/playbooks/<slug>")
@operation("getPlaybook", "A playbook's latest version with its milestones", "HR",
           ok={200: (shapes.Playbook, "The playbook.")}, errors=(404,))
def get_playbook(slug: str):
    playbook = _playbook_or_404(slug)
    return reply(shapes.Playbook.of(playbook, playbooks.content_of(playbook.latest)))


YAML_FILE = ("text/yaml", {"type": "object", "required": ["slug", "title", "weeks", "phases", "milestones"]})


@bp.get("/playbooks/<slug>/export")
@operation("exportPlaybook", "A playbook's latest version as YAML (the format `playbooks load` reads)", "HR",
           ok={200: (YAML_FILE, "The playbook as YAML.")}, errors=(404,))
def export_playbook(slug: str):
    playbook = _playbook_or_404(slug)
    yaml_text = playbooks.to_yaml(playbooks.content_of(playbook.latest))
    audited(g.api_user, "export.playbook_yaml", playbook, slug=slug, version=playbook.latest.number, via="api")
    return attachment(yaml_text, "text/yaml", f"{playbook.slug}.yaml")
