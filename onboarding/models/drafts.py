"""Unpublished playbook edits."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class PlaybookDraft(db.Model):
    """HR's unpublished edits to a playbook (or a new one): many changes, one new version when
    published. The content is a PlaybookContent as a dict."""

    __tablename__ = "playbook_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a playbook that does not exist yet; one draft per playbook.
    playbook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("playbook.id"), unique=True)
    base_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("playbook_version.id"))
    content: Mapped[dict] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
