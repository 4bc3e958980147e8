"""The office's changes to the catalogue: one service per change, with the acting administrator.

Each runs in write_transaction(), locks the rows it checks, and writes one audit entry whose
detail lists "字段：旧值 → 新值" (changes.diff). The search outbox follows every flushed change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.changes import achievement_fields, diff, patent_fields, shown, studio_fields
from ..audit.services import record as audit
from ..awards.models import AwardRound, Nomination
from ..catalogue.leadership import open_term, set_leader
from ..catalogue.models import Achievement, LeaderTerm, Patent, Studio, StudioTitle
from ..catalogue.services import (
    AchievementData,
    CatalogueError,
    PatentData,
    StudioData,
    TitleData,
    add_honours,
    check_patent,
    fill_achievement,
    fill_patent,
    find_or_create_person,
    upsert_studio,
)
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..extensions import db
from ..models import District, RecordStatus, TitleState, local_today, utcnow
from ..submissions.models import ChangeRequest, ControlledField, ProofFile, RequestState
from ..uploads import path_of

# Tables moved row by row in a merge (with their own rules); every other table pointing at studios.id is
# moved by one UPDATE, so a feature added later (年度考核, say) follows without a change here.
MERGED_BY_HAND = {"achievements", "patents", "studio_titles", "studio_leader_terms"}
TABLE_NAMES = {"users": "账号", "award_nominations": "评选推荐", "proof_files": "证明材料",
               "studio_change_requests": "资料变更申请"}


EMPTY_TEXT = shown(None)


class OfficeError(CatalogueError):
    """A change the office cannot make as asked; the message is for the user (HTTP 400)."""


@dataclass
class StudioEdit:
    name: str
    host_unit: str
    industry: str
    district: District
    members: int | None
    intro: str


def _require_admin(actor) -> None:
    if not (actor is not None and actor.is_authenticated and actor.is_admin):
        raise PermissionDenied("只有市总工会管理员可以维护工作室和成果资料")


def _lines(*parts) -> str:
    return "\n".join(line for part in parts for line in ([part] if isinstance(part, str) else part) if line)


def _name_taken(name: str, studio_id: int | None = None) -> bool:
    return db.session.execute(select(Studio.id).where(
        Studio.name == name, Studio.id != (studio_id or -1))).first() is not None


# ------------------------------------------------------------------ studios

def create_studio(actor, data: StudioData) -> Studio:
    """A new studio with its leader and first title (upsert_studio's rules; a name in use is refused)."""
    _require_admin(actor)
    with write_transaction():
        if _name_taken(data.name.strip()):
            raise OfficeError(f"已有名为“{data.name.strip()}”的工作室；如是同一工作室，请在其页面修改")
        studio, _, _ = upsert_studio(data)
        titles = [f"命名：{_title_text(t)}" for t in data.titles]
        audit(actor, "catalogue.studio_create", "studio", studio.id, studio.name,
              _lines(diff({}, studio_fields(studio)), f"领办人：{EMPTY_TEXT} → {data.leader_name.strip()}", titles))
        return studio


def edit_studio(actor, studio: Studio, data: StudioEdit) -> list[str]:
    """Change a studio's own fields; return the changed lines (empty: nothing to save)."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(studio)
        name = data.name.strip()
        if _name_taken(name, studio.id):
            raise OfficeError(f"已有名为“{name}”的工作室；如是重复登记，请用“合并重复工作室”")
        before = studio_fields(studio)
        studio.name, studio.host_unit, studio.industry = name, data.host_unit.strip(), data.industry.strip()
        studio.district, studio.members, studio.intro = data.district, data.members, data.intro.strip()
        lines = diff(before, studio_fields(studio))
        if lines:
            session.flush()
            audit(actor, "catalogue.studio_edit", "studio", studio.id, studio.name, _lines(lines))
        return lines


@dataclass
class MergePlan:
    """What a merge moves from the duplicate into the kept studio, for the confirmation page."""

    achievements: int
    patents: int
    titles_moved: int
    titles_dropped: int
    others: dict[str, int]  # table name shown → rows
    clashes: list[str]  # achievement titles both studios have: the merge is refused while any remain


def _studio_references():
    """(table, column) of every foreign key to studios.id outside the tables merged by hand."""
    for table in db.metadata.sorted_tables:
        if table.name in MERGED_BY_HAND or table.name == "studios":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "studios" and fk.column.name == "id" for fk in column.foreign_keys):
                yield table, column


def merge_plan(kept: Studio, duplicate: Studio) -> MergePlan:
    session = db.session
    count = lambda model, *where: session.execute(select(func.count()).select_from(model).where(*where)).scalar()  # noqa: E731
    kept_keys = {(t.level, t.year) for t in kept.titles}
    others = {}
    for table, column in _studio_references():
        n = session.execute(select(func.count()).select_from(table).where(column == duplicate.id)).scalar()
        if n:
            name = TABLE_NAMES.get(table.name, table.name)
            others[name] = others.get(name, 0) + n
    clashes = list(session.execute(select(Achievement.title).where(
        Achievement.studio_id == duplicate.id,
        Achievement.title.in_(select(Achievement.title).where(Achievement.studio_id == kept.id)))).scalars())
    return MergePlan(
        achievements=count(Achievement, Achievement.studio_id == duplicate.id),
        patents=count(Patent, Patent.studio_id == duplicate.id),
        titles_moved=sum((t.level, t.year) not in kept_keys for t in duplicate.titles),
        titles_dropped=sum((t.level, t.year) in kept_keys for t in duplicate.titles),
        others=others, clashes=clashes,
    )


def merge_studios(actor, kept: Studio, duplicate: Studio) -> MergePlan:
    """Move everything of `duplicate` into `kept`, then delete `duplicate`."""
    _require_admin(actor)
    if kept.id == duplicate.id:
        raise OfficeError("不能把工作室与它自己合并")
    with write_transaction() as session:
        lock(kept, duplicate)
        plan = merge_plan(kept, duplicate)
        if plan.clashes:
            raise OfficeError(f"两个工作室都有成果“{'”“'.join(plan.clashes[:5])}”，请先修改或删除其中一个再合并")
        dup_name, dup_id = duplicate.name, duplicate.id
        try:
            for table, column in _studio_references():
                session.execute(update(table).where(column == dup_id).values({column.name: kept.id}))
            session.flush()
        except IntegrityError:
            raise OfficeError("两个工作室的其他记录（如同一年度的记录）相互冲突，无法自动合并，"
                              "请先处理后再合并") from None
        session.expire_all()  # users, nominations, files: the UPDATEs above changed rows the session may hold
        for achievement in list(duplicate.achievements):
            achievement.studio = kept
        for patent in list(duplicate.patents):
            patent.studio = kept
        kept_keys = {(t.level, t.year) for t in kept.titles}
        for title in list(duplicate.titles):
            if (title.level, title.year) not in kept_keys:
                title.studio = kept
        kept_leader = kept.leader_id
        for term in session.execute(select(LeaderTerm).where(LeaderTerm.studio_id == dup_id)).scalars():
            if term.ended_on is None and term.person_id == kept_leader:
                session.delete(term)  # the kept studio's running term already says so
                continue
            if term.ended_on is None:
                term.ended_on = local_today()
            term.studio_id = kept.id
        session.flush()
        session.delete(duplicate)
        kept.refresh_level()
        session.flush()
        moved = [f"成果 {plan.achievements} 项", f"专利 {plan.patents} 件", f"命名 {plan.titles_moved} 条"]
        moved += [f"{name} {n} 条" for name, n in plan.others.items()]
        audit(actor, "catalogue.studio_merge", "studio", kept.id, kept.name,
              _lines(f"并入重复工作室：{dup_name}（编号 {dup_id}，已删除）", f"转移：{'，'.join(moved)}",
                     f"重复的命名 {plan.titles_dropped} 条未保留" if plan.titles_dropped else ""))
        return plan


# ------------------------------------------------------------------ titles

def _title_text(title) -> str:
    text = f"{title.year} 年 {title.level.label}"
    extra = " ".join(x for x in (title.conferred_by, title.doc_number) if x)
    return f"{text}（{extra}）" if extra else text


def add_title(actor, studio: Studio, data: TitleData) -> StudioTitle:
    """A new 命名 of the studio; its 级别 becomes the highest valid title."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(studio)
        if any(t.level is data.level and t.year == data.year for t in studio.titles):
            raise OfficeError(f"该工作室已有 {data.year} 年的{data.level.label}命名")
        before = {"级别": studio.level}
        title = StudioTitle(level=data.level, year=data.year, conferred_by=data.conferred_by.strip(),
                            doc_number=data.doc_number.strip(), state=TitleState.VALID)
        studio.titles.append(title)
        studio.refresh_level()
        session.flush()
        audit(actor, "catalogue.title_add", "studio", studio.id, studio.name,
              _lines(f"命名：{_title_text(title)}", diff(before, {"级别": studio.level})))
        return title


def revoke_title(actor, title: StudioTitle, on: date, doc_number: str, reason: str) -> None:
    """撤销 one title with its date, document and reason; the studio's 级别 follows."""
    _require_admin(actor)
    if not (reason or "").strip():
        raise OfficeError("撤销命名时必须填写理由")
    with write_transaction() as session:
        studio = title.studio
        lock(studio, title)
        if title.is_revoked:
            raise OfficeError(f"{_title_text(title)}的命名已于 {title.revoked_on or '此前'} 撤销")
        if on.year < title.year:
            raise OfficeError(f"撤销日期不能早于命名年份 {title.year} 年")
        before = {"状态": title.state, "级别": studio.level}
        title.revoke(on, doc_number, reason)
        studio.refresh_level()
        session.flush()
        audit(actor, "catalogue.title_revoke", "studio", studio.id, studio.name,
              _lines(f"命名：{_title_text(title)}", diff(before, {"状态": title.state, "级别": studio.level}),
                     f"撤销日期：{on.isoformat()}", f"撤销文号：{doc_number.strip() or EMPTY_TEXT}",
                     f"理由：{reason.strip()}"))


def change_leader(actor, studio: Studio, name: str, on: date, honours: list[tuple[str, int | None]] = ()) -> None:
    """A new 领办人 from `on`: the running term ends, a new one starts (the old leader keeps "曾领办")."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(studio)
        current = open_term(studio)
        if current is not None and current.started_on is not None and on < current.started_on:
            raise OfficeError(f"交接日期不能早于现任领办人任期开始的 {current.started_on}")
        person = find_or_create_person(name, studio.host_unit)
        if studio.leader is person:
            raise OfficeError(f"{person.name}已是该工作室的领办人")
        before = studio.leader.name if studio.leader else None
        add_honours(person, list(honours))
        set_leader(studio, person, on)
        session.flush()
        audit(actor, "catalogue.leader_change", "studio", studio.id, studio.name,
              _lines(diff({"领办人": before}, {"领办人": person.name}), f"交接日期：{on.isoformat()}"))


# ------------------------------------------------------------------ achievements and patents

def edit_achievement(actor, achievement: Achievement, data: AchievementData) -> list[str]:
    """The office corrects an achievement of any status; an approved one stays approved and public."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(achievement)
        studio = achievement.studio
        title = data.title.strip()
        clash = select(Achievement.id).where(
            Achievement.studio_id == studio.id, Achievement.title == title, Achievement.id != achievement.id)
        if session.execute(clash).first():
            raise OfficeError(f"工作室“{studio.name}”已有名为“{title}”的成果")
        before = achievement_fields(achievement)
        fill_achievement(achievement, data, studio, achievement.status, False)
        session.flush()
        lines = diff(before, achievement_fields(achievement))
        if lines:
            audit(actor, "catalogue.achievement_edit", "achievement", achievement.id, achievement.title,
                  _lines(lines))
        return lines


def edit_patent(actor, patent: Patent, data: PatentData) -> list[str]:
    """The office corrects a patent of any status (check_patent's rules on number, kind and dates)."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(patent)
        studio = patent.studio
        number, achievement = check_patent(data, studio)
        clash = session.execute(select(Patent).where(Patent.number == number, Patent.id != patent.id)).scalar()
        if clash is not None:
            raise OfficeError(f"专利号 {clash.display_number} 已登记为“{clash.title}”，不能重复登记")
        before = patent_fields(patent)
        fill_patent(patent, data, studio, number, achievement, patent.status, False)
        session.flush()
        lines = diff(before, patent_fields(patent))
        if lines:
            audit(actor, "catalogue.patent_edit", "patent", patent.id, patent.title, _lines(lines))
        return lines


def unpublish_record(actor, record: Achievement | Patent, reason: str) -> None:
    """撤下 an approved record: no longer public, out of search at once; the studio reads the reason."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise OfficeError("撤下时必须填写理由，工作室会看到它")
    with write_transaction():
        lock(record)
        if record.status is not RecordStatus.APPROVED:
            raise OfficeError(f"{record.label}当前状态为“{record.status.label}”，只有已公开的记录可以撤下")
        before = record.status
        record.status, record.return_reason = RecordStatus.UNPUBLISHED, reason
        audit(actor, "catalogue.record_unpublish", record.AUDIT_TARGET, record.id, record.title,
              _lines(diff({"状态": before}, {"状态": record.status}), f"理由：{reason}"))


def republish_record(actor, record: Achievement | Patent) -> None:
    """Make an unpublished record public again."""
    _require_admin(actor)
    with write_transaction():
        lock(record)
        if record.status is not RecordStatus.UNPUBLISHED:
            raise OfficeError(f"{record.label}当前状态为“{record.status.label}”，不是已撤下的记录")
        record.status, record.return_reason = RecordStatus.APPROVED, ""
        audit(actor, "catalogue.record_republish", record.AUDIT_TARGET, record.id, record.title,
              _lines(diff({"状态": RecordStatus.UNPUBLISHED}, {"状态": record.status})))


def nominations_of(record) -> list[tuple[str, str]]:
    """(round name, nomination state) of every award nomination of an achievement."""
    if not isinstance(record, Achievement):
        return []
    return [(name, state.label) for name, state in db.session.execute(
        select(AwardRound.name, Nomination.state).join(AwardRound, AwardRound.id == Nomination.round_id)
        .where(Nomination.achievement_id == record.id))]


def delete_record(actor, record: Achievement | Patent) -> None:
    """Delete a record and its proof files; refused while an award round holds a nomination of it."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(record)
        rounds = nominations_of(record)
        if rounds:
            raise OfficeError(f"{record.label}已被推荐参加评选“{rounds[0][0]}”，删除会破坏评选记录，不能删除；"
                              "如需不再公开，请改用“撤下”")
        detail = _lines(diff((achievement_fields if isinstance(record, Achievement) else patent_fields)(record), {}),
                        f"状态：{record.status.label}")
        proofs = session.execute(select(ProofFile).where(
            (ProofFile.achievement_id == record.id) if isinstance(record, Achievement)
            else (ProofFile.patent_id == record.id))).scalars().all()
        stored = [proof.stored_name for proof in proofs]
        for proof in proofs:
            session.delete(proof)
        session.flush()
        target, rid, title = record.AUDIT_TARGET, record.id, record.title
        session.delete(record)
        session.flush()
        audit(actor, "catalogue.record_delete", target, rid, title,
              _lines(detail, f"证明材料 {len(stored)} 个一并删除" if stored else ""))
    # Only once the rows are gone for good: a rolled-back delete keeps its files.
    for name in stored:
        path_of(name).unlink(missing_ok=True)


# ------------------------------------------------------------------ change requests (asked for in submissions/)

def _applied(studio: Studio, request: ChangeRequest) -> StudioEdit:
    edit = StudioEdit(studio.name, studio.host_unit, studio.industry, studio.district, studio.members, studio.intro)
    if request.field is ControlledField.DISTRICT:
        district = District.from_label(request.new_value)
        if district is None:
            raise OfficeError(f"“{request.new_value}”不是本市的地区")
        edit.district = district
    else:
        setattr(edit, request.field.value, request.new_value)
    return edit


def approve_request(actor, request: ChangeRequest) -> None:
    """同意: the change goes through edit_studio (audited there too), then the request is closed."""
    _require_admin(actor)
    with write_transaction():
        lock(request)
        if not request.is_pending:
            raise OfficeError(f"该申请已{request.state.label}")
        edit_studio(actor, request.studio, _applied(request.studio, request))
        request.state, request.decided_by_id, request.decided_at = RequestState.APPROVED, actor.id, utcnow()
        audit(actor, "catalogue.request_approve", "studio", request.studio_id, request.studio.name,
              f"{request.field.label}：{request.old_value} → {request.new_value}")


def refuse_request(actor, request: ChangeRequest, reason: str) -> None:
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise OfficeError("拒绝时必须填写理由，工作室会看到它")
    with write_transaction():
        lock(request)
        if not request.is_pending:
            raise OfficeError(f"该申请已{request.state.label}")
        request.state, request.decided_by_id, request.decided_at = RequestState.REFUSED, actor.id, utcnow()
        request.reason = reason
        audit(actor, "catalogue.request_refuse", "studio", request.studio_id, request.studio.name,
              _lines(f"{request.field.label}：{request.old_value} → {request.new_value}（未同意）", f"理由：{reason}"))
