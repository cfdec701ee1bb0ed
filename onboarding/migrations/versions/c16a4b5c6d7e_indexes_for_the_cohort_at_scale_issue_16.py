"""indexes for the cohort at scale (issue 16)

Revision ID: c16a4b5c6d7e
Revises: c17b8c9d0e1f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c16a4b5c6d7e'
down_revision = 'c17b8c9d0e1f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
