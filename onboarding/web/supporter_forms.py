"""Forms for a plan's supporters: HR names one (people picker and role), the leader
nominates a peer mentor by name and email. The domain (plans.supporters) checks again."""
from __future__ import annotations

from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from ..plans import supporters
from .forms import Form
from .hr_forms import EMAIL, PERSON_HINT, opts


class SupporterForm(Form):
    person = StringField("Person", description=PERSON_HINT,
                         validators=[DataRequired("Enter the supporter's email address, or choose them from the list"),
                                     Length(max=254)])
    role = RadioField("Role on this plan", choices=opts(supporters.LABELS.items()),
                      validators=[DataRequired("Choose buddy, executive assistant or peer mentor")])


class PeerMentorForm(Form):
    name = StringField("Full name", description="Used if they are new to this service",
                       validators=[DataRequired("Enter your peer mentor's name"),
                                   Length(max=120, message="Name must be 120 characters or fewer")])
    email = StringField("Email address", description="We invite them by email if they are new to this service",
                        validators=[DataRequired("Enter your peer mentor's email address"), Length(max=254), EMAIL])
