"""The API's request and response shapes, each defined once as a pydantic model.

The views validate bodies and query strings with the request models (api_input.parse), build
their answers through the response models, and web/api_schema.py turns the same models into
the OpenAPI document, so the document cannot describe a shape the code does not use.

Request models check shape and type only: a string, a whole number, a YYYY-MM-DD date in the
planning years (planning.date_problem, as every channel reads dates), how long, text a database
can store, no unknown fields. What a value means (an existing user, 3 to 6 months, a RAG rating,
a check-in not in the future) stays with the domain: plan_start.check and checkins.validate
judge it. The document quotes the domain's constants for those rules (the ``doc(...)`` hints
below), so clients read the rules without them being written a second time.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from .. import plans
from ..models import CATEGORIES, MILESTONE_STATUSES, OWNER_ROLES, PLAN_STATUSES, RAG_VALUES
from ..models.storable import is_storable
from ..people import identifiers
from ..plans import checkin_leader, checkins, plan_start, planning, records, tailoring

EMAIL_MAX = 254  # the user table's email column
DAYS = planning.DEFAULT_WORKING_DAYS
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 20, 100, 100000


# --- the types request fields are made of ------------------------------------------------------
# Each raises a PydanticCustomError whose type api_input.MESSAGES words for people.


def _storable(value: str) -> str:
    if not is_storable(value):
        raise PydanticCustomError("unstorable", "control characters")
    return value


def _blank_is_none(value: Any) -> Any:
    """An optional field sent empty counts as not sent."""
    return None if value == "" else value


def _iso_date(value: Any, info: ValidationInfo) -> date:
    """YYYY-MM-DD only: ISO 8601 also allows 20261005 or 2026-W41-1, which people reading the
    API would not expect. In the planning years, as every date a person types (the domain
    checks again, for its own reasons: the plan's start, a check-in not in the future)."""
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "not a string")
    try:
        if not DATE_FORM.fullmatch(value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("not_a_date", "not a date", {"value": value[:30]}) from None
    if problem := planning.date_problem(day, info.field_name or "The date"):
        raise PydanticCustomError("domain_rule", "{problem}", {"problem": problem})
    return day


def _web_link(value: str | None) -> str | None:
    if value and not records.is_web_link(value):  # the pages' rule too
        raise PydanticCustomError("web_link", "not a web link")
    return value


def _day_names(value: Any) -> Any:
    """A list of names or one comma-separated string; planning.parse_working_days judges the names."""
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(d, str) and is_storable(d) for d in value):
        return value
    if isinstance(value, str) and is_storable(value):
        return value
    raise PydanticCustomError("day_names", "not day names")


def Text(max_length: int) -> Any:
    """A string of at most ``max_length`` characters that a database can store."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_storable)]


def Omittable(kind: Any) -> Any:
    """``kind``, or null or empty for "not given"."""
    return Annotated[kind | None, BeforeValidator(_blank_is_none)]


InputDate = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": f"^{DATE_FORM.pattern}$"})]
DAY_PATTERN = f"^({'|'.join(DAYS)})(,({'|'.join(DAYS)}))*$"
WorkingDays = Annotated[Any, BeforeValidator(_day_names), WithJsonSchema({"oneOf": [
    {"type": "array", "items": {"type": "string", "enum": list(DAYS)}, "minItems": 1},
    {"type": "string", "pattern": DAY_PATTERN},
    {"type": "null"},
]})]


def doc(**hints) -> dict:
    """JSON Schema keywords shown in the document for a rule the domain enforces."""
    return {"json_schema_extra": hints}


def _query_int(low: int, high: int):
    def check(value: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit() and low <= int(value) <= high):
            raise PydanticCustomError("whole_number_between", "out of range", {"low": low, "high": high})
        return int(value)
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(check)]


class Request(BaseModel):
    # strict: "4" is not a number and 4.0 not a whole one, as a person reading the document expects.
    model_config = ConfigDict(extra="forbid", strict=True)


# --- request bodies and query strings ---------------------------------------------------------


class Identifiers(Request):
    """A plan's employee identifiers (people.identifiers judges them); null or empty clears one."""

    esr_number: Omittable(Text(40)) = Field(None, title="ESR assignment number", description=identifiers.ESR_HINT)
    external_id: Omittable(Text(identifiers.EXTERNAL_MAX)) = Field(None, title="External id", description="Unique.")


