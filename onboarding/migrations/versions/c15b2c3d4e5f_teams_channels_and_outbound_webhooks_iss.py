"""Teams channels and outbound webhooks (issue 15)

Revision ID: c15b2c3d4e5f
Revises: c15c6d7e8f9a
Create Date: 2026-11-27 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c15b2c3d4e5f'
down_revision = 'c15c6d7e8f9a'
branch_labels = None
depends_on = None


# The event types HR systems may subscribe to (models.hooks.WEBHOOK_EVENTS, as of this revision).
TYPE_CHECK = ("type IN ('plan.created', 'plan.started', 'milestone.completed', 'plan.paused', 'plan.completed', "
              "'plan.withdrawn')")


def upgrade():
    op.create_table('org_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_org_setting'))
    )
    op.create_table('teams_channel',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_teams_channel_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_teams_channel'))
    )
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_webhook_endpoint_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    op.create_table('webhook_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('once_key', sa.String(length=60), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(TYPE_CHECK, name=op.f('ck_webhook_event_type_allowed')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_webhook_event_plan_id_plan'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_event')),
    sa.UniqueConstraint('message_id', name=op.f('uq_webhook_event_message_id')),
    sa.UniqueConstraint('once_key', name=op.f('uq_webhook_event_once_key'))
    )
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_event_plan_id'), ['plan_id'], unique=False)

    op.create_table('hook_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('nudge_id', sa.Integer(), nullable=True),
    sa.Column('endpoint_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("channel IN ('teams', 'webhook')", name=op.f('ck_hook_post_channel_allowed')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_hook_post_status_allowed')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_hook_post_endpoint_id_webhook_endpoint')),
    sa.ForeignKeyConstraint(['event_id'], ['webhook_event.id'], name=op.f('fk_hook_post_event_id_webhook_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hook_post')),
    sa.UniqueConstraint('endpoint_id', 'event_id', name=op.f('uq_hook_post_endpoint_id_event_id')),
    sa.UniqueConstraint('nudge_id', name=op.f('uq_hook_post_nudge_id'))
    )
    with op.batch_alter_table('hook_post', schema=None) as batch_op:
        batch_op.create_index('ix_hook_post_status', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hook_post_endpoint_id'), ['endpoint_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudge_channel', sa.String(length=5), nullable=False, server_default='email'))
        batch_op.create_check_constraint(op.f('ck_user_nudge_channel_allowed'), "nudge_channel IN ('email', 'teams', 'both')")


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_nudge_channel_allowed'), type_='check')
        batch_op.drop_column('nudge_channel')
    with op.batch_alter_table('hook_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hook_post_endpoint_id'))
        batch_op.drop_index('ix_hook_post_status')
    op.drop_table('hook_post')
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_event_plan_id'))
    op.drop_table('webhook_event')
    op.drop_table('webhook_endpoint')
    op.drop_table('teams_channel')
    op.drop_table('org_setting')
