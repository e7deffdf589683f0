"""questions: state (acceptance, escalation) and routing

Revision ID: 0006_questions
Revises: 0005_merge_features
Create Date: 2026-11-23 16:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

import schwarm.db


# revision identifiers, used by Alembic.
revision = '0006_questions'
down_revision = '0005_merge_features'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_state',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('first_accepted_at', schwarm.db.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', schwarm.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_question_state_post_id_post')),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_question_state'))
    )
    op.create_table('question_routing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("reason IN ('expert', 'escalation')", name=op.f('ck_question_routing_reason')),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_question_routing_post_id_post')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_question_routing_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_routing')),
    sa.UniqueConstraint('post_id', 'user_id', 'reason', name=op.f('uq_question_routing_post_id_user_id_reason'))
    )
    with op.batch_alter_table('question_routing', schema=None) as batch_op:
        batch_op.create_index('ix_question_routing_user_id_post_id', ['user_id', 'post_id'], unique=False)


def downgrade():
    with op.batch_alter_table('question_routing', schema=None) as batch_op:
        batch_op.drop_index('ix_question_routing_user_id_post_id')
    op.drop_table('question_routing')
    op.drop_table('question_state')
