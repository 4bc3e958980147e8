"""What the office's pages read: studios by name, a studio's records of every status, requests, 修改记录."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.changes import changed_fields
from ..audit.models import AuditEntry
from ..catalogue.models import Achievement, Patent, Studio
from ..extensions import db
from ..models import local_time
from ..submissions.models import ChangeRequest, RequestState

# The office's edits of a record: its public page lists them as 修改记录.
EDIT_ACTIONS = ("catalogue.achievement_edit", "catalogue.patent_edit")
MAX_QUERY = 100


def studios_select(q: str = ""):
    """Every studio (摘牌 ones too), those matching the name box first by name."""
    stmt = select(Studio).order_by(Studio.name)
    q = " ".join((q or "").split())[:MAX_QUERY]
    if q:
        stmt = stmt.where(Studio.name.contains(q, autoescape=True))
    return stmt


def record_counts(studio_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(achievements, patents) of any status per studio."""
    def counted(model):
        return dict(db.session.execute(select(model.studio_id, func.count()).where(model.studio_id.in_(studio_ids))
                                       .group_by(model.studio_id)).all())
    a, p = counted(Achievement), counted(Patent)
    return {sid: (a.get(sid, 0), p.get(sid, 0)) for sid in studio_ids}


def studio_records(studio_id: int) -> tuple[list[Achievement], list[Patent]]:
    achievements = db.session.execute(select(Achievement).where(Achievement.studio_id == studio_id)
                                      .order_by(Achievement.year.desc(), Achievement.title)).scalars().all()
    patents = db.session.execute(select(Patent).where(Patent.studio_id == studio_id)
                                 .order_by(Patent.filing_date.desc().nulls_last(), Patent.title)).scalars().all()
    return list(achievements), list(patents)


def request_queue(state: RequestState | None = RequestState.PENDING, limit: int = 200) -> list[ChangeRequest]:
    stmt = select(ChangeRequest).options(selectinload(ChangeRequest.studio)).order_by(ChangeRequest.requested_at)
    if state is not None:
        stmt = stmt.where(ChangeRequest.state == state)
    else:
        stmt = stmt.order_by(None).order_by(ChangeRequest.requested_at.desc())
    return list(db.session.execute(stmt.limit(limit)).scalars())


def pending_count() -> int:
    return db.session.execute(select(func.count()).select_from(ChangeRequest)
                              .where(ChangeRequest.state == RequestState.PENDING)).scalar()


@dataclass
class Revision:
    at: datetime
    fields: list[str]


def revisions(target_type: str, target_id: int) -> list[Revision]:
    """修改记录 of a record: when the office changed it and which fields (not who, not the old values)."""
    rows = db.session.execute(select(AuditEntry.created_at, AuditEntry.detail).where(
        AuditEntry.target_type == target_type, AuditEntry.target_id == target_id,
        AuditEntry.action.in_(EDIT_ACTIONS)).order_by(AuditEntry.created_at.desc())).all()
    return [Revision(local_time(at), changed_fields(detail)) for at, detail in rows]


def history(target_type: str, target_id: int, limit: int = 50) -> list[AuditEntry]:
    """The audit entries of one studio or record, latest first (the office's own pages show them)."""
    return list(db.session.execute(select(AuditEntry).where(
        AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)).scalars())
