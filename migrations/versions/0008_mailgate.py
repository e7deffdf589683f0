"""mail gateway: Message-IDs of mails that became posts or comments

Revision ID: 0008_mailgate
Revises: 0005_merge_features
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

import schwarm.db


# revision identifiers, used by Alembic.
revision = '0008_mailgate'
down_revision = '0005_merge_features'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_mail_message_comment_id_comment')),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_mail_message_group_id_group')),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_mail_message_post_id_post')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('message_id', 'group_id', name=op.f('uq_mail_message_message_id_group_id'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_message_post_id', ['post_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_post_id')

    op.drop_table('mail_message')
