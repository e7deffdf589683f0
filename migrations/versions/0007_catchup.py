"""catch-up: visits, e-mail settings, sent digests

Revision ID: 0007_catchup
Revises: 0005_merge_features
Create Date: 2026-11-23 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import schwarm.db


# revision identifiers, used by Alembic.
revision = '0007_catchup'
down_revision = '0005_merge_features'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_visit_at', schwarm.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('email_digest', sa.String(length=8), nullable=False,
                                      server_default='none'))

    op.create_table('digest_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=24), nullable=False),
    sa.Column('sent_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_digest_delivery_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_delivery')),
    sa.UniqueConstraint('user_id', 'period', name=op.f('uq_digest_delivery_user_id_period'))
    )


def downgrade():
    op.drop_table('digest_delivery')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_digest')
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('previous_visit_at')
