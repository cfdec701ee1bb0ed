"""sweep runs, metrics and retention (issue 17)

Revision ID: c17a3b4c5d6e
Revises: c15b2c3d4e5f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c17a3b4c5d6e'
down_revision = 'c15b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
