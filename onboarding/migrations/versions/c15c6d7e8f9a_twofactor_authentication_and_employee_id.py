"""two-factor authentication and employee identifiers (issue 15)

Revision ID: c15c6d7e8f9a
Revises: c15a1b2c3d4e
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15c6d7e8f9a'
down_revision = 'c15a1b2c3d4e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
