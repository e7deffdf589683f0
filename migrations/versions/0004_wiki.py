"""wiki pages revisions links redirects watches

Revision ID: 0004_wiki
Revises: 0001_core
Create Date: 2026-11-23 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import schwarm.db


# revision identifiers, used by Alembic.
revision = '0004_wiki'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wiki_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('current_revision', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', schwarm.db.UTCDateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_wiki_page_created_by_id_user')),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['user.id'], name=op.f('fk_wiki_page_deleted_by_id_user')),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_wiki_page_group_id_group')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_wiki_page_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wiki_page')),
    sa.UniqueConstraint('path', name=op.f('uq_wiki_page_path'))
    )
    with op.batch_alter_table('wiki_page', schema=None) as batch_op:
        batch_op.create_index('ix_wiki_page_group_id_path', ['group_id', 'path'], unique=False)
        batch_op.create_index('ix_wiki_page_updated_at_id', ['updated_at', 'id'], unique=False)

    op.create_table('wiki_link',
    sa.Column('from_page_id', sa.Integer(), nullable=False),
    sa.Column('to_path', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['from_page_id'], ['wiki_page.id'], name=op.f('fk_wiki_link_from_page_id_wiki_page')),
    sa.PrimaryKeyConstraint('from_page_id', 'to_path', name=op.f('pk_wiki_link'))
    )
    with op.batch_alter_table('wiki_link', schema=None) as batch_op:
        batch_op.create_index('ix_wiki_link_to_path', ['to_path', 'from_page_id'], unique=False)

    op.create_table('wiki_redirect',
    sa.Column('old_path', sa.String(length=200), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['wiki_page.id'], name=op.f('fk_wiki_redirect_page_id_wiki_page')),
    sa.PrimaryKeyConstraint('old_path', name=op.f('pk_wiki_redirect'))
    )
    with op.batch_alter_table('wiki_redirect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wiki_redirect_page_id'), ['page_id'], unique=False)

    op.create_table('wiki_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_wiki_revision_author_id_user')),
    sa.ForeignKeyConstraint(['page_id'], ['wiki_page.id'], name=op.f('fk_wiki_revision_page_id_wiki_page')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wiki_revision')),
    sa.UniqueConstraint('page_id', 'number', name=op.f('uq_wiki_revision_page_id_number'))
    )
    with op.batch_alter_table('wiki_revision', schema=None) as batch_op:
        batch_op.create_index('ix_wiki_revision_author_id_id', ['author_id', 'id'], unique=False)

    op.create_table('wiki_watch',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['wiki_page.id'], name=op.f('fk_wiki_watch_page_id_wiki_page')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_wiki_watch_user_id_user')),
    sa.PrimaryKeyConstraint('page_id', 'user_id', name=op.f('pk_wiki_watch'))
    )
    with op.batch_alter_table('wiki_watch', schema=None) as batch_op:
        batch_op.create_index('ix_wiki_watch_user_id', ['user_id', 'page_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wiki_watch', schema=None) as batch_op:
        batch_op.drop_index('ix_wiki_watch_user_id')

    op.drop_table('wiki_watch')
    with op.batch_alter_table('wiki_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_wiki_revision_author_id_id')

    op.drop_table('wiki_revision')
    with op.batch_alter_table('wiki_redirect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wiki_redirect_page_id'))

    op.drop_table('wiki_redirect')
    with op.batch_alter_table('wiki_link', schema=None) as batch_op:
        batch_op.drop_index('ix_wiki_link_to_path')

    op.drop_table('wiki_link')
    with op.batch_alter_table('wiki_page', schema=None) as batch_op:
        batch_op.drop_index('ix_wiki_page_updated_at_id')
        batch_op.drop_index('ix_wiki_page_group_id_path')

    op.drop_table('wiki_page')