class NewPlan(Identifiers):
    """The fields of `onboarding plans create`, and the plan's identifiers."""

    leader: Text(EMAIL_MAX) = Field(title="The leader's email", description="An existing user's email.",
                                    **doc(format="email"))
    sponsor: Text(EMAIL_MAX) = Field(title="The sponsor's email", **doc(format="email"))
    mentor: Omittable(Text(EMAIL_MAX)) = Field(None, title="The mentor's email", **doc(format="email"))
    playbook: Text(plan_start.MAX_SLUG) = Field(title="Playbook",
                                                description="A playbook slug; the latest version is used.")
    start: InputDate = Field(description=f"Start date, YYYY-MM-DD, from {planning.EARLIEST_DATE} to "
                                         f"{planning.LATEST_DATE}.")
    months: int = Field(**doc(minimum=planning.MIN_MONTHS, maximum=planning.MAX_MONTHS))
    working_days: WorkingDays = Field(None, description="The leader's working days: a list, or a comma-separated "
                                                        "string. Default Monday to Friday.")
    on_site_days: WorkingDays = Field(None, description="Hybrid working: the working days the leader is on site, "
                                                        "where on-site milestones fall. Default every working day.")


class Evidence(Request):
    evidence_note: Omittable(Text(records.TEXT_MAX)) = Field(None, title="Evidence note")
    evidence_link: Annotated[Omittable(Text(records.LINK_MAX)), AfterValidator(_web_link)] = Field(
        None, title="Evidence link", description="An http:// or https:// address.", **doc(format="uri"))


class NewCheckIn(Request):
    held_on: InputDate = Field(description=f"Today or earlier, and {planning.EARLIEST_DATE} or later.")
    rag: str = Field(title="RAG", **doc(enum=list(RAG_VALUES)))
    summary: Text(checkins.MAX_TEXT) = Field(title="Summary", **doc(minLength=1))
    private_note: Omittable(Text(checkins.MAX_TEXT)) = Field(None, title="Private note")
    actions: Omittable(Text(checkins.MAX_TEXT)) = Field(None, title="Actions")
    next_checkin_on: Omittable(InputDate) = Field(
        None, description=f"After held_on, and {planning.LATEST_DATE} or earlier.")

    def domain_input(self) -> checkins.CheckInInput:
        return checkins.CheckInInput(**self.model_dump() | {"private_note": self.private_note or "",
                                                            "actions": self.actions or ""})


class NotApplicable(Request):
    reason: Text(tailoring.MAX_REASON) = Field(title="Reason", description="Why the milestone does not apply to "
                                               "this plan (required).", **doc(minLength=1))


class Applicable(Request):
    reason: Omittable(Text(tailoring.MAX_REASON)) = Field(None, title="Reason")


class NewMilestone(Request):
    """A milestone added to one plan (plans.tailoring.add_milestone judges it)."""

    title: Text(tailoring.MAX_TITLE) = Field(title="Title", **doc(minLength=1))
    description: Omittable(Text(tailoring.MAX_DESCRIPTION)) = Field(None, title="Description")
    owner: Text(12) = Field(title="Owner", description="The role that does it; a mentor or buddy only when the plan has one.",
                       **doc(enum=list(tailoring.OWNERS)))
    due: InputDate = Field(description="A working day of the owner (the leader's own working days for the "
                                       "leader; never a weekend or bank holiday), on or before the plan's end.")
    phase: Text(80) = Field(title="Phase", description="The key of one of the plan's playbook phases.")
    reason: Text(tailoring.MAX_REASON) = Field(title="Reason", description="Why this plan needs it.",
                                               **doc(minLength=1))


