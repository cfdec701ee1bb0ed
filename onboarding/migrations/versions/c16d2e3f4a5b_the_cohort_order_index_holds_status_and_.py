"""The cohort's order index also holds status and next_open_due (issue 16)

Revision ID: c16d2e3f4a5b
Revises: c16c8d9e0f1a
Create Date: 2026-11-27 21:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c16d2e3f4a5b'
down_revision = 'c16c8d9e0f1a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index("ix_plan_start_id_status_due", ["start_date", "id", "status", "next_open_due"],
                              unique=False)
        batch_op.drop_index("ix_plan_start_id")


def downgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index("ix_plan_start_id", ["start_date", "id"], unique=False)
        batch_op.drop_index("ix_plan_start_id_status_due")
