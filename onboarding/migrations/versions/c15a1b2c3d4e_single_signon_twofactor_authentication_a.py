"""single sign-on: OpenID Connect subjects (issue 15)

Revision ID: c15a1b2c3d4e
Revises: c14b5c6d7e8f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15a1b2c3d4e'
down_revision = 'c14b5c6d7e8f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
