"""audit review indexes and subject access (issue 17)

Revision ID: c17b8c9d0e1f
Revises: c17a3b4c5d6e
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c17b8c9d0e1f'
down_revision = 'c17a3b4c5d6e'
branch_labels = None
depends_on = None

# Events about a plan's parts name the plan in their detail as "plan" or "plan_id".
PLAN_PARTS = ("milestone", "checkin", "stakeholder", "clinicianinterview", "goal", "pulse", "concern")


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_event_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_audit_event_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_event_plan_at', ['plan_id', 'at'], unique=False)
    _backfill()


def _backfill():
    """Existing events get their plan: a plan's own events by their object, its parts' from the detail."""
    event = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('object_type', sa.String),
                     sa.column('object_id', sa.Integer), sa.column('detail', sa.JSON), sa.column('plan_id', sa.Integer))
    op.execute(event.update().where(event.c.object_type == 'plan').values(plan_id=event.c.object_id))
    bind = op.get_bind()
    rows = bind.execute(sa.select(event.c.id, event.c.detail).where(event.c.object_type.in_(PLAN_PARTS))).all()
    for row_id, detail in rows:
        plan = (detail or {}).get('plan', (detail or {}).get('plan_id'))
        if isinstance(plan, int):
            bind.execute(event.update().where(event.c.id == row_id).values(plan_id=plan))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_plan_at')
        batch_op.drop_index('ix_audit_event_action_at')
        batch_op.drop_index('ix_audit_event_object')
        batch_op.drop_column('plan_id')
