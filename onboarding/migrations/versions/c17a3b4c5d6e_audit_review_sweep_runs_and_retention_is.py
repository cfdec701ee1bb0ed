"""sweep runs (metrics, readiness) and anonymised plans (retention): issue 17 part B

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
    # One row per daily nudge sweep: metrics and /health/ready read the last completed one.
    op.create_table(
        'sweep_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('swept_for', sa.Date(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('recorded', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('emails', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.CheckConstraint("outcome IN ('running', 'completed', 'failed')", name=op.f('ck_sweep_run_outcome_allowed')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_run')),
    )
    op.create_index('ix_sweep_run_outcome_finished', 'sweep_run', ['outcome', 'finished_at'], unique=False)
    # When the retention run anonymised a closed plan (plans.retention).
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    op.drop_index('ix_sweep_run_outcome_finished', table_name='sweep_run')
    op.drop_table('sweep_run')
