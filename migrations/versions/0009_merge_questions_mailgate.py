"""merge the feature branches: questions, mailgate

Revision ID: 0009_merge_questions_mailgate
Revises: 0006_questions, 0008_mailgate
Create Date: 2026-11-23

"""

# revision identifiers, used by Alembic.
revision = "0009_merge_questions_mailgate"
down_revision = ("0006_questions", "0008_mailgate")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
