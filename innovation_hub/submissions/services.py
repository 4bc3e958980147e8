"""The submission workflow: studios draft and submit, administrators approve or return.

draft → submitted → approved, or submitted → returned (with a reason) → submitted again.
Every state change is audit-logged in its own transaction; the search outbox follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..audit.changes import diff
from ..audit.services import record as audit
from ..catalogue.models import Achievement, Patent, Studio
from ..catalogue.services import (
    AchievementData,
    CatalogueError,
    PatentData,
    check_patent,
    fill_achievement,
    fill_patent,
)
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..models import District, RecordStatus, utcnow
from ..uploads import CheckedUpload, path_of, store
from .change_requests import request_changes
from .models import ControlledField, ProofFile


class WorkflowError(CatalogueError):
    """A state change that is not allowed now; the message is for the user (HTTP 400)."""


def _require_studio(actor) -> Studio:
    if not actor.is_authenticated or actor.studio_id is None:
        raise PermissionDenied("只有工作室账号可以填报成果和专利")
    return actor.studio


def save_achievement(actor, data: AchievementData, achievement: Achievement | None = None) -> Achievement:
    """Create a draft of the actor's studio, or change one it may still edit."""
    studio = _require_studio(actor)
    if achievement is not None and not achievement.can_edit(actor):
        raise PermissionDenied("只能修改本工作室的草稿或被退回的成果")
    with write_transaction() as session:
        lock(studio, *([achievement] if achievement is not None else []))  # one save of a studio's titles at a time
        if achievement is not None and not achievement.can_edit(actor):
            raise PermissionDenied("只能修改本工作室的草稿或被退回的成果")
        clash = session.execute(select(Achievement.id).where(
            Achievement.studio_id == studio.id, Achievement.title == data.title.strip(),
            Achievement.id != (achievement.id if achievement else -1),
        )).first()
        if clash:
            raise WorkflowError(f"本工作室已有名为“{data.title.strip()}”的成果")
        created = achievement is None
        if created:
            achievement = Achievement(studio=studio, title=data.title.strip(), status=RecordStatus.DRAFT)
            session.add(achievement)
        fill_achievement(achievement, data, studio, achievement.status, created)
        session.flush()
        audit(actor, "record.create" if created else "record.edit", "achievement", achievement.id, achievement.title)
        return achievement


def save_patent(actor, data: PatentData, patent: Patent | None = None) -> Patent:
    """Create a draft patent of the actor's studio, or change one it may still edit."""
    studio = _require_studio(actor)
    if patent is not None and not patent.can_edit(actor):
        raise PermissionDenied("只能修改本工作室的草稿或被退回的专利")
    with write_transaction() as session:
        lock(studio, *([patent] if patent is not None else []))
        if patent is not None and not patent.can_edit(actor):
            raise PermissionDenied("只能修改本工作室的草稿或被退回的专利")
        number, achievement = check_patent(data, studio)
        clash = session.execute(select(Patent).where(
            Patent.number == number, Patent.id != (patent.id if patent else -1))).scalar_one_or_none()
        if clash is not None:
            owner = "本工作室" if clash.studio_id == studio.id else "其他工作室"
            raise WorkflowError(f"专利号 {clash.display_number} 已由{owner}登记，不能重复登记")
        created = patent is None
        if created:
            patent = Patent(number=number, status=RecordStatus.DRAFT)
            session.add(patent)
        fill_patent(patent, data, studio, number, achievement, patent.status, created)
        session.flush()
        audit(actor, "record.create" if created else "record.edit", "patent", patent.id, patent.title)
        return patent


def submit_record(actor, record: Achievement | Patent) -> None:
    """Send a draft or returned record to the administrators' review queue."""
    with write_transaction():
        lock(record)
        if not record.can_submit(actor):  # checked under the write lock, on the current state
            if actor.is_authenticated and actor.studio_id == record.studio_id:
                raise WorkflowError(f"{record.label}当前状态为“{record.status.label}”，不能提交")
            raise PermissionDenied("只能提交本工作室的记录")
        record.status = RecordStatus.SUBMITTED
        record.submitted_at = utcnow()
        audit(actor, "record.submit", record.AUDIT_TARGET, record.id, record.title)


