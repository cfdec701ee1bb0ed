"""Playbooks in the database: load files as immutable versions, publish edits, read them back.

The format itself (YAML with line numbers, validation, export) is in ``playbook_format``;
its public names are re-exported here so callers need one module. Nothing is written
unless every file is valid.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

from .content import PlaybookContent, PlaybookError, Problem, to_yaml  # noqa: F401 (re-exported)
from .parsing import MAX_PROBLEMS, default_paths, parse_file, parse_files, parse_text  # noqa: F401 (re-exported)
from .sources import date_words


def content_of(version) -> PlaybookContent:
    """The content a stored version was made from."""
    return PlaybookContent(
        slug=version.playbook.slug,
        title=version.title,
        description=version.description,
        weeks=version.weeks,
        phases=[dict(p) for p in version.phases],
        milestones=[t.playbook_content() for t in version.templates],
        nudges=dict(version.nudges or {}),
        pulses=None if version.pulses is None else list(version.pulses),
        reviewed=version.reviewed or "",
        next_review_by=version.next_review_by or "",
    )


def publish(content: PlaybookContent, user=None):
    """Store ``content`` as the playbook's newest version unless it is unchanged.

    Returns (version, created). The caller commits.
    """
    from ..extensions import db
    from ..models import MilestoneTemplate, Playbook, PlaybookVersion

    playbook = db.session.scalar(db.select(Playbook).filter_by(slug=content.slug))
    if playbook is None:
        playbook = Playbook(slug=content.slug)
        db.session.add(playbook)
        db.session.flush()
    latest = playbook.latest
    digest = content.content_hash
    if latest is not None and latest.content_hash == digest:
        return latest, False
    version = PlaybookVersion(
        playbook=playbook,
        number=(latest.number + 1) if latest else 1,
        content_hash=digest,
        title=content.title,
        description=content.description,
        weeks=content.weeks,
        phases=content.phases,
        nudges=content.nudges,
        pulses=content.as_dict().get("pulses"),  # None for the default
        reviewed=content.reviewed or None,
        next_review_by=content.next_review_by or None,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(version)
    for position, m in enumerate(content.milestones):
        db.session.add(MilestoneTemplate(version=version, position=position, **m))
    db.session.flush()
    return version, True


class Loaded(NamedTuple):
    """What loading one file did: the playbook's version afterwards and a line for the operator."""

    slug: str
    number: int
    created: bool
    message: str


def _app_edits_since_file(playbook) -> list:
    """Versions HR published in the app (created_by set) after the last one loaded from a file."""
    edits = []
    for version in playbook.versions:
        if version.created_by_id is None:
            edits = []
        else:
            edits.append(version)
    return edits


def _load_one(content: PlaybookContent, keep_app_edits: bool) -> Loaded:
    playbook = get_playbook(content.slug)
    latest = playbook.latest if playbook else None
    if latest is not None and latest.content_hash == content.content_hash:
        return Loaded(content.slug, latest.number, False, f"{content.slug}: unchanged at version {latest.number}")
    edits = _app_edits_since_file(playbook) if playbook else []
    if keep_app_edits and edits:
        return Loaded(content.slug, latest.number, False, f"{content.slug}: edited in the app since; file not loaded")
    earlier = next((v for v in (playbook.versions if playbook else []) if v.content_hash == content.content_hash), None)
    if keep_app_edits and earlier is not None:
        # A deploy must not roll a playbook back to content it has already moved on from.
        return Loaded(content.slug, latest.number, False,
                      f"{content.slug}: same as earlier version {earlier.number}; file not loaded")
    version, _ = publish(content)
    message = f"{content.slug}: loaded as version {version.number}"
    if edits:
        numbers = ", ".join(str(v.number) for v in edits)
        message += f", replacing what HR published in the app (version {numbers})"
    return Loaded(content.slug, version.number, True, message)


def load(paths: Iterable[str | Path], keep_app_edits: bool = False) -> list[Loaded]:
    """Validate every file, then store them all in one transaction.

    With ``keep_app_edits`` (what ``onboarding init`` does on each deploy) a file is
    loaded only if its exact content was never a version of its playbook and HR has
    published nothing in the app since the last file was loaded. Without it (an explicit
    ``playbooks load``) any changed content becomes the newest version, and the message
    says when that replaces edits made in the app.

    Raises PlaybookError (and writes nothing) if any file is invalid.
    """
    from ..extensions import db

    contents, problems = parse_files(paths)
    if problems:
        raise PlaybookError(problems)
    try:
        results = [_load_one(content, keep_app_edits) for content in contents]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return results


def sources_of(milestone) -> list[dict]:
    """The public sources of a plan's milestone: its plan's playbook version's milestone of the
    same key (a rebase moves the plan to another version, and its sources with it). A milestone
    added to one plan has none."""
    from ..extensions import db
    from ..models import MilestoneTemplate

    if milestone.added:
        return []
    sources = db.session.scalar(sa.select(MilestoneTemplate.sources).where(
        MilestoneTemplate.version_id == milestone.plan.playbook_version_id, MilestoneTemplate.key == milestone.key))
    return [s | {"when": date_words(s.get("date") or "")} for s in sources or []]


def get_playbook(slug: str):
    from ..extensions import db
    from ..models import Playbook

    return db.session.scalar(db.select(Playbook).filter_by(slug=slug))
