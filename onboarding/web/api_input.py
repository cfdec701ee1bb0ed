"""Read what an API client sent: decode the JSON body, validate it (or the query string) with
its model from api_models, and word the first problem for a person, naming the field.

Free of Flask: the view passes in the raw body or the query arguments.
"""
from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

# Bodies are flat objects with at most a list inside; anything deeper is refused before use.
MAX_JSON_DEPTH = 8
MAX_NAME = 40  # of an unknown field's name quoted back

# Pydantic's error types (and api_models' own) -> the message; {label} is the field's title,
# else its name. The rest of the context comes from the error.
MESSAGES = {
    "missing": "{label} is required",
    "string_type": "{label} must be a string",
    "int_type": "{label} must be a whole number",
    "string_too_long": "{label} must be {max_length} characters or fewer",
    "unstorable": "{label} must not contain control characters such as NUL, or lone surrogates",
    "not_a_date": "{name} {value!r} is not a date in the form YYYY-MM-DD",
    "web_link": "{label} must be a web address starting with http:// or https://",
    "day_names": "{label} must be a list or a comma-separated string of day names such as mon",
    "whole_number_between": "{label} must be a whole number from {low} to {high}",
    "literal_error": "{label} must be one of {choices}",
    "domain_rule": "{problem}",  # a planning rule's own words
}
Model = TypeVar("Model", bound=BaseModel)


class InputError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class BodyError(ValueError):
    """A body that is not JSON the API can read at all (answered 400, not 422)."""


def decode(raw: bytes) -> Any:
    """The JSON value of a request body. Raises BodyError when it is not valid JSON or is
    nested deeper than MAX_JSON_DEPTH (the decoder would otherwise recurse to a crash)."""
    too_deep = f"The request body is nested more than {MAX_JSON_DEPTH} levels deep"
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BodyError(too_deep) from None
    except ValueError:
        raise BodyError("The request body is not valid JSON") from None
    containers, depth = [data], 0
    while containers := [v for v in containers if isinstance(v, (dict, list))]:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise BodyError(too_deep)
        containers = [child for v in containers for child in (v.values() if isinstance(v, dict) else v)]
    return data


def parse(model: type[Model], data: Any, where: str = "field") -> Model:
    """``data`` validated by ``model``; raises InputError naming the first field at fault
    (``where`` says what its fields are called: "field" of a body, "query parameter")."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    # An unknown name first: it may explain the others (a misspelt required field).
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    if not error["loc"]:
        raise InputError("the request body must be a JSON object")
    name = str(error["loc"][0])
    if error["type"] == "extra_forbidden":
        name = name if len(name) <= MAX_NAME else name[:MAX_NAME - 1] + "…"
        raise InputError(f"unknown {where} {name!r}; expected {', '.join(model.model_fields)}", name)
    raise InputError(_message(model, name, error), name)


def _message(model: type[BaseModel], name: str, error: dict) -> str:
    kind = error["type"]
    if kind.endswith("_type") and error["input"] is None:
        kind = "missing"  # null for a field that must have a value
    label = model.model_fields[name].title or name
    context = error.get("ctx") or {}
    choices = str(context.get("expected", "")).replace("'", "")
    template = MESSAGES.get(kind, "{label} is not valid")
    return template.format(label=label, name=name, choices=choices, **context)