def approve_record(actor, record: Achievement | Patent) -> None:
    """资格审核 passed: the record becomes public and searchable."""
    with write_transaction():
        lock(record)
        _require_review(actor, record)  # checked under the write lock: two reviewers cannot both decide
        record.status = RecordStatus.APPROVED
        record.return_reason = ""
        audit(actor, "record.approve", record.AUDIT_TARGET, record.id, record.title)


def return_record(actor, record: Achievement | Patent, reason: str) -> None:
    """Send the record back to its studio with the reason it will read."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("退回时必须填写退回理由，工作室会看到它")
    with write_transaction():
        lock(record)
        _require_review(actor, record)
        record.status = RecordStatus.RETURNED
        record.return_reason = reason
        audit(actor, "record.return", record.AUDIT_TARGET, record.id, record.title, reason)


def _require_review(actor, record) -> None:
    if not (actor.is_authenticated and actor.is_admin):
        raise PermissionDenied("只有管理员可以审核")
    if record.status is not RecordStatus.SUBMITTED:
        raise WorkflowError(f"{record.label}当前状态为“{record.status.label}”，不在待审核队列中")


@dataclass
class ProfileData:
    intro: str
    members: int | None
    industry: str
    district: District
    host_unit: str = ""


def update_profile(actor, studio: Studio, data: ProfileData) -> list:
    """A studio edits its own profile: members and 简介 at once; 行业, 依托单位 and 地区 (public facets the office
    controls) become change requests the office decides. Returns the requests made."""
    if not studio.can_edit_profile(actor):
        raise PermissionDenied("只能修改本工作室的资料")
    with write_transaction():
        lock(studio)
        before = {"成员人数": studio.members, "简介": studio.intro}
        studio.intro, studio.members = data.intro.strip(), data.members
        lines = diff(before, {"成员人数": studio.members, "简介": studio.intro})
        if lines:
            audit(actor, "studio.edit", "studio", studio.id, studio.name, "\n".join(lines))
        return request_changes(actor, studio, {
            ControlledField.INDUSTRY: data.industry, ControlledField.DISTRICT: data.district.label,
            ControlledField.HOST_UNIT: data.host_unit or studio.host_unit})


def attach_file(actor, record: Achievement | Patent, upload: CheckedUpload, public: bool = False) -> ProofFile:
    """Keep a checked upload as a proof file of a record the actor may edit."""
    if not record.can_edit(actor):
        raise PermissionDenied("只能为本工作室的草稿或被退回的记录上传证明材料")
    stored_name = store(upload)
    try:
        with write_transaction() as session:
            lock(record)
            if not record.can_edit(actor):  # again on the current state: it may have been submitted meanwhile
                raise PermissionDenied("只能为本工作室的草稿或被退回的记录上传证明材料")
            proof = ProofFile(
                achievement=record if isinstance(record, Achievement) else None,
                patent=record if isinstance(record, Patent) else None,
                studio_id=record.studio_id, original_name=upload.original_name, stored_name=stored_name,
                content_type=upload.content_type, size=len(upload.data), public=public, uploaded_by_id=actor.id,
            )
            session.add(proof)
            session.flush()
            audit(actor, "file.upload", record.AUDIT_TARGET, record.id, record.title, upload.original_name)
            return proof
    except BaseException:
        path_of(stored_name).unlink(missing_ok=True)  # nothing kept unless the row is
        raise


def remove_file(actor, proof: ProofFile) -> None:
    record = proof.record
    if not record.can_edit(actor):
        raise PermissionDenied("只能删除本工作室草稿或被退回记录的证明材料")
    stored_name = proof.stored_name
    with write_transaction() as session:
        lock(record)
        if not record.can_edit(actor):
            raise PermissionDenied("只能删除本工作室草稿或被退回记录的证明材料")
        session.delete(proof)
        audit(actor, "file.delete", record.AUDIT_TARGET, record.id, record.title, proof.original_name)
    path_of(stored_name).unlink(missing_ok=True)
