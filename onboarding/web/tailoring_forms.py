"""The forms of tailoring one plan (plans.tailoring judges what they hold; these check shape)."""
from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..plans import tailoring
from .forms import DateInputField, Form

OWNER_LABELS = {"leader": "The leader", "sponsor": "The sponsor", "mentor": "The mentor", "hr": "HR",
                "buddy": "The buddy"}


def _reason(question: str, missing: str | None):
    checks = [Length(max=tailoring.MAX_REASON, message=f"The reason must be {tailoring.MAX_REASON} characters or fewer")]
    return TextAreaField(question, validators=([DataRequired(missing)] if missing else [Optional()]) + checks)


def owner_choices(plan, blank: str | None = None) -> list[tuple[str, str]]:
    """The roles a milestone of ``plan`` may be given (a mentor or buddy only when there is one)."""
    roles = tailoring.owners(plan)
    return ([("", blank)] if blank else []) + [(r, OWNER_LABELS.get(r, r.capitalize())) for r in roles]


class NotApplicableForm(Form):
    reason = _reason("Why does this milestone not apply to this plan?", "Enter why this milestone is not applicable")


class ApplicableForm(Form):
    reason = _reason("Why does it apply again? (optional)", None)


DUE_HINT = ("A working day of the owner (for the leader, one of their own working days), not a weekend or bank "
            "holiday, and on or before the plan's end.")


class ChangeMilestoneForm(Form):
    due = DateInputField("New due date (optional)", description=DUE_HINT, validators=[Optional()])
    owner = SelectField("Owner", validate_choice=False)
    reason = _reason("Why does it change?", "Enter why it changes")


class AddMilestoneForm(Form):
    title = StringField("Title", validators=[DataRequired("Enter the milestone's title"),
                                             Length(max=tailoring.MAX_TITLE, message="The title must be 200 characters or fewer")])
    description = TextAreaField("Description (optional)", validators=[
        Length(max=tailoring.MAX_DESCRIPTION, message="The description is too long")])
    owner = SelectField("Owner", validate_choice=False)
    due = DateInputField("Due date", description=DUE_HINT, validators=[Optional()])
    phase = SelectField("Phase", validate_choice=False)
    reason = _reason("Why does this plan need it?", "Enter why this plan needs the milestone")


# One page holds all three forms: each its own prefix, so their fields' ids differ.
PREFIXES = {NotApplicableForm: "na", ApplicableForm: "applicable", ChangeMilestoneForm: "change"}


def milestone_forms(user, milestone, **bound) -> dict:
    """What a milestone's page needs to offer tailoring to ``user``: the forms (``bound`` ones,
    posted with an error, in place of fresh ones) and whether to show them at all."""
    from ..people import access

    change = bound.get("change_form") or ChangeMilestoneForm(prefix=PREFIXES[ChangeMilestoneForm], formdata=None,
                                                             owner=milestone.owner)
    change.owner.choices = owner_choices(milestone.plan)
    return {
        "may_tailor": access.can_tailor_milestone(user, milestone),
        "na_form": bound.get("na_form") or NotApplicableForm(prefix=PREFIXES[NotApplicableForm], formdata=None),
        "applicable_form": bound.get("applicable_form") or ApplicableForm(prefix=PREFIXES[ApplicableForm],
                                                                          formdata=None),
        "change_form": change,
        "failed_form": next(iter(bound.values()), None),  # its errors lead the page
    }
