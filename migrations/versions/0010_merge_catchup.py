"""merge the feature branches: catchup (handover, digests) with questions and mailgate

Revision ID: 0010_merge_catchup
Revises: 0007_catchup, 0009_merge_questions_mailgate
Create Date: 2026-11-23

"""

# revision identifiers, used by Alembic.
revision = "0010_merge_catchup"
down_revision = ("0007_catchup", "0009_merge_questions_mailgate")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
