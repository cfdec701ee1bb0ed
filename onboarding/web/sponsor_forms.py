"""The check-in form. The rules live in onboarding/checkins.py; the form parses the
input and carries the messages back to the fields."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..plans.checkins import MAX_TEXT, RAG_LABELS, CheckInInput
from .forms import PAST_EXAMPLE, DateInputField, Form


class CheckInForm(Form):
    held_on = DateInputField("Date of the check-in", validators=[Optional()],
                             description="Today or an earlier date.", example=PAST_EXAMPLE)
    rag = RadioField(
        "How is the leader doing overall?",
        choices=[SelectChoice(value, label) for value, label in RAG_LABELS.items()],
        validate_choice=False,  # checkins.validate says what is wrong, in plain words
        validators=[Optional()],
        description="Red: at risk and needs help now. Amber: some concerns. Green: on track.",
    )
    summary = TextAreaField(
        "Summary",
        description=f"Shared with the leader: they can read this. Up to {MAX_TEXT} characters.",
    )
    private_note = TextAreaField(
        "Private note (optional)",
        description=f"Only you and HR can read this; the leader and mentor cannot. Up to {MAX_TEXT} characters.",
    )
    actions = TextAreaField(
        "Actions (optional)",
        description=f"What each of you will do before the next check-in. Shared with the leader. Up to {MAX_TEXT} characters.",
    )
    next_checkin_on = DateInputField("Date of the next check-in (optional)", validators=[Optional()],
                                     description="After the date of this check-in.")
    # Random per rendered form: posting the same form twice logs one check-in (checkins.log_once).
    request_key = HiddenField()

    def to_input(self) -> CheckInInput:
        return CheckInInput(
            held_on=self.held_on.data,
            rag=self.rag.data or None,
            summary=self.summary.data,
            private_note=self.private_note.data,
            actions=self.actions.data,
            next_checkin_on=self.next_checkin_on.data,
        )

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [message]
            else:
                self.form_errors.append(message)

    def parse_errors(self) -> dict[str, str]:
        """What the fields themselves found (call after validate()): dates that are incomplete or
        not real (the NHS.UK date input's messages), text with control characters (storable_text)."""
        found = {}
        for field in (self.held_on, self.next_checkin_on, self.summary, self.private_note, self.actions):
            if field.errors:
                found[field.name] = field.errors[0]
        return found

    @property
    def csrf_failed(self) -> bool:
        return bool(getattr(self, "csrf_token", None) is not None and self.csrf_token.errors)


class PrepareForm(Form):
    """The leader's agenda and reflection for their next check-in (checkin_leader.prepare)."""

    leader_agenda = TextAreaField(
        "What you want to talk about (optional)",
        description=f"Your agenda: one item a line. Up to {MAX_TEXT} characters.",
    )
    leader_reflection = TextAreaField(
        "How it is going for you (optional)",
        description=f"What has gone well, what has been hard, where you want support. Up to {MAX_TEXT} characters.",
    )


class RespondForm(Form):
    """The leader's side after a check-in (checkin_leader.respond); prefixed per check-in."""

    acknowledge = BooleanField("I have read this check-in")
    leader_response = TextAreaField(
        "Your comments on the check-in and its actions (optional)",
        description=f"Your sponsor and HR can read this. Up to {MAX_TEXT} characters.",
    )


class ActionsForm(Form):
    """A tick box per agreed action (checkin_leader.mark_actions); prefixed per check-in. The
    choices are the check-in's action lines, judged by the domain, not by WTForms."""

    done = SelectMultipleField("Done", choices=[], validate_choice=False)


def for_checkin(form, checkin_id: int):
    """One check-in's copy of a form on a page of several: the same field names (what is posted
    says which check-in through the address), ids of its own (labels, the error summary's links)."""
    form.checkin_id = checkin_id
    for f in form:
        f.id = f"checkin-{checkin_id}-{f.name}"
    return form


def add_errors(form, errors: dict[str, str]) -> None:
    """Put the domain's messages on the fields they name, the rest above the form."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [message]
        else:
            form.form_errors.append(message)
