"""The base of every form, the NHS.UK date input, and the sign-in forms.

Every form is a ``Form`` (a FlaskForm), so every form carries a CSRF token and no text
field accepts a NUL or other control character (PostgreSQL refuses NUL; SQLite would
store it), each refused with a message next to the field."""
import re
from datetime import date

import wtforms
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.utils import unset_value
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


# The hint's example date must suit the question (NHS.UK date input guidance): a date already
# past for "when did it happen", the design system's own for dates ahead.
PAST_EXAMPLE, FUTURE_EXAMPLE = "15 3 2026", "15 3 2027"


class DateInputField(wtforms.Field):
    """The NHS.UK date input: day, month and year boxes, posted as ``<name>-day``, ``-month``
    and ``-year`` and rendered by the ``field`` macro (macros/forms.html).

    "1" and "01" are both fine; the messages are the NHS.UK design system's, and
    ``error_parts`` names the boxes at fault (none: the date as a whole). InputRequired or
    Optional decide what an empty date means; a date outside the years the service plans in
    is refused (planning.date_problem)."""

    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, example=FUTURE_EXAMPLE, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.example = example
        self.error_parts: tuple[str, ...] = ()
        self._posted: dict[str, str] | None = None
        self._problem: tuple[str, tuple[str, ...]] | None = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(None, data, extra_filters)
        self.raw_data = []
        if formdata is None:
            return
        self._posted = {p: (formdata.get(f"{self.name}-{p}") or "").strip() for p in self.PARTS}
        self.raw_data = [" ".join(v for v in self._posted.values() if v)] if any(self._posted.values()) else []
        self.data, self._problem = _read_date(self._posted, _label(self))

    @property
    def typed(self) -> dict[str, str]:
        """What each box shows: what was sent, else the date (a view may set it after the form is made)."""
        if self._posted is not None:
            return self._posted
        if isinstance(self.data, date):
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        return dict.fromkeys(self.PARTS, "")

    def pre_validate(self, form):
        if self._problem:
            message, self.error_parts = self._problem
            raise StopValidation(message)
        if self.data is not None and (problem := planning.date_problem(self.data, _label(self))):
            raise StopValidation(problem)

    @property
    def hint(self) -> str:
        example = f"For example, {self.example}"
        return f"{self.description} {example}" if self.description else example

    @property
    def error_anchor(self) -> str:
        """The box the error summary links to: the first one at fault."""
        return f"{self.id}-{(self.error_parts or self.PARTS)[0]}"


def _read_date(typed: dict[str, str], label: str) -> tuple[date | None, tuple[str, tuple[str, ...]] | None]:
    """The date the three boxes hold, or what is wrong and in which boxes, in the NHS.UK
    order: missing parts first, then parts that are not numbers, then dates that cannot be."""
    if not any(typed.values()):
        return None, None
    missing = tuple(p for p, v in typed.items() if not v)
    if missing:
        return None, (f"{label} must include a {' and '.join(missing)}", missing)
    not_numbers = tuple(p for p, v in typed.items() if not re.fullmatch(r"[0-9]+", v))
    if not_numbers:
        return None, (f"{label} must be a number", not_numbers)
    # A year of 2 digits is not guessed at; a run of zeros is not read (int() refuses 4,300 digits).
    limits = {"day": 31, "month": 12, "year": 9999}
    wrong = tuple(p for p, high in limits.items()
                  if len(typed[p]) > 4 or not 1 <= int(typed[p]) <= high or (p == "year" and len(typed[p]) != 4))
    if wrong:
        return None, (f"{label} must be a real date", wrong)
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"])), None
    except ValueError:  # 31 2 2027: a day the month does not have
        return None, (f"{label} must be a real date", ("day",))


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
