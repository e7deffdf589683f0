"""Search tables: the index outbox, and the PostgreSQL backend's documents and words.

``index_outbox`` holds changes waiting to be applied to the index; it is
written in the same transaction as the content.

``search_document`` and ``search_word`` are used only by the PostgreSQL
backend (``SEARCH_BACKEND=postgres``). They exist on SQLite too (empty) so that
the schema is the same everywhere; the tsvector and text-array columns are
plain TEXT there and the GIN indexes ordinary ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, Index, Integer, String, Text, event
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from schwarm.db import Base, UTCDateTime, utcnow

# PostgreSQL types that degrade to TEXT on SQLite (where these tables stay empty).
TsVector = TSVECTOR().with_variant(Text(), "sqlite")
TextArray = ARRAY(Text()).with_variant(Text(), "sqlite")


class IndexOutbox(Base):
    """One pending index change, written in the same transaction as the content."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(16))
    doc_id: Mapped[str] = mapped_column(String(255))
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchDocumentRow(Base):
    """One indexed document of the PostgreSQL backend (derived; rebuilt by reindex)."""

    __tablename__ = "search_document"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "type:id"
    type: Mapped[str] = mapped_column(String(16))
    obj_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1000))
    author: Mapped[str | None] = mapped_column(String(64))
    group_id: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(16), default="all")
    tags: Mapped[list[str]] = mapped_column(TextArray)
    kind: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra: Mapped[dict] = mapped_column(JSON)
    tsv_de = mapped_column(TsVector)
    tsv_en = mapped_column(TsVector)

    __table_args__ = (
        Index("ix_search_document_tsv_de", "tsv_de", postgresql_using="gin"),
        Index("ix_search_document_tsv_en", "tsv_en", postgresql_using="gin"),
        Index("ix_search_document_tags", "tags", postgresql_using="gin"),
        # date sort and its keyset cursor; "what changed in a group"
        Index("ix_search_document_created_at", "created_at", "key"),
        Index("ix_search_document_group_id", "group_id"),
        Index("ix_search_document_indexed_at", "indexed_at"),
    )


class SearchWord(Base):
    """A word seen in some document: the vocabulary for "did you mean" (PostgreSQL).

    Words are never removed; a suggestion is only shown when it finds
    something the viewer may see, so stale or private words do no harm.
    """

    __tablename__ = "search_word"

    word: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (
        Index("ix_search_word_trgm", "word", postgresql_using="gin",
              postgresql_ops={"word": "gin_trgm_ops"}),
    )


# The trigram index needs pg_trgm (a trusted contrib extension); create_all (tests)
# does not run migrations, so create it here as well.
event.listen(
    SearchWord.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
