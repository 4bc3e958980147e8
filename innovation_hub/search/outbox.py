"""Write index jobs for every catalogue change, inside the transaction that makes it.

A flushed change to a studio, achievement, patent, their titles, completers or inventors,
or a person adds a job row; a bulk delete or update adds an "all" job (a full rebuild).
After the write transaction commits, database.after_write_commit runs the drain.
"""

from __future__ import annotations

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from ..catalogue.models import (
    Achievement,
    AchievementCompleter,
    Patent,
    PatentInventor,
    Person,
    Studio,
    StudioTitle,
)
from ..catalogue.versioning import bulk_written, is_bulk_change
from ..database import flushed_changes
from ..models import utcnow
from .models import IndexJob

PENDING = "search_jobs_written"
REBUILD_SHARE = 0.5


def _job_for(obj) -> tuple[str, int] | None:
    if isinstance(obj, Achievement):
        return "achievement", obj.id
    if isinstance(obj, AchievementCompleter):
        return "achievement", obj.achievement_id
    if isinstance(obj, Patent):
        return "patent", obj.id
    if isinstance(obj, PatentInventor):
        return "patent", obj.patent_id
    if isinstance(obj, Studio):
        return "studio", obj.id
    if isinstance(obj, StudioTitle):
        return "studio", obj.studio_id
    if isinstance(obj, Person):
        return "person", obj.id
    return None


def _write(session: Session, jobs: set[tuple[str, int]]) -> None:
    jobs.discard(None)
    if not jobs:
        return
    now = utcnow()
    session.connection().execute(
        insert(IndexJob), [{"kind": kind, "record_id": rid, "created_at": now} for kind, rid in sorted(jobs)]
    )
    session.info[PENDING] = True


def queue_jobs(session: Session, jobs: set[tuple[str, int]]) -> None:
    """Jobs for catalogue rows written without the ORM's flush (catalogue/bulk.py), in the same transaction.

    When they are at least REBUILD_SHARE of the catalogue's records, one "all" job replaces them: a
    rebuild (parallel, whole segments) is then faster than updating the index record by record.
    """
    if not jobs:
        return
    records = sum(session.execute(select(func.count()).select_from(model)).scalar()
                  for model in (Studio, Achievement, Patent))
    _write(session, {("all", 0)} if len(jobs) >= REBUILD_SHARE * records else set(jobs))


@bulk_written.connect
def _jobs_for_bulk_writes(session: Session, jobs: set[tuple[str, int]]) -> None:
    queue_jobs(session, jobs)


@event.listens_for(Session, "after_flush")
def _jobs_for_flushed_changes(session: Session, _context) -> None:
    changed = flushed_changes(session)
    _write(session, {job for obj in changed if (job := _job_for(obj)) is not None and job[1] is not None})


@event.listens_for(Session, "do_orm_execute")
def _job_for_bulk_statements(state) -> None:
    if is_bulk_change(state):
        _write(state.session, {("all", 0)})
