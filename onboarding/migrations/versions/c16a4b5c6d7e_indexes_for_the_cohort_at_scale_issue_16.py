"""indexes for the cohort at scale (issue 16)

Revision ID: c16a4b5c6d7e
Revises: c17b8c9d0e1f
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c16a4b5c6d7e'
down_revision = 'c17b8c9d0e1f'
branch_labels = None
depends_on = None


# The cohort's order with and without its filters, and "plans with an overdue milestone" read
# from an index of open milestones (the cohort's overdue filter and its count) instead of a
# probe per plan.
PLAN_INDEXES = (
    ("ix_plan_start_id", ["start_date", "id"]),
    ("ix_plan_status_start_id", ["status", "start_date", "id"]),
    ("ix_plan_version_start_id", ["playbook_version_id", "start_date", "id"]),
)


def upgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        for name, columns in PLAN_INDEXES:
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_open_due_plan", ["due_date", "plan_id"], unique=False,
                              postgresql_where=sa.text("status = 'todo'"), sqlite_where=sa.text("status = 'todo'"))


def downgrade():
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_open_due_plan")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        for name, _ in reversed(PLAN_INDEXES):
            batch_op.drop_index(name)
