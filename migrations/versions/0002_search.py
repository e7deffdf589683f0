"""search: index outbox, PostgreSQL search documents and words

Revision ID: 0002_search
Revises: 0001_core
Create Date: 2026-11-23 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import schwarm.db


# revision identifiers, used by Alembic.
revision = '0002_search'
down_revision = '0001_core'
branch_labels = None
depends_on = None

TsVector = postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite")
TextArray = postgresql.ARRAY(sa.Text()).with_variant(sa.Text(), "sqlite")


def upgrade():
    op.create_table('index_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=16), nullable=False),
    sa.Column('doc_id', sa.String(length=255), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_outbox'))
    )
    op.create_table('search_document',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('obj_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('tags', TextArray, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('created_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', schwarm.db.UTCDateTime(), nullable=True),
    sa.Column('indexed_at', schwarm.db.UTCDateTime(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('tsv_de', TsVector, nullable=True),
    sa.Column('tsv_en', TsVector, nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_document'))
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_created_at', ['created_at', 'key'], unique=False)
        batch_op.create_index('ix_search_document_group_id', ['group_id'], unique=False)
        batch_op.create_index('ix_search_document_indexed_at', ['indexed_at'], unique=False)
        batch_op.create_index('ix_search_document_tags', ['tags'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_document_tsv_de', ['tsv_de'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_document_tsv_en', ['tsv_en'], unique=False, postgresql_using='gin')

    if op.get_bind().dialect.name == "postgresql":
        # trigram index for "did you mean"; pg_trgm is a trusted contrib extension
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('search_word',
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word'))
    )
    with op.batch_alter_table('search_word', schema=None) as batch_op:
        batch_op.create_index('ix_search_word_trgm', ['word'], unique=False, postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('search_word', schema=None) as batch_op:
        batch_op.drop_index('ix_search_word_trgm')
    op.drop_table('search_word')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_tsv_en')
        batch_op.drop_index('ix_search_document_tsv_de')
        batch_op.drop_index('ix_search_document_tags')
        batch_op.drop_index('ix_search_document_indexed_at')
        batch_op.drop_index('ix_search_document_group_id')
        batch_op.drop_index('ix_search_document_created_at')
    op.drop_table('search_document')
    op.drop_table('index_outbox')
