"""plan.next_open_due: the cohort's overdue filter from an index (issue 16)

Revision ID: c16c8d9e0f1a
Revises: c16a4b5c6d7e
Create Date: 2026-11-27 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c16c8d9e0f1a'
down_revision = 'c16a4b5c6d7e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_open_due", sa.Date(), nullable=True))
        batch_op.create_index("ix_plan_status_next_open_due", ["status", "next_open_due"], unique=False)
    # Every existing plan's earliest open due date, as plans/next_due.py keeps it from now on.
    op.execute("UPDATE plan SET next_open_due = (SELECT min(m.due_date) FROM milestone m "
               "WHERE m.plan_id = plan.id AND m.status = 'todo')")


def downgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_status_next_open_due")
        batch_op.drop_column("next_open_due")
