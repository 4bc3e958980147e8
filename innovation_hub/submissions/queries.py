"""What the studio area reads: a studio's own records, its proof files, and similar public records (查重)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import search
from ..catalogue.models import Achievement, Patent
from ..extensions import db
from ..models import RecordStatus
from .models import ProofFile

log = logging.getLogger(__name__)
SIMILAR_SHOWN = 5
# The dashboard lists first what the studio has to act on.
ACTION_ORDER = {RecordStatus.RETURNED: 0, RecordStatus.DRAFT: 1, RecordStatus.SUBMITTED: 2, RecordStatus.APPROVED: 3,
                RecordStatus.UNPUBLISHED: 4}


@dataclass
class StudioRecords:
    """A studio's achievements and patents, returned and drafts first, with counts per status."""

    achievements: list[Achievement]
    patents: list[Patent]
    file_counts: dict[tuple[str, int], int]
    counts: Counter = field(init=False)

    def __post_init__(self):
        self.counts = Counter(r.status for r in [*self.achievements, *self.patents])

    def count(self, status: RecordStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def returned(self) -> list[Achievement | Patent]:
        return [r for r in [*self.achievements, *self.patents] if r.status is RecordStatus.RETURNED]


def _action_order(record) -> int:
    return ACTION_ORDER[record.status]


def studio_records(studio_id: int) -> StudioRecords:
    achievements = list(db.session.execute(
        select(Achievement).where(Achievement.studio_id == studio_id)
        .order_by(Achievement.updated_at.desc(), Achievement.id.desc())
    ).scalars())
    patents = list(db.session.execute(
        select(Patent).where(Patent.studio_id == studio_id).order_by(Patent.updated_at.desc(), Patent.id.desc())
    ).scalars())
    counts: dict[tuple[str, int], int] = {}
    rows = db.session.execute(
        select(ProofFile.achievement_id, ProofFile.patent_id, func.count())
        .where(ProofFile.studio_id == studio_id).group_by(ProofFile.achievement_id, ProofFile.patent_id)
    )
    for achievement_id, patent_id, n in rows:
        counts[("achievement", achievement_id) if achievement_id else ("patent", patent_id)] = n
    # sorted() is stable: within a status the newest change stays first
    return StudioRecords(sorted(achievements, key=_action_order), sorted(patents, key=_action_order), counts)


def own_record(model, record_id: int, studio_id: int | None):
    """The record if it belongs to this studio, else None (the caller answers 404: others' drafts stay unseen)."""
    record = db.session.get(model, record_id)
    if record is None or studio_id is None or record.studio_id != studio_id:
        return None
    return record


def own_achievements(studio_id: int) -> list[Achievement]:
    """Every achievement of the studio, in any status: the choices of a patent's 关联成果."""
    return list(db.session.execute(
        select(Achievement).where(Achievement.studio_id == studio_id).order_by(Achievement.title)
    ).scalars())


def record_files(record) -> list[ProofFile]:
    owner = ProofFile.achievement_id if isinstance(record, Achievement) else ProofFile.patent_id
    return list(db.session.execute(
        select(ProofFile).where(owner == record.id).order_by(ProofFile.created_at, ProofFile.id)
    ).scalars())


def own_file(file_id: int, studio_id: int | None) -> ProofFile | None:
    proof = db.session.get(ProofFile, file_id)
    if proof is None or studio_id is None or proof.studio_id != studio_id:
        return None
    return proof


def similar_achievements(title: str, exclude_id: int | None = None) -> list[Achievement]:
    """Up to five approved achievements whose titles are like `title`, most similar first."""
    try:
        hits = search.similar(title, SIMILAR_SHOWN, ("achievement", exclude_id) if exclude_id else None,
                              types=("achievement",))
    except Exception:
        # 查重 is advice: a broken or missing index must not stop a studio from filing (reindex repairs it).
        log.exception("查重 failed for %r", title)
        return []
    if not hits:
        return []
    found = {a.id: a for a in db.session.execute(
        select(Achievement).where(Achievement.id.in_([h.id for h in hits]),
                                  Achievement.status == RecordStatus.APPROVED)
        .options(selectinload(Achievement.studio))
    ).scalars()}
    return [found[h.id] for h in hits if h.id in found]  # a hit withdrawn since it was indexed is skipped
