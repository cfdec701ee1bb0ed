"""Forms of the leader's pages: milestone evidence, stakeholders, interviews and goals.

The domain (onboarding.plans.records) checks the same limits again; these give the messages
next to each field."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..models import GOAL_STATUSES, STANCES
from ..plans import records
from .forms import PAST_EXAMPLE, DateInputField, Form


def _max(n: int, what: str) -> Length:
    return Length(max=n, message=f"{what} must be {n:,} characters or fewer")


def _web_link(_form, field) -> None:
    if field.data and not records.is_web_link(field.data):
        raise ValidationError("Enter a web address that starts with http:// or https://")


SCORES = [SelectChoice(n, str(n)) for n in range(1, 6)]


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


class CompleteMilestoneForm(Form):
    evidence_note = TextAreaField(
        "Evidence note",
        description="What you did, who you met or where the evidence is kept.",
        validators=[_max(records.TEXT_MAX, "Evidence note")],
    )
    evidence_link = StringField(
        "Evidence link (optional)",
        description="A web address for a document or page, starting with https://",
        validators=[Optional(), _max(records.LINK_MAX, "Evidence link"), _web_link],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.evidence_note.data or "").strip() and not (self.evidence_link.data or "").strip():
            self.evidence_note.errors.append("Enter an evidence note or an evidence link")
            return False
        return ok


class ConfirmForm(Form):
    """A button that only carries the CSRF token: reopen, remove."""


class StakeholderForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter the stakeholder's name"), _max(records.NAME_MAX, "Name")])
    role = StringField("Role", validators=[_max(records.NAME_MAX, "Role")])
    organisation = StringField("Organisation", validators=[_max(records.NAME_MAX, "Organisation")])
    power = RadioField(
        "Power",
        description="How much they can affect your work: 1 is little, 5 is a great deal.",
        choices=SCORES,
        coerce=int,
        invalid_value_message="Select a power score from 1 to 5",
        invalid_choice_message="Select a power score from 1 to 5",
        validators=[InputRequired("Select a power score from 1 to 5")],
    )
    interest = RadioField(
        "Interest",
        description="How much your work affects them or they care about it: 1 is little, 5 is a great deal.",
        choices=SCORES,
        coerce=int,
        invalid_value_message="Select an interest score from 1 to 5",
        invalid_choice_message="Select an interest score from 1 to 5",
        validators=[InputRequired("Select an interest score from 1 to 5")],
    )
    stance = SelectField("Stance towards your work", choices=[SelectChoice(s, _label(s)) for s in STANCES], default="neutral")
    last_met = DateInputField("Last met (optional)", validators=[Optional()], example=PAST_EXAMPLE)
    notes = TextAreaField("Notes", validators=[_max(records.TEXT_MAX, "Notes")])
    notes_private = BooleanField(
        "Only I can read these notes",
        description="Your sponsor, mentor and HR will not see them, and they are left off the printable page.",
    )


class InterviewForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter the name of the person you interviewed"), _max(records.NAME_MAX, "Name")])
    role = StringField("Role", validators=[_max(records.NAME_MAX, "Role")])
    specialty = StringField("Specialty or division", validators=[_max(records.NAME_MAX, "Specialty or division")])
    interviewed_on = DateInputField("Date of the interview", validators=[InputRequired("Enter the date of the interview")],
                                    example=PAST_EXAMPLE)
    priorities = TextAreaField(
        "Priorities heard",
        description="One priority a line.",
        validators=[_max(records.TEXT_MAX, "Priorities")],
    )
    themes = StringField(
        "Themes",
        description="Short labels separated by commas, for example: discharge, log-in time. "
        "Use the same words across interviews so recurring themes can be counted.",
        validators=[_max(1000, "Themes")],
    )
    follow_up = TextAreaField("Follow-up", validators=[_max(records.TEXT_MAX, "Follow-up")])

    def validate_themes(self, field) -> None:
        if any(len(t) > records.THEME_MAX for t in records.parse_themes(field.data)):
            raise ValidationError(f"Each theme must be {records.THEME_MAX} characters or fewer")


WGLL_HINT = (
    "For example one of the What Good Looks Like success measures: well led, ensure smart foundations, "
    "safe practice, support people, empower citizens, improve care, healthy populations; "
    "or an objective from the trust's strategy."
)


class GoalForm(Form):
    title = StringField("Goal", validators=[DataRequired("Enter the goal"), _max(records.TITLE_MAX, "Goal")])
    objective = StringField(
        "Organisational objective it supports",
        description=WGLL_HINT,
        validators=[_max(records.TITLE_MAX, "Organisational objective")],
    )
    measure = TextAreaField(
        "Measure", description="How you and your sponsor will know it has been achieved.",
        validators=[_max(records.TEXT_MAX, "Measure")],
    )
    target_date = DateInputField("Target date (optional)", validators=[Optional()])
    status = SelectField("Status", choices=[SelectChoice(s, _label(s)) for s in GOAL_STATUSES], default="not_started")
