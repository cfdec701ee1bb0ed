"""Text the databases can store, one rule for forms, the API and playbook files.

PostgreSQL refuses NUL, a lone surrogate cannot be encoded as UTF-8, and the other
control characters have no place in names, notes or playbooks (tab and line breaks do).
"""
from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None
