"""single sign-on: OpenID Connect subjects (issue 15)

Revision ID: c15a1b2c3d4e
Revises: c14b5c6d7e8f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c15a1b2c3d4e'
down_revision = 'c14b5c6d7e8f'
branch_labels = None
depends_on = None


def upgrade():
    # Added columns and a unique index: SQLite needs no table rebuild for either.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_user_oidc_subject', ['oidc_issuer', 'oidc_subject'], unique=True)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_oidc_subject')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
