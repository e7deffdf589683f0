"""What the Q&A adds to posts of kind ``question``.

The question itself, its answers (comments) and votes (comment likes) live in
the stream's tables. Here are only the facts the stream does not keep:

* :class:`QuestionState`: one row per question — when an answer was first
  accepted (for "time to accepted answer") and when the question was
  escalated (a unique row per question makes escalation happen once).
* :class:`QuestionRouting`: who was told of a question and why (as an expert
  of one of its tags, or by escalation) — "questions routed to me", handover.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schwarm.db import Base, UTCDateTime, utcnow

EXPERT = "expert"
ESCALATION = "escalation"
REASONS = (EXPERT, ESCALATION)


class QuestionState(Base):
    """Acceptance and escalation times of one question."""

    __tablename__ = "question_state"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True)
    first_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class QuestionRouting(Base):
    """``user`` was notified of question ``post`` as an expert or by escalation."""

    __tablename__ = "question_routing"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(16), default=EXPERT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("post_id", "user_id", "reason"),
        CheckConstraint("reason IN ('expert', 'escalation')", name="reason"),
        Index("ix_question_routing_user_id_post_id", "user_id", "post_id"),
    )
