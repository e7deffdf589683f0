"""The Message-IDs of mails that became posts or comments.

One row per (Message-ID, group): a mail sent to two group addresses becomes
a post in each. The unique constraint makes delivery and import idempotent
(a second delivery of the same mail finds its row and changes nothing), and
replies find the post they answer through ``In-Reply-To``/``References``.
The row is written in the same transaction as the post or comment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schwarm.db import Base, UTCDateTime, utcnow

SMTP = "smtp"
MBOX = "mbox"
MAX_MESSAGE_ID = 255


class MailMessage(Base):
    """Mail ``message_id`` became ``post_id`` (or ``comment_id`` on that post) in ``group_id``."""

    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(MAX_MESSAGE_ID))
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), default=None)
    source: Mapped[str] = mapped_column(String(8), default=SMTP)
    sender: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("message_id", "group_id"),
        Index("ix_mail_message_post_id", "post_id"),
    )

    def __repr__(self) -> str:
        return f"<MailMessage {self.message_id} -> post {self.post_id}>"
