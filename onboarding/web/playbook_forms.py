"""Forms for HR's playbook drafts: details, phases, milestones with their timing, a new
playbook, a copy, publishing and discarding. Phase choices are filled in by the view."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..playbooks.diff import NUDGE_LABELS
from ..playbooks.parsing import MAX_WEEKS, NUDGE_KEYS
from .forms import Form
from .hr_forms import MilestoneForm, UploadForm, opts

KEY = Regexp(r"^[a-z0-9][a-z0-9-]*$", message="Use lower-case letters, digits and hyphens")


def _week(label: str, description: str) -> IntegerField:
    return IntegerField(label, description=description, invalid_value_message=f"Enter a week from 1 to {MAX_WEEKS}",
                        validators=[Optional(), NumberRange(min=1, max=MAX_WEEKS, message=f"Enter a week from 1 to {MAX_WEEKS}")])


class DraftMilestoneForm(MilestoneForm):
    not_before_week = _week("Not before week (optional)",
                            "On a shorter plan, never due before this week of the plan (week 1 is the start's week)")
    not_after_week = _week("Not after week (optional)", "On a longer plan, never due after this week of the plan")
    on_site = BooleanField("Due on a day the leader is on site (walkabouts, shadowing, board meetings)")
    delegable = BooleanField("An executive assistant may complete it for the leader")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        low, high = self.not_before_week.data, self.not_after_week.data
        if ok and low is not None and high is not None and low > high:
            self.not_after_week.errors.append("Not after week must be the same as or later than not before week")
            return False
        return ok

    def content_data(self) -> dict:
        """The milestone as the editor takes it."""
        return {k: v for k, v in self.data.items() if k != "csrf_token"}


class PhaseForm(Form):
    key = StringField("Key", description="Lower-case letters, digits and hyphens; it cannot change later",
                      validators=[DataRequired("Enter a key"), Length(max=80, message="Key must be 80 characters or fewer"), KEY])
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")])
    description = TextAreaField("Description (optional)", validators=[Optional(), Length(max=2000, message="Description must be 2000 characters or fewer")])


def _nudge(key: str) -> IntegerField:
    return IntegerField(f"{NUDGE_LABELS[key]} (optional)", description="Leave empty for the service's default",
                        invalid_value_message="Enter a whole number from 1 to 90",
                        validators=[Optional(), NumberRange(min=1, max=90, message="Enter a whole number from 1 to 90")])


class DetailsForm(Form):
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")])
    description = TextAreaField("Description (optional)", validators=[Optional(), Length(max=5000, message="Description must be 5000 characters or fewer")])
    weeks = IntegerField("Reference length in weeks", description="The length the milestones' weeks are written for",
                         invalid_value_message=f"Enter a length from 1 to {MAX_WEEKS} weeks",
                         validators=[InputRequired("Enter the length in weeks"),
                                     NumberRange(min=1, max=MAX_WEEKS, message=f"Enter a length from 1 to {MAX_WEEKS} weeks")])
    due_soon_working_days = _nudge("due_soon_working_days")
    overdue_every_working_days = _nudge("overdue_every_working_days")
    escalate_after_working_days = _nudge("escalate_after_working_days")
    checkin_cadence_days = _nudge("checkin_cadence_days")

    def nudges(self) -> dict:
        return {key: getattr(self, key).data for key in NUDGE_KEYS}


SLUG_HINT = "Lower-case letters, digits and hyphens, for example ciso-26-weeks; it cannot change later"


class NewPlaybookForm(Form):
    slug = StringField("Slug", description=SLUG_HINT,
                       validators=[DataRequired("Enter a slug"), Length(max=80, message="Slug must be 80 characters or fewer"), KEY])
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")])
    weeks = DetailsForm.weeks
    phase_title = StringField("Title of the first phase", description="For example Orientate. You can add more phases later",
                              validators=[DataRequired("Enter the first phase's title"), Length(max=200, message="Title must be 200 characters or fewer")])
    milestone_title = StringField("Title of the first milestone", description="It starts in week 1, owned by the leader; change it in the draft",
                                  validators=[DataRequired("Enter the first milestone's title"), Length(max=200, message="Title must be 200 characters or fewer")])


class CopyForm(Form):
    slug = NewPlaybookForm.slug
    title = NewPlaybookForm.title


class DiscardForm(Form):
    confirm = BooleanField("Yes, discard every change in this draft",
                           validators=[DataRequired("Tick the box to confirm you want to discard the draft")])


class PublishForm(Form):
    """Publish the draft (no fields: the CSRF token)."""


class PlaybookUploadForm(UploadForm):
    into = RadioField("What happens to the file", default="publish",
                      choices=opts([("publish", "Publish it as the next version now"),
                                    ("draft", "Open it as a draft, to review the changes before publishing")]),
                      validators=[DataRequired("Choose what happens to the file")])
