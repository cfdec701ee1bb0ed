"""who's who reference document uploaded by HR (issue 14)

Revision ID: c14b5c6d7e8f
Revises: c14a0b1d2e3f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14b5c6d7e8f'
down_revision = 'c14a0b1d2e3f'
branch_labels = None
depends_on = None


def upgrade():
    # HR's uploads of the who's who in NHS digital: one row per upload, the newest in use.
    op.create_table('reference_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('whos_who')", name=op.f('ck_reference_document_kind_allowed')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_reference_document_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_document'))
    )
    with op.batch_alter_table('reference_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_document_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('reference_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reference_document_kind'))
    op.drop_table('reference_document')
