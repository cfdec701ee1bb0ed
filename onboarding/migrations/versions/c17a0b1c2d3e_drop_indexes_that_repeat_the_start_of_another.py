"""Drop the indexes that repeat the first columns of another index on the same table

Each was kept up to date on every write but spared no read: a query on its columns uses the
longer index (or unique constraint) that begins with them, as it does for a foreign key's checks.

Revision ID: c17a0b1c2d3e
Revises: c16d2e3f4a5b
Create Date: 2026-11-27 23:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c17a0b1c2d3e'
down_revision = 'c16d2e3f4a5b'
branch_labels = None
depends_on = None

# (table, index, its columns): each the start of a longer index or unique constraint.
REPEATS = [
    ("playbook_version", "ix_playbook_version_playbook_id", ["playbook_id"]),  # uq (playbook_id, number)
    ("milestone_template", "ix_milestone_template_version_id", ["version_id"]),  # uq (version_id, key)
    ("plan", "ix_plan_status", ["status"]),  # ix (status, start_date, id), ix (status, next_open_due)
    ("plan", "ix_plan_playbook_version_id", ["playbook_version_id"]),  # ix (playbook_version_id, start_date, id)
    ("plan_supporter", "ix_plan_supporter_plan_id", ["plan_id"]),  # uq (plan_id, user_id, role)
    ("pulse", "ix_pulse_plan_id", ["plan_id"]),  # uq (plan_id, key)
    ("hook_post", "ix_hook_post_endpoint_id", ["endpoint_id"]),  # uq (endpoint_id, event_id)
    ("nudge", "ix_nudge_recipient_id", ["recipient_id"]),  # uq (recipient_id, kind, subject_type, ...)
]


def upgrade():
    for table, index, _ in REPEATS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)


def downgrade():
    for table, index, columns in REPEATS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index, columns, unique=False)
