"""Reference documents HR uploads to replace a shipped one (the who's who in NHS digital)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import one_of, utcnow

REFERENCE_KINDS = ("whos_who",)


class ReferenceDocument(db.Model):
    """One upload of a reference document, kept whole as the YAML HR sent; the newest of a kind
    is the one in use, the older ones say what it was before."""

    __tablename__ = "reference_document"
    __table_args__ = (one_of("kind", REFERENCE_KINDS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    content: Mapped[str] = mapped_column(sa.Text)
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
