"""The reference files kept beside the playbooks: the glossary and the who's who in NHS digital.
``onboarding playbooks validate playbooks/*.yaml`` checks them by their own rules, and loading
playbooks leaves them out (they are not playbooks)."""
from __future__ import annotations

from pathlib import Path

from .content import Problem

FILES = ("glossary.yaml", "whos-who.yaml")


def is_reference(path: str | Path) -> bool:
    return Path(path).name in FILES


def check_file(path: str | Path) -> list[Problem]:
    """``onboarding playbooks validate`` on a reference file: its problems, by its name's rules."""
    from . import glossary, whos_who  # both read YAML with the playbook format's loader, which imports this

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(path), 1, f"cannot read file: {exc}")]
    return (glossary if Path(path).name == "glossary.yaml" else whos_who).parse_text(text, str(path))[1]
