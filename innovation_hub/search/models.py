"""The search change log (outbox), and where each machine's index stands in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow


class IndexJob(db.Model):
    """One entry of the change log: re-index (or remove) one record. kind: achievement, patent, studio,
    person, or all (a full rebuild).

    Written in the same transaction as the change; never deleted by a drain, since every machine's
    index reads it at its own position (IndexPosition); pruned once every live index has passed it.
    AUTOINCREMENT on SQLite: a pruned log must never hand out an id again.
    """

    __tablename__ = "search_outbox"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexPosition(db.Model):
    """How far one machine's index has applied the change log (one row per index, see index.py).

    position: every log id up to it is applied, or will never exist (a rolled-back id). high: the
    largest id applied. gaps: the ids between the two not seen yet, as JSON {id: when first seen,
    in this machine's Unix time}: on PostgreSQL an id can commit after a larger one, and such a
    late commit is read when it appears. folder: the index folder this describes.
    """

    __tablename__ = "search_index_positions"

    index_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(300), default="")  # host and instance folder, for people
    folder: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    high: Mapped[int] = mapped_column(BigInteger, default=0)
    gaps: Mapped[str] = mapped_column(Text, default="{}")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


class LogState(db.Model):
    """A single row (id 1): the change log is pruned up to and including pruned_through.

    Pruning and an index's registration lock this row, so a prune never passes an index that is
    being built.
    """

    __tablename__ = "search_log_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
