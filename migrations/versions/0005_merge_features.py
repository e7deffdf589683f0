"""merge the feature branches: search, stream, wiki

Revision ID: 0005_merge_features
Revises: 0002_search, 0003_stream, 0004_wiki
Create Date: 2026-11-23

"""

# revision identifiers, used by Alembic.
revision = "0005_merge_features"
down_revision = ("0002_search", "0003_stream", "0004_wiki")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
