"""URL converters that keep bad path values away from the database: such a URL matches
no route, so it is a 404 like any other missing page, instead of an overflow or a NUL
that the database refuses (a 500)."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from ..models import MAX_ID


class IdConverter(IntegerConverter):
    """<int:...>: ASCII digits, 1 to MAX_ID (int() of a 5,000-digit string would fail too)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, 1 if min is None else min, MAX_ID if max is None else max, signed)


class TextConverter(UnicodeConverter):
    """<...> and <string:...>: one path segment without NUL or other control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def init_app(app: Flask) -> None:
    """Register before any route is added: rules pick their converters when added."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)
