"""check constraints on every status column

Revision ID: d2c2c34d02c6
Revises: 9531b65b0f9b
Create Date: 2026-11-27 10:18:19.895862

Autogenerate does not see CHECK constraints, so these are written out by hand. The
values are copied from the tuples in models.py at the time of writing (a migration
must not change when the models do). Milestone "skipped" is gone (nothing could set
it); nudge "sending" is new (a delivery run's claim).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd2c2c34d02c6'
down_revision = '9531b65b0f9b'
branch_labels = None
depends_on = None

OWNER_ROLES = ("leader", "sponsor", "mentor", "hr")
CATEGORIES = ("stakeholder_mapping", "clinician_interviews", "goal_alignment", "induction_governance",
              "culture_inclusion", "peer_mentoring")

# table -> [(column, allowed values)]; constraint names follow the metadata's naming
# convention: ck_<table>_<column>_allowed.
CHECKS = {
    "user": [("nudge_mode", ("all", "digest", "mute"))],
    "milestone_template": [("owner", OWNER_ROLES), ("category", CATEGORIES)],
    "plan": [("status", ("active", "paused", "completed", "withdrawn"))],
    "milestone": [("status", ("todo", "done")), ("owner", OWNER_ROLES), ("category", CATEGORIES)],
    "stakeholder": [("stance", ("champion", "supporter", "neutral", "sceptic", "opponent"))],
    "goal": [("status", ("not_started", "on_track", "at_risk", "achieved", "dropped"))],
    "checkin": [("rag", ("red", "amber", "green"))],
    "nudge": [("status", ("pending", "sending", "sent", "failed", "skipped"))],
}


def _name(table: str, column: str) -> str:
    return op.f(f"ck_{table}_{column}_allowed")


def upgrade():
    for table, checks in CHECKS.items():
        # Batch mode: SQLite can only add a constraint by copying the table.
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in checks:
                listed = ", ".join(f"'{v}'" for v in values)
                batch_op.create_check_constraint(_name(table, column), f"{column} IN ({listed})")


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _values in reversed(checks):
                batch_op.drop_constraint(_name(table, column), type_="check")
