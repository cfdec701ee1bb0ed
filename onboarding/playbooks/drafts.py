"""HR's playbook drafts: many edits kept between requests, then one publish or a discard.

A draft holds a whole PlaybookContent (``PlaybookDraft.content``). It starts from the
latest version of a playbook (one draft per playbook), from a copy of another playbook,
from a few answers for a new playbook, or from an uploaded file. Edits (``change``) go
through the functions in ``editor`` and need not make a valid playbook yet; publishing
runs the YAML validator and makes exactly one new version, audited, and deletes the draft.
Plans keep the version they are on. Callers commit.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from .. import playbooks
from ..extensions import db
from ..models import Playbook, PlaybookDraft, PlaybookVersion, User
from ..models.base import utcnow
from ..people import audit
from . import PlaybookContent, PlaybookError, Problem, editor
from .diff import Diff, diff
from .editor import EditorError
from .parsing import KEY_RE, MAX_WEEKS

# The first milestone of a new playbook: HR changes it in the draft.
FIRST_MILESTONE = {"category": "induction_governance", "owner": "leader", "week": 1, "required": True}


def get(draft_id: int, lock: bool = False) -> PlaybookDraft | None:
    """A draft by id; ``lock`` holds its row until commit (PostgreSQL; SQLite serialises
    writers anyway), so two HR edits at once apply one after the other, neither lost."""
    query = sa.select(PlaybookDraft).where(PlaybookDraft.id == draft_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def of_playbook(playbook: Playbook) -> PlaybookDraft | None:
    return db.session.scalar(sa.select(PlaybookDraft).where(PlaybookDraft.playbook_id == playbook.id))


def listing() -> list[PlaybookDraft]:
    """Every draft, oldest first."""
    return list(db.session.scalars(sa.select(PlaybookDraft).order_by(PlaybookDraft.id)))


def content(draft: PlaybookDraft) -> PlaybookContent:
    """The draft's content, a copy that may be changed freely."""
    return PlaybookContent(**copy.deepcopy(draft.content))


def playbook_of(draft: PlaybookDraft) -> Playbook | None:
    return db.session.get(Playbook, draft.playbook_id) if draft.playbook_id else None


def base_version(draft: PlaybookDraft) -> PlaybookVersion | None:
    """What the draft started from: the playbook's version, or the one copied (None: new)."""
    return db.session.get(PlaybookVersion, draft.base_version_id) if draft.base_version_id else None


def author(draft: PlaybookDraft) -> User | None:
    return db.session.get(User, draft.created_by_id) if draft.created_by_id else None


def published_since(draft: PlaybookDraft) -> PlaybookVersion | None:
    """A version of the draft's playbook published after the draft began (an upload, or a
    file loaded): publishing the draft would undo it, so it is refused."""
    playbook = playbook_of(draft)
    latest = playbook.latest if playbook else None
    return latest if latest is not None and latest.id != draft.base_version_id else None


def changes(draft: PlaybookDraft) -> Diff:
    """The draft against the playbook's latest version (for a copy, the version copied)."""
    playbook = playbook_of(draft)
    against = playbook.latest if playbook else base_version(draft)
    return diff(playbooks.content_of(against) if against else None, content(draft))


def problems(draft: PlaybookDraft) -> list[Problem]:
    """What the validator would refuse in the draft now."""
    return editor.validate(content(draft))[1]


_WHERE = re.compile(r"^(milestone|phase) '([a-z0-9-]+)'")


def locate(problem: Problem) -> tuple[str, str | None]:
    """Where in the draft a validator problem is: ("milestone", key), ("phase", None) or ("details", None)."""
    found = _WHERE.match(problem.message)
    if found:
        return found.group(1), found.group(2)
    return ("phase", None) if problem.message.startswith("phase") else ("details", None)


def _stored(content: PlaybookContent) -> dict:
    return content.as_dict() | {"nudges": content.nudges}


def _save(draft: PlaybookDraft, content: PlaybookContent) -> None:
    draft.content = _stored(content)
    flag_modified(draft, "content")


# Saves that meet another one at the same moment and try again (see change).
ATTEMPTS = 5


def change(draft: PlaybookDraft, edit: Callable[[PlaybookContent], None]) -> None:
    """Apply one edit to the draft (EditorError: nothing changes).

    The save is conditional on the draft being as it was read, so two HR users saving at the
    same moment never overwrite each other: the later one reads the draft again and applies its
    edit to the other's result. (PostgreSQL waits on the row lock of ``get(lock=True)``; SQLite
    takes no row locks, so there the condition is what catches it.)"""
    for _ in range(ATTEMPTS):
        seen = draft.updated_at
        current = content(draft)
        edit(current)
        saved = db.session.execute(
            sa.update(PlaybookDraft).where(PlaybookDraft.id == draft.id, PlaybookDraft.updated_at == seen)
            .values(content=_stored(current), updated_at=utcnow()).execution_options(synchronize_session=False))
        db.session.refresh(draft)
        if saved.rowcount == 1:
            return
    raise EditorError("Someone else is changing this draft at the same moment; try again", "draft")


def _slug_taken(slug: str) -> bool:
    if playbooks.get_playbook(slug) is not None:
        return True
    return any(d.content.get("slug") == slug for d in listing() if d.playbook_id is None)


def _check_slug(slug: str) -> None:
    if not KEY_RE.match(slug):
        raise EditorError("Use lower-case letters, digits and hyphens for the slug", "slug")
    if _slug_taken(slug):
        raise EditorError(f"There is already a playbook or a draft with the slug '{slug}'", "slug")


