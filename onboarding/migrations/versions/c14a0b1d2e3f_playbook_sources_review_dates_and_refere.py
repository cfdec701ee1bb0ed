"""playbook sources, review dates and reference documents (issue 14)

Revision ID: c14a0b1d2e3f
Revises: e1e5c3948d1f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14a0b1d2e3f'
down_revision = 'e1e5c3948d1f'
branch_labels = None
depends_on = None


def upgrade():
    # A milestone template's public sources; a version's review month and next reviewer.
    with op.batch_alter_table('milestone_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=True))
    with op.batch_alter_table('playbook_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('next_review_by', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('playbook_version', schema=None) as batch_op:
        batch_op.drop_column('next_review_by')
        batch_op.drop_column('reviewed')
    with op.batch_alter_table('milestone_template', schema=None) as batch_op:
        batch_op.drop_column('sources')
