"""The record of sent digests: one row per reader and period, so that a second
run of ``schwarm send-digests`` in the same period sends nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from schwarm.db import Base, UTCDateTime, utcnow


class DigestDelivery(Base):
    """``user_id`` got (or, with nothing new, was passed over for) the digest of ``period``.

    ``period`` is ``daily:2026-11-23`` or ``weekly:2026-W48``; the unique
    constraint makes claiming a period atomic even for two concurrent runs.
    """

    __tablename__ = "digest_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    period: Mapped[str] = mapped_column(String(24))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    item_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("user_id", "period"),)
