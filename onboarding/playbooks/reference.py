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
    """The problems of a reference file, by its name."""
    from . import glossary, whos_who  # both read YAML with the playbook format's loader

    return (glossary if Path(path).name == "glossary.yaml" else whos_who).check_file(path)
