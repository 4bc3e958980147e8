"""The catalogue version: bumped in the same transaction as any change to catalogue data.

Caches of public pages key on it, so a cached page is never older than the last commit
that changed what it shows, in any worker process.
"""

from __future__ import annotations

from blinker import Signal
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from ..database import flushed_changes
from ..extensions import db
from .models import (
    Achievement,
    AchievementCompleter,
    CatalogueVersion,
    Honour,
    Patent,
    PatentInventor,
    Person,
    Studio,
    StudioTitle,
    ValueLine,
)

# Patent includes its legal status override; ValueLine the per-year value figures the home page shows.
TRACKED = (Studio, StudioTitle, Person, Honour, Achievement, AchievementCompleter, Patent, PatentInventor, ValueLine)
_FLAG = "catalogue_changed"


def current_version() -> int:
    return db.session.execute(select(CatalogueVersion.version).where(CatalogueVersion.id == 1)).scalar() or 0


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context) -> None:
    if any(isinstance(obj, TRACKED) for obj in flushed_changes(session)):
        session.info[_FLAG] = True


def mark_changed(session: Session) -> None:
    """Note a catalogue change written without the ORM's flush (catalogue/bulk.py): the version grows at commit."""
    session.info[_FLAG] = True


# Sent as (session, jobs={(record type, id), …}) for rows written without the ORM's flush (catalogue/bulk.py),
# inside their transaction: the search outbox listens, so the catalogue never imports search.
bulk_written = Signal("catalogue rows written in bulk")


def is_bulk_change(state) -> bool:
    """Whether an ORM statement is a delete(…) or update(…) of catalogue rows (they bypass the flush)."""
    return (state.is_delete or state.is_update) and state.bind_mapper is not None \
        and state.bind_mapper.class_ in TRACKED


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if is_bulk_change(state):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_version(session: Session) -> None:
    session.flush()  # commit flushes after this hook; changes must be seen now
    if session.info.pop(_FLAG, False):
        session.execute(
            update(CatalogueVersion).where(CatalogueVersion.id == 1).values(version=CatalogueVersion.version + 1)
        )


@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, _previous_transaction) -> None:
    session.info.pop(_FLAG, None)
