"""The base of every form, the shared date field, and the sign-in forms.

Every form is a ``Form`` (a FlaskForm), so every form carries a CSRF token and no text
field accepts a NUL or other control character (PostgreSQL refuses NUL; SQLite would
store it), each refused with a message next to the field."""
import wtforms
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation

from ..models.storable import is_storable
from ..plans import planning


def _label(field) -> str:
    return field.label.text.replace(" (optional)", "")


def storable_text(_form, field) -> None:
    if isinstance(field.data, str) and not is_storable(field.data):
        raise StopValidation(f"{_label(field)} must not contain control characters such as NUL")


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):  # and so text areas, emails, passwords, hidden fields
                field.validators = [storable_text, *field.validators]
            return field


class DateField(wtforms.DateField):
    """A date input with plain-English messages, kept to the years the service plans in
    (planning.date_problem). Same class name as WTForms' so the field macro renders it
    as a date input."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{_label(self)} must be a real date, like 7 September 2026") from None

    def pre_validate(self, form):
        if self.data is not None and (problem := planning.date_problem(self.data, _label(self))):
            raise StopValidation(problem)


class LoginForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=256)])


class SetPasswordForm(Form):
    password = PasswordField(
        "New password",
        description=("At least 12 characters, not a common password. A phrase of several words is easier to "
                     "remember than a complex word, and you can paste one from a password manager."),
        validators=[DataRequired("Enter a new password"), Length(min=12, max=256, message="Password must be between 12 and 256 characters")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the password again"), EqualTo("password", "The passwords do not match")],
    )