class MilestoneChange(Request):
    """A new due date, owner or both for one milestone of one plan (plans.tailoring.change)."""

    due: Omittable(InputDate) = Field(None, description="A working day of the owner, on or before the plan's end.")
    owner: Omittable(Text(12)) = Field(None, title="Owner", **doc(enum=list(tailoring.OWNERS)))
    reason: Text(tailoring.MAX_REASON) = Field(title="Reason", description="Why it changes.", **doc(minLength=1))


class PlanQuery(Request):
    """GET /plans's query string (its values arrive as text: _query_int reads the numbers)."""

    page: _query_int(1, MAX_PAGE) = 1
    per_page: _query_int(1, MAX_PER_PAGE) = DEFAULT_PER_PAGE
    status: Literal[PLAN_STATUSES] | SkipJsonSchema[None] = None
    esr: Text(40) | SkipJsonSchema[None] = Field(None, description="Only the plan with this ESR assignment number.")
    external_id: Text(identifiers.EXTERNAL_MAX) | SkipJsonSchema[None] = Field(None, description="Only the plan with this external id.")


# --- responses --------------------------------------------------------------------------------


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(Response):
    message: str = Field(description="What went wrong, in words a person can act on.")
    field: str | SkipJsonSchema[None] = Field(None, description="For validation errors: the input field at fault.")


class PlanMilestone(Response):
    """A milestone as a plan shows it (plans.milestone_json)."""

    key: str
    title: str
    phase: str
    category: Literal[CATEGORIES]
    owner: Literal[OWNER_ROLES]
    due: date
    status: Literal[MILESTONE_STATUSES]
    added: Literal[True] | SkipJsonSchema[None] = Field(
        None, description="True on a milestone added to this plan alone (left out otherwise).")
    not_applicable_reason: str | SkipJsonSchema[None] = Field(
        None, description="Why a not_applicable milestone does not apply to this plan.")


class Plan(Response):
    """The same object `onboarding plans show ID --json` prints (plans.as_json)."""

    id: int
    leader: str = Field(description="The leader's email.")
    sponsor: str = Field(description="The executive sponsor's email.")
    mentor: str | None = Field(description="The mentor's email, if there is one.")
    playbook: str = Field(description="The playbook's slug.")
    playbook_version: int
    start: date
    end: date
    months: int
    working_days: list[Literal[DAYS]]
    on_site_days: list[Literal[DAYS]] = Field(description="The working days a hybrid leader is on site; "
                                              "empty: on site every working day.")
    status: Literal[PLAN_STATUSES]
    pause_reason: str | None = Field(description="Why a paused plan is paused.")
    expected_return_on: date | None = Field(description="When a paused leader expects to be back.")
    esr_number: str | None = Field(description="The plan's ESR assignment number, if HR gave one.")
    external_id: str | None = Field(description="The plan's external id (an HR system's), if HR gave one.")
    milestones: list[PlanMilestone]

    @classmethod
    def of(cls, plan) -> Plan:
        return cls.model_validate(plans.as_json(plan))


class PlanPage(Response):
    items: list[Plan]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=MAX_PER_PAGE)
    total: int = Field(ge=0)
    pages: int = Field(ge=0)


class Milestone(PlanMilestone):
    plan_id: int
    completed_at: datetime | None
    completed_by: str | None
    evidence_note: str | None
    evidence_link: str | None

    @classmethod
    def of(cls, m) -> Milestone:
        return cls.model_validate({
            "plan_id": m.plan_id,
            **plans.milestone_json(m),
            "completed_at": m.completed_at.isoformat() + "Z" if m.completed_at else None,  # stored in UTC
            "completed_by": m.completed_by.email if m.completed_by else None,
            "evidence_note": m.evidence_note,
            "evidence_link": m.evidence_link,
        })


