"""Records absent from a ledger: which the import may delete, which it must keep and why, and the deletion.

The ledger is the office's list of its public (approved) catalogue, so only approved achievements and
patents, and studios, can be "absent": a studio's own drafts and submissions in review are never in a
ledger and are left alone. Records that cannot be deleted are kept and counted with their reason (the
import does not fail over them): an achievement nominated in an award round (the round's scores and
results refer to it), a studio with a user account, with award nominations, or with records that stay
(drafts, submissions in review, kept achievements, patents still in the file).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from ..accounts.models import User
from ..awards.models import Nomination
from ..catalogue import patent_numbers
from ..catalogue.models import (
    Achievement,
    AchievementCompleter,
    Patent,
    PatentInventor,
    Studio,
    StudioTitle,
)
from ..catalogue.versioning import bulk_written, mark_changed
from ..extensions import db
from ..models import RecordStatus
from ..submissions.models import ProofFile
from .validation import Plan

CHUNK = 500
SHOWN = 20  # names listed per reason on the report

KEPT_NOMINATED = "已推荐参加评选的成果"
KEPT_ACCOUNT = "有工作室账号的工作室"
KEPT_NOMINATIONS = "有评选推荐记录的工作室"
KEPT_RECORDS = "仍有保留的成果或专利（含工作室自己的草稿、待审核记录）的工作室"


@dataclass
class Missing:
    """Ids to delete per kind, and the absent records kept: {reason: [name, …]}."""

    studios: list[int] = field(default_factory=list)
    achievements: list[int] = field(default_factory=list)
    patents: list[int] = field(default_factory=list)
    kept: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict:
        return {"studios": len(self.studios), "achievements": len(self.achievements), "patents": len(self.patents),
                "kept": {reason: {"count": len(names), "names": names[:SHOWN]} for reason, names in self.kept.items()}}

    @property
    def total(self) -> int:
        return len(self.studios) + len(self.achievements) + len(self.patents)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def find_missing(plan: Plan) -> Missing:
    """The catalogue's records the ledger does not list (call after the ledger's rows are written)."""
    file_studios = {data.name.strip() for _, data in plan.studios}
    file_achievements = {(data.studio_name.strip(), data.title.strip()) for _, data in plan.achievements}
    # A patent's 关联成果 names an achievement that stays, even if only the database holds it.
    file_achievements |= {(data.studio_name.strip(), data.achievement_title.strip())
                          for _, data in plan.patents if data.achievement_title}
    file_patents = {patent_numbers.normalise(data.number) for _, data in plan.patents}
    session = db.session
    missing = Missing()
    kept: dict[str, list[str]] = {}

    nominated = set(session.execute(select(Nomination.achievement_id).distinct()).scalars())
    for aid, studio, title in session.execute(
            select(Achievement.id, Studio.name, Achievement.title).join(Achievement.studio)
            .where(Achievement.status == RecordStatus.APPROVED).order_by(Studio.name, Achievement.title)):
        if (studio, title) in file_achievements:
            continue
        if aid in nominated:
            kept.setdefault(KEPT_NOMINATED, []).append(f"{studio}：{title}")
        else:
            missing.achievements.append(aid)
    for pid, number in session.execute(select(Patent.id, Patent.number).where(
            Patent.status == RecordStatus.APPROVED).order_by(Patent.number)):
        if number not in file_patents:
            missing.patents.append(pid)

    gone = {"achievement": set(missing.achievements), "patent": set(missing.patents)}
    with_accounts = set(session.execute(select(User.studio_id).where(User.studio_id.is_not(None))).scalars())
    with_nominations = set(session.execute(select(Nomination.studio_id).distinct()).scalars())
    staying: set[int] = set()
    for kind, model in (("achievement", Achievement), ("patent", Patent)):
        for rid, sid in session.execute(select(model.id, model.studio_id)):
            if rid not in gone[kind]:
                staying.add(sid)
    for sid, name in session.execute(select(Studio.id, Studio.name).order_by(Studio.name)):
        if name in file_studios:
            continue
        reason = (KEPT_ACCOUNT if sid in with_accounts else KEPT_NOMINATIONS if sid in with_nominations
                  else KEPT_RECORDS if sid in staying else None)
        if reason:
            kept.setdefault(reason, []).append(name)
        else:
            missing.studios.append(sid)
    missing.kept = kept
    return missing


def delete_missing(missing: Missing) -> list[str]:
    """Delete the records found (inside the import's transaction); return the proof files to remove after commit.

    Plain table statements, as catalogue/bulk.py writes: the search jobs and the catalogue version are
    queued here, in the same transaction, so a deleted record leaves the index once this commits.
    """
    if not missing.total:
        return []
    connection = db.session.connection()
    jobs: set[tuple[str, int]] = set()
    files: list[str] = []
    achievement_ids, patent_ids, studio_ids = missing.achievements, missing.patents, missing.studios
    for chunk in _chunks(patent_ids):
        files += connection.execute(select(ProofFile.stored_name).where(ProofFile.patent_id.in_(chunk))).scalars()
        jobs.update(("person", p) for p in connection.execute(
            select(PatentInventor.person_id).where(PatentInventor.patent_id.in_(chunk))).scalars())
        connection.execute(delete(ProofFile.__table__).where(ProofFile.patent_id.in_(chunk)))
        connection.execute(delete(PatentInventor.__table__).where(PatentInventor.patent_id.in_(chunk)))
        connection.execute(delete(Patent.__table__).where(Patent.id.in_(chunk)))
    for chunk in _chunks(achievement_ids):
        # A patent that stays loses its link to a deleted achievement (and its search document shows that).
        jobs.update(("patent", p) for p in connection.execute(
            select(Patent.id).where(Patent.achievement_id.in_(chunk))).scalars())
        connection.execute(update(Patent.__table__).where(Patent.achievement_id.in_(chunk)).values(achievement_id=None))
        files += connection.execute(
            select(ProofFile.stored_name).where(ProofFile.achievement_id.in_(chunk))).scalars()
        jobs.update(("person", p) for p in connection.execute(
            select(AchievementCompleter.person_id).where(AchievementCompleter.achievement_id.in_(chunk))).scalars())
        connection.execute(delete(ProofFile.__table__).where(ProofFile.achievement_id.in_(chunk)))
        connection.execute(delete(AchievementCompleter.__table__).where(
            AchievementCompleter.achievement_id.in_(chunk)))
        connection.execute(delete(Achievement.__table__).where(Achievement.id.in_(chunk)))
    for chunk in _chunks(studio_ids):
        jobs.update(("person", p) for p in connection.execute(
            select(Studio.leader_id).where(Studio.id.in_(chunk), Studio.leader_id.is_not(None))).scalars())
        connection.execute(delete(StudioTitle.__table__).where(StudioTitle.studio_id.in_(chunk)))
        connection.execute(delete(Studio.__table__).where(Studio.id.in_(chunk)))
    jobs.update(("patent", i) for i in patent_ids)
    jobs.update(("achievement", i) for i in achievement_ids)
    jobs.update(("studio", i) for i in studio_ids)
    mark_changed(db.session())
    bulk_written.send(db.session(), jobs=jobs)
    return files
