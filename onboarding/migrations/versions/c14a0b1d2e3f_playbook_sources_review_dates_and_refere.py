"""playbook sources, review dates and reference documents (issue 14)

Revision ID: c14a0b1d2e3f
Revises: e1e5c3948d1f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c14a0b1d2e3f'
down_revision = 'e1e5c3948d1f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