class CheckInAction(BaseModel):
    text: str = Field(description="One line of the check-in's actions.")
    done: bool = Field(description="Marked done by the leader or the sponsor.")


class CheckIn(Response):
    id: int
    plan_id: int
    sponsor: str
    held_on: date
    rag: Literal[RAG_VALUES]
    summary: str = Field(description="Shared with the leader.")
    private_note: str | SkipJsonSchema[None] = Field(None, description="Only for the sponsor and HR; absent for others.")
    actions: str = Field(description="The agreed actions as the sponsor wrote them, one per line.")
    action_items: list[CheckInAction] = Field(description="The same actions, one item a line, with whether each is done.")
    next_checkin_on: date | None
    leader_agenda: str | None = Field(None, description=(
        "What the leader wanted to talk about, written before the check-in. For the leader, the sponsor and HR; "
        "absent for others."))
    leader_reflection: str | None = Field(None, description=(
        "The leader's reflection, written before the check-in. For the leader, the sponsor and HR; absent for others."))
    leader_response: str | None = Field(None, description=(
        "The leader's comments after the check-in. For the leader, the sponsor and HR; absent for others."))
    acknowledged_at: datetime | None = Field(None, description=(
        "When the leader marked the check-in as read (UTC). For the leader, the sponsor and HR; absent for others."))

    @classmethod
    def of(cls, c, with_private: bool, with_leader_side: bool = False) -> CheckIn:
        data = {"id": c.id, "plan_id": c.plan_id, "sponsor": c.sponsor.email, "held_on": c.held_on, "rag": c.rag,
                "summary": c.summary, "actions": c.actions, "next_checkin_on": c.next_checkin_on,
                "action_items": [{"text": a.text, "done": a.done} for a in checkin_leader.action_items(c)]}
        if with_leader_side:
            data |= {"leader_agenda": c.leader_agenda, "leader_reflection": c.leader_reflection,
                     "leader_response": c.leader_response,
                     "acknowledged_at": c.acknowledged_at.isoformat() + "Z" if c.acknowledged_at else None}
        return cls.model_validate(data | ({"private_note": c.private_note} if with_private else {}))


class CheckInList(Response):
    items: list[CheckIn]


class PlaybookSummary(Response):
    slug: str
    title: str
    description: str
    weeks: int
    version: int = Field(description="The latest version's number.")

    @classmethod
    def fields_of(cls, playbook) -> dict:
        v = playbook.latest
        return {"slug": playbook.slug, "title": v.title, "description": v.description, "weeks": v.weeks,
                "version": v.number}

    @classmethod
    def of(cls, playbook) -> PlaybookSummary:
        return cls.model_validate(cls.fields_of(playbook))


class PlaybookList(Response):
    items: list[PlaybookSummary]


class PlaybookPhase(BaseModel):
    model_config = ConfigDict(extra="allow")  # the playbook format's own fields
    key: str
    title: str


class PlaybookMilestone(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    title: str
    phase: str
    category: Literal[CATEGORIES]
    owner: Literal[OWNER_ROLES]
    week: int
    pinned: bool
    required: bool
    description: str | None = None
    evidence_prompt: str | None = None


class Playbook(PlaybookSummary):
    phases: list[PlaybookPhase]
    milestones: list[PlaybookMilestone]
    nudges: dict[str, int]

    @classmethod
    def of(cls, playbook, content) -> Playbook:
        return cls.model_validate(PlaybookSummary.fields_of(playbook) | {
            "phases": content.phases, "milestones": content.milestones, "nudges": content.nudges})


REQUESTS = (NewPlan, Identifiers, Evidence, NewCheckIn)
RESPONSES = (Error, Plan, PlanPage, Milestone, CheckIn, CheckInList, PlaybookList, Playbook)
