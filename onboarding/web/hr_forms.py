"""Forms for the HR pages. Choices that come from the database are filled in by the view."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..models import CATEGORIES, OWNER_ROLES, PLAN_STATUSES
from ..playbooks.editor import MAX_UPLOAD_BYTES
from .forms import DateInputField, Form


def opts(pairs) -> list[SelectChoice]:
    """(value, label) pairs as choices (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


WEEKDAYS = opts([("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday")])
# The email_validator package is not a dependency; a simple shape check, accounts checks again.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address like name@nhs.net")
MONTHS = opts((n, f"{n} months") for n in range(3, 7))


class CohortFilterForm(Form):
    """A GET form: filters live in the URL, so no CSRF token."""

    class Meta:
        csrf = False

    # No Optional(): it would wave a blank-looking value such as "   " past the choice check.
    status = SelectField("Status", choices=opts([("", "Any status")] + [(s, s.title()) for s in PLAN_STATUSES]), default="")
    playbook = SelectField("Playbook", choices=opts([("", "Any playbook")]), default="")
    overdue = BooleanField("Only plans with overdue milestones")


ROLES = ("leader", "sponsor", "mentor")
PERSON_HINT = "Start typing a name or email address and choose from the list, or type their email address"


class NewPlanForm(Form):
    """People, playbook, length and working days are judged by plan_start (the API's and
    the CLI's rules too). Each person is an email address (the people picker fills it in);
    a ticked ``new_<role>`` box invites someone who has no account yet, named in ``<role>_name``."""

    leader = StringField("Leader", description=PERSON_HINT,
                         validators=[DataRequired("Enter the leader's email address, or choose them from the list"),
                                     Length(max=254)])
    new_leader = BooleanField("The leader is new to this service: invite them")
    leader_name = StringField("New leader's full name", validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    sponsor = StringField("Executive sponsor", description=PERSON_HINT,
                          validators=[DataRequired("Enter the executive sponsor's email address, or choose them from the list"),
                                      Length(max=254)])
    new_sponsor = BooleanField("The sponsor is new to this service: invite them")
    sponsor_name = StringField("New sponsor's full name", validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    mentor = StringField("Mentor (optional)", description=PERSON_HINT, validators=[Optional(), Length(max=254)])
    new_mentor = BooleanField("The mentor is new to this service: invite them")
    mentor_name = StringField("New mentor's full name", validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    playbook = SelectField("Playbook", validate_choice=False, validators=[DataRequired("Choose a playbook")])
    start = DateInputField("Start date", description="The leader's first day.", example="7 9 2026",
                           validators=[InputRequired("Enter the start date")])
    months = RadioField("Length of the plan", choices=MONTHS, coerce=int, validate_choice=False,
                        invalid_value_message="Choose a length of 3 to 6 months",
                        validators=[InputRequired("Choose a length of 3 to 6 months")])
    working_days = SelectMultipleField("The leader's working days", choices=WEEKDAYS, validate_choice=False,
                                       validators=[DataRequired("Choose at least one working day")])
    # Hybrid working: plan_start checks they are working days; none ticked is every working day.
    on_site_days = SelectMultipleField("Days the leader is on site (hybrid working)", choices=WEEKDAYS,
                                       validate_choice=False, validators=[Optional()])
    # The warnings HR saw on the preview (plan_start.warnings' fields): confirming creates the
    # plan only when no new warning has appeared since.
    warned = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for role in ROLES:
            # A name is only needed when inviting, so checked after the fields' own validators.
            name = getattr(self, f"{role}_name")
            if getattr(self, f"new_{role}").data and not (name.data or "").strip() and not name.errors:
                name.errors = [*name.errors, f"Enter the new {role}'s full name"]
                valid = False
        return valid


class ReassignForm(Form):
    sponsor = StringField("Executive sponsor", description=PERSON_HINT,
                          validators=[DataRequired("Enter the executive sponsor's email address, or choose them from the list"),
                                      Length(max=254)])
    mentor = StringField("Mentor (optional)", description=PERSON_HINT + "; leave it empty for no mentor",
                         validators=[Optional(), Length(max=254)])


class PauseForm(Form):
    reason = TextAreaField("Why is the plan paused?",
                           description="The leader and the sponsor see this, for example “Parental leave”.",
                           validators=[DataRequired("Enter why the plan is paused"),
                                       Length(max=500, message="The reason must be 500 characters or fewer")])
    expected_return_on = DateInputField("Expected return date (optional)",
                                        description="A working day of the leader after today.", example="5 1 2027",
                                        validators=[Optional()])


class ResumeForm(Form):
    on = DateInputField("Date the leader returned", description="Today or earlier. Open milestones move on by the "
                        "working days from the pause to this date.", validators=[Optional()])  # empty: today


class ActionForm(Form):
    """A button with nothing to fill in (its CSRF token only)."""


class ExtendForm(Form):
    months = RadioField("New length", coerce=int, validators=[InputRequired("Choose the new length")],
                        invalid_value_message="Choose a new length from the list",
                        invalid_choice_message="Choose a new length from the list: longer than now, at most 6 months")
    confirmed = HiddenField()


class CloseForm(Form):
    outcome = RadioField("How the plan ends", choices=opts([("completed", "Completed"), ("withdrawn", "Withdrawn")]),
                         validators=[InputRequired("Choose completed or withdrawn")])
    confirm = BooleanField("I understand the plan will close and nobody will be nudged about it again",
                           validators=[DataRequired("Confirm that you want to close the plan")])


class RebaseForm(Form):
    version = SelectField("Playbook version", coerce=int, validators=[InputRequired("Choose a version")],
                          invalid_value_message="Choose a version from the list",
                          invalid_choice_message="Choose a version from the list")
    confirmed = HiddenField()


class MilestoneForm(Form):
    key = StringField("Key", description="Lower-case letters, digits and hyphens; it cannot change later",
                      validators=[DataRequired("Enter a key"), Length(max=80),
                                  Regexp(r"^[a-z0-9][a-z0-9-]*$", message="Use lower-case letters, digits and hyphens")])
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000, message="Description must be 5000 characters or fewer")])
    phase = SelectField("Phase", validators=[DataRequired("Choose a phase")])
    category = SelectField("Category", choices=opts((c, c.replace("_", " ").capitalize()) for c in CATEGORIES),
                           validators=[DataRequired("Choose a category")])
    owner = SelectField("Owner", choices=opts((r, r.upper() if r == "hr" else r.capitalize()) for r in OWNER_ROLES),
                        validators=[DataRequired("Choose who owns the milestone")])
    week = IntegerField("Week", description="Week of the playbook; negative weeks fall before the start",
                        invalid_value_message="Enter a week from -8 to 52",
                        validators=[InputRequired("Enter the week as a whole number"),
                                    NumberRange(min=-8, max=52, message="Enter a week from -8 to 52")])
    pinned = BooleanField("Keep this week when the plan is shorter or longer")
    required = BooleanField("Required")
    evidence_prompt = TextAreaField("Evidence prompt", validators=[Optional(), Length(max=2000, message="Evidence prompt must be 2000 characters or fewer")])


class MilestoneActionForm(Form):
    """Remove, move up or move down one milestone (the key is in the URL)."""


class UploadForm(Form):
    file = FileField("Playbook YAML file", description="A .yaml file of at most 200 KB, in the same format as the download",
                     validators=[FileRequired("Choose a YAML file to upload"),
                                 FileSize(MAX_UPLOAD_BYTES, message="The file must be 200 KB or smaller")])


class InviteUserForm(Form):
    name = StringField("Full name", validators=[DataRequired("Enter the person's full name"), Length(max=120, message="Name must be 120 characters or fewer")])
    email = EmailField("Email address", validators=[DataRequired("Enter an email address"), Length(max=254),
                                                    EMAIL])
    hr = BooleanField("Give HR rights (start plans, edit playbooks, manage users)")


class UserActionForm(Form):
    pass
