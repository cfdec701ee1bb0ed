"""The audit review's filters and the subject access search: GET forms (what they ask lives in
the URL, and changes nothing), so no CSRF token."""
from __future__ import annotations

from wtforms import EmailField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..models import MAX_ID, User
from .forms import PAST_EXAMPLE, DateInputField, Form
from .hr_forms import EMAIL, opts


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = EmailField("Person acting (optional)", validators=[Optional(), Length(max=254), EMAIL],
                       filters=[lambda v: v.strip() if v else v],
                       description="Their email address, for example sam.jones@nhs.net")
    action = SelectField("Action", choices=opts([("", "Any action")]), default="")
    object_type = SelectField("Object", choices=opts([("", "Any object")]), default="")
    object_id = IntegerField("Object number (optional)", validators=[
        Optional(), NumberRange(1, MAX_ID, message="Object number must be a whole number from 1")],
        description="The number in the object's address, for example 12 in /plans/12")
    start = DateInputField("From (optional)", validators=[Optional()], example=PAST_EXAMPLE)
    end = DateInputField("To (optional)", validators=[Optional()], example=PAST_EXAMPLE)

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