def _new_draft(content: PlaybookContent, user, playbook=None, base=None) -> PlaybookDraft:
    draft = PlaybookDraft(playbook_id=getattr(playbook, "id", None), base_version_id=getattr(base, "id", None),
                          created_by_id=getattr(user, "id", None), content={})
    _save(draft, content)
    db.session.add(draft)
    db.session.flush()
    return draft


def start(playbook: Playbook, user, remote_addr=None) -> tuple[PlaybookDraft, bool]:
    """The playbook's draft, begun from its latest version if it has none: (draft, created).
    Call it before anything else in the transaction (see the conflict below)."""
    existing = of_playbook(playbook)
    if existing is not None:
        return existing, False
    try:
        draft = _new_draft(editor.draft(playbook.latest), user, playbook, playbook.latest)
    except sa.exc.IntegrityError:
        # Another HR user began one at the same moment (one draft per playbook): theirs it is.
        # The conflict ends the transaction, which holds nothing else at the start of a request.
        db.session.rollback()
        return of_playbook(playbook), False
    audit.record(user, "playbook.draft_start", playbook, remote_addr, slug=playbook.slug,
                 version=playbook.latest.number)
    return draft, True


def _key_from(title: str, fallback: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return key if KEY_RE.match(key) else fallback


def create(slug: str, title: str, weeks: int, phase_title: str, milestone_title: str, user,
           remote_addr=None) -> PlaybookDraft:
    """A draft of a new playbook: one phase with one milestone in week 1, to build on."""
    _check_slug(slug)
    if not 1 <= weeks <= MAX_WEEKS:
        raise EditorError(f"Enter a length from 1 to {MAX_WEEKS} weeks", "weeks")
    phase_key = _key_from(phase_title, "phase-1")
    milestone = FIRST_MILESTONE | {"key": _key_from(milestone_title, "milestone-1"), "title": milestone_title,
                                   "phase": phase_key}
    content = PlaybookContent(slug=slug, title=title.strip(), description="", weeks=weeks,
                              phases=[{"key": phase_key, "title": phase_title.strip(), "description": ""}],
                              milestones=[])
    editor.add_milestone(content, milestone)
    draft = _new_draft(content, user)
    audit.record(user, "playbook.draft_new", draft, remote_addr, slug=slug)
    return draft


def copy_of(version: PlaybookVersion, slug: str, title: str, user, remote_addr=None) -> PlaybookDraft:
    """A draft of a new playbook that starts as a copy of ``version``."""
    _check_slug(slug)
    content = editor.draft(version)
    content.slug, content.title = slug, title.strip()
    draft = _new_draft(content, user, base=version)
    audit.record(user, "playbook.draft_copy", draft, remote_addr, slug=slug,
                 copied_from=version.playbook.slug, version=version.number)
    return draft


def from_upload(content: PlaybookContent, user, remote_addr=None, filename: str = "") -> PlaybookDraft:
    """An uploaded (already validated) file as a draft, to review its changes before publishing."""
    playbook = playbooks.get_playbook(content.slug)
    if playbook is None:
        _check_slug(content.slug)
        draft = _new_draft(content, user)
    else:
        if of_playbook(playbook) is not None:
            raise EditorError(f"'{content.slug}' already has a draft: publish or discard it first", "file")
        draft = _new_draft(content, user, playbook, playbook.latest)
    audit.record(user, "playbook.draft_upload", draft, remote_addr, slug=content.slug, file=filename)
    return draft


def publish(draft: PlaybookDraft, user, remote_addr=None) -> tuple[PlaybookVersion, bool]:
    """Validate the draft, store it as one new version and delete the draft; (version, created).

    PlaybookError with the validator's problems, or EditorError when a version was published
    since the draft began or its new slug was taken meanwhile: nothing is written either way."""
    current = content(draft)
    checked, found = editor.validate(current)
    if found:
        raise PlaybookError(found)
    newer = published_since(draft)
    if newer is not None:
        raise EditorError(f"Version {newer.number} was published after this draft began; publishing the draft would "
                          "undo it. Discard the draft and start again from the latest version.", "draft")
    if draft.playbook_id is None and playbooks.get_playbook(checked.slug) is not None:
        raise EditorError(f"A playbook with the slug '{checked.slug}' was published meanwhile", "draft")
    summary = changes(draft).summary()
    _delete(draft, "published")
    version, created = playbooks.publish(checked, user)
    if created:
        audit.record(user, "playbook.publish", version.playbook, remote_addr, slug=checked.slug,
                     version=version.number, new_playbook=version.number == 1, **summary)
    db.session.flush()
    return version, created


def _delete(draft: PlaybookDraft, doing: str) -> None:
    """Delete the draft as it was read, first thing in the transaction: a second click (or a
    change saved meanwhile) finds nothing to delete and is refused, so a draft is published
    or discarded once, as it was checked."""
    gone = db.session.execute(sa.delete(PlaybookDraft).where(
        PlaybookDraft.id == draft.id, PlaybookDraft.updated_at == draft.updated_at).execution_options(synchronize_session=False))
    if gone.rowcount != 1:
        raise EditorError(f"The draft was changed, published or discarded at the same moment, so it was not {doing}; "
                          "check it again", "draft")
    db.session.expunge(draft)


def discard(draft: PlaybookDraft, user, remote_addr=None) -> None:
    _delete(draft, "discarded")
    audit.record(user, "playbook.draft_discard", draft, remote_addr, slug=draft.content.get("slug"))
    db.session.flush()
