"""The audit review's filters and the subject access search: GET forms (what they ask lives in
the URL, and changes nothing), so no CSRF token."""
from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..models import MAX_ID, User
from .forms import PAST_EXAMPLE, DateInputField, Form
from .hr_forms import EMAIL, opts

NOT_A_NUMBER = "Object number must be a whole number, like 12"


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = EmailField("Person acting (optional)", validators=[Optional(), Length(max=254), EMAIL],
                       filters=[lambda v: v.strip() if v else v],
                       description="Their email address, for example sam.jones@nhs.net")
    action = SelectField("Action", choices=opts([("", "Any action")]), default="")
    object_type = SelectField("Object", choices=opts([("", "Any object")]), default="")
    # Text, not IntegerField: its own message ("Not a valid integer value") is not the design system's.
    object_id = StringField("Object number (optional)", validators=[
        Optional(), Regexp(r"^[0-9]{1,10}$", message=NOT_A_NUMBER)],
        description="The number in the object's address, for example 12 in /plans/12")
    start = DateInputField("From (optional)", validators=[Optional()], example=PAST_EXAMPLE)
    end = DateInputField("To (optional)", validators=[Optional()], example=PAST_EXAMPLE)

    def validate_object_id(self, field) -> None:
        if field.data and not field.errors and not 1 <= int(field.data) <= MAX_ID:
            raise ValidationError(NOT_A_NUMBER)

    @property
    def object_number(self) -> int | None:
        return int(self.object_id.data) if self.object_id.data else None

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("To must be the same as or after From")

    def acting(self, find) -> User | None:
        """The user the actor filter names (``find``: email -> User); an error on the field if none."""
        if not self.actor.data:
            return None
        user = find(self.actor.data)
        if user is None:
            self.actor.errors = [f"No user has the email address {User.normalise_email(self.actor.data)}"]
        return user


class SubjectAccessForm(Form):
    class Meta:
        csrf = False

    email = EmailField("Email address of the person asking", validators=[
        DataRequired("Enter the email address of the person asking"), Length(max=254), EMAIL],
        description="Their current or former account's address", filters=[lambda v: v.strip() if v else v])
