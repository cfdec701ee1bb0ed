"""The employee identifiers' form, on HR's user page and each plan's admin page
(people.identifiers judges the values)."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import Length

from ..people import identifiers
from .forms import Form


class IdentifiersForm(Form):
    esr_number = StringField("ESR assignment number (optional)", description=identifiers.ESR_HINT + ".",
                             validators=[Length(max=40, message="Enter the ESR assignment number as " + identifiers.ESR_HINT)])
    external_id = StringField("External id (optional)", description=identifiers.EXTERNAL_HINT + ".",
                              validators=[Length(max=identifiers.EXTERNAL_MAX,
                                                 message=f"External id must be {identifiers.EXTERNAL_MAX} characters or fewer")])


def for_object(obj, prefix: str = "ids") -> IdentifiersForm:
    """The form filled with a user's or plan's identifiers."""
    return IdentifiersForm(prefix=prefix, formdata=None, **identifiers.as_dict(obj))
