"""audit review indexes and subject access (issue 17)

Revision ID: c17b8c9d0e1f
Revises: c17a3b4c5d6e
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c17b8c9d0e1f'
down_revision = 'c17a3b4c5d6e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
