"""who's who reference document uploaded by HR (issue 14)

Revision ID: c14b5c6d7e8f
Revises: c14a0b1d2e3f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c14b5c6d7e8f'
down_revision = 'c14a0b1d2e3f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
