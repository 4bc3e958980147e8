"""Consistency checks of the records: proof files against the upload folder, the catalogue, the review workflow."""

from __future__ import annotations

import time
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.models import AuditEntry
from ..catalogue import patent_numbers
from ..catalogue.models import (
    Achievement,
    AchievementCompleter,
    Patent,
    PatentInventor,
    Studio,
    ValueLine,
    highest_valid_title,
)
from ..extensions import db
from ..models import RecordStatus
from ..submissions.models import ProofFile
from ..uploads import SIGNATURES, uploads_folder
from .checks import check

# A file this young may belong to an upload whose row is still being committed (the file is written first).
UPLOAD_GRACE_SECONDS = 10


# ---------------------------------------------------------------- files and rows


@check("files", "证明材料文件")
def proof_files() -> list[str]:
    """Every ProofFile row has its file with the recorded size and kind; every stored file has its row."""
    folder = uploads_folder()
    found: list[str] = []
    rows = db.session.execute(
        select(ProofFile.id, ProofFile.stored_name, ProofFile.original_name, ProofFile.size, ProofFile.content_type,
               ProofFile.studio_id, ProofFile.achievement_id, ProofFile.patent_id,
               func.coalesce(Achievement.studio_id, Patent.studio_id))
        .outerjoin(Achievement, ProofFile.achievement_id == Achievement.id)
        .outerjoin(Patent, ProofFile.patent_id == Patent.id).order_by(ProofFile.id)).all()
    known = set()
    for file_id, stored, original, size, content_type, studio_id, achievement_id, patent_id, owner_studio in rows:
        known.add(stored)
        owner = f"成果 #{achievement_id}" if achievement_id is not None else f"专利 #{patent_id}"
        label = f"证明材料 #{file_id}（{owner}，“{original}”）"
        if owner_studio is not None and owner_studio != studio_id:
            found.append(f"{label}：记录的工作室 #{studio_id} 与所属{owner} 的工作室 #{owner_studio} 不一致")
        if not stored or "/" in stored or "\\" in stored or stored.startswith("."):
            found.append(f"{label}：存储文件名“{stored}”不是上传目录中的文件名")
            continue
        path = folder / stored
        if not path.is_file():
            found.append(f"{label}：文件 {stored} 不在上传目录中")
            continue
        actual = path.stat().st_size
        if actual != size:
            found.append(f"{label}：文件 {stored} 有 {actual} 字节，记录为 {size} 字节")
        with open(path, "rb") as f:
            head = f.read(16)
        if not head.startswith(SIGNATURES.get(content_type, ())):
            found.append(f"{label}：文件 {stored} 的内容不是记录的类型 {content_type}")
    for line_id, achievement_id, stored, original, content_type in db.session.execute(
            select(ValueLine.id, ValueLine.achievement_id, ValueLine.evidence_stored_name, ValueLine.evidence_name,
                   ValueLine.evidence_content_type)
            .where(ValueLine.evidence_stored_name.is_not(None)).order_by(ValueLine.id)):
        known.add(stored)
        label = f"效益证明（成果 #{achievement_id} 的分年度效益 #{line_id}，“{original}”）"
        path = folder / stored if stored and "/" not in stored and "\\" not in stored else None
        if path is None or not path.is_file():
            found.append(f"{label}：文件 {stored} 不在上传目录中")
            continue
        with open(path, "rb") as f:
            if not f.read(16).startswith(SIGNATURES.get(content_type, ())):
                found.append(f"{label}：文件 {stored} 的内容不是记录的类型 {content_type}")
    now = time.time()
    for path in sorted(folder.iterdir()):
        # A dot file is an upload still being written (or one whose writer was killed), renamed only when whole.
        if path.name in known or path.name.startswith(".") or not path.is_file() \
                or now - path.stat().st_mtime < UPLOAD_GRACE_SECONDS:
            continue
        found.append(f"上传目录中的文件 {path.name}（{path.stat().st_size} 字节）没有对应的证明材料记录")
    return found


# ---------------------------------------------------------------- catalogue invariants


def _position_gaps(link, owner_column, owner_model, noun: str, people: str) -> list[str]:
    """Records whose ordered people links are not exactly positions 0, 1, … n-1."""
    rows = db.session.execute(
        select(owner_column, owner_model.title, func.min(link.position), func.max(link.position), func.count())
        .join(owner_model, owner_column == owner_model.id).group_by(owner_column, owner_model.title)
        .having((func.min(link.position) != 0) | (func.max(link.position) != func.count() - 1))
        .order_by(owner_column)).all()
    return [f"{noun} #{record_id}《{title}》：{count} 位{people}的序号为 {low}…{high}，应为 0…{count - 1} 且不间断"
            for record_id, title, low, high, count in rows]


def _approved_without(model, link, owner_column, noun: str, people: str) -> list[str]:
    rows = db.session.execute(select(model.id, model.title).where(
        model.status == RecordStatus.APPROVED, ~select(link.position).where(owner_column == model.id).exists())
        .order_by(model.id)).all()
    return [f"已通过的{noun} #{record_id}《{title}》没有{people}" for record_id, title in rows]


@check("catalogue", "目录数据")
def catalogue() -> list[str]:
    """Patent numbers and kinds, ordered completers and inventors, each record's studio, each studio's level."""
    found: list[str] = []
    for patent_id, number, kind, title, filing_date, term_end in db.session.execute(
            select(Patent.id, Patent.number, Patent.kind, Patent.title, Patent.filing_date, Patent.term_end)
            .order_by(Patent.id)):
        try:
            normal = patent_numbers.normalise(number)
        except patent_numbers.PatentNumberError as error:
            found.append(f"专利 #{patent_id}《{title}》：{error}")
            continue
        if normal != number:
            found.append(f"专利 #{patent_id}《{title}》：专利号存为“{number}”，规范写法应为“{normal}”")
        elif patent_numbers.kind_of(number) is not kind:
            found.append(f"专利 #{patent_id}《{title}》：类型为“{kind.label}”，但专利号 {number} 的类型位表示"
                         f"“{patent_numbers.kind_of(number).label}”")
        if term_end != patent_numbers.term_end(kind, filing_date):
            found.append(f"专利 #{patent_id}《{title}》：保护期至存为 {term_end or '空'}，"
                         f"按类型和申请日应为 {patent_numbers.term_end(kind, filing_date) or '空'}")
    found += _value_totals()
    found += _position_gaps(AchievementCompleter, AchievementCompleter.achievement_id, Achievement, "成果", "完成人")
    found += _position_gaps(PatentInventor, PatentInventor.patent_id, Patent, "专利", "发明人")
    found += _approved_without(Achievement, AchievementCompleter, AchievementCompleter.achievement_id, "成果", "完成人")
    found += _approved_without(Patent, PatentInventor, PatentInventor.patent_id, "专利", "发明人")
    for model, noun in ((Achievement, "成果"), (Patent, "专利")):
        for record_id, title, studio_id in db.session.execute(
                select(model.id, model.title, model.studio_id).outerjoin(Studio, model.studio_id == Studio.id)
                .where(Studio.id.is_(None)).order_by(model.id)):
            found.append(f"{noun} #{record_id}《{title}》：所属工作室 #{studio_id} 不存在")
    for studio in db.session.scalars(select(Studio).options(selectinload(Studio.titles)).order_by(Studio.id)):
        best = highest_valid_title(studio.titles)
        expected = (best.level, best.year) if best else (None, None)
        if (studio.level, studio.named_year) != expected:
            found.append(f"工作室 #{studio.id}“{studio.name}”：显示级别 {_level(studio.level, studio.named_year)}，"
                         f"按有效称号应为 {_level(*expected)}")
    return found


def _value_totals() -> list[str]:
    """An achievement's 经济效益 is the sum of its per-year lines (none without lines)."""
    sums = select(ValueLine.achievement_id, func.sum(ValueLine.amount_wan).label("total")) \
        .group_by(ValueLine.achievement_id).subquery()
    found = []
    for achievement_id, title, value, total in db.session.execute(
            select(Achievement.id, Achievement.title, Achievement.value_wan, sums.c.total)
            .outerjoin(sums, sums.c.achievement_id == Achievement.id).order_by(Achievement.id)):
        if (value is None) != (total is None) or (value is not None and value != total):
            found.append(f"成果 #{achievement_id}《{title}》：经济效益 {value if value is not None else '空'} 万元，"
                         f"分年度效益合计 {total if total is not None else '无'} 万元")
    return found


def _level(level, year) -> str:
    return f"{level.label if level else '无'}（{year or '—'}）"


# ---------------------------------------------------------------- the review workflow, from the audit log

DECISIONS = {"record.approve": RecordStatus.APPROVED, "record.return": RecordStatus.RETURNED}
WORKFLOW = ("record.submit", *DECISIONS)


@check("workflow", "审核记录")
def workflow() -> list[str]:
    """No record decided twice without being submitted in between; a waiting or returned record's log agrees."""
    found: list[str] = []
    history: dict[tuple[str, int], list[str]] = defaultdict(list)
    for target_type, target_id, action in db.session.execute(
            select(AuditEntry.target_type, AuditEntry.target_id, AuditEntry.action)
            .where(AuditEntry.action.in_(WORKFLOW), AuditEntry.target_type.in_(("achievement", "patent")))
            .order_by(AuditEntry.id)):
        history[target_type, target_id].append(action)
    statuses = {("achievement", i): (s, t) for i, s, t in db.session.execute(
        select(Achievement.id, Achievement.status, Achievement.title))}
    statuses |= {("patent", i): (s, t) for i, s, t in db.session.execute(
        select(Patent.id, Patent.status, Patent.title))}
    nouns = {"achievement": "成果", "patent": "专利"}
    for key, actions in sorted(history.items()):
        if key not in statuses:
            continue  # deleted since
        status, title = statuses[key]
        label = f"{nouns[key[0]]} #{key[1]}《{title}》"
        doubles = sum(1 for a, b in zip(actions, actions[1:], strict=False) if a in DECISIONS and b in DECISIONS)
        if doubles:
            said = "、".join(status_of.label for a in actions if (status_of := DECISIONS.get(a)))
            found.append(f"{label}：一次提交被审核了不止一次（操作日志依次记为 {said}）")
        last = actions[-1]
        # An import may approve a record without a log entry; waiting and returned states come only from the workflow.
        if status is RecordStatus.SUBMITTED and last != "record.submit" \
                or status is RecordStatus.RETURNED and last != "record.return":
            found.append(f"{label}：状态为“{status.label}”，但操作日志最后一条是“{_action_label(last)}”")
    return found


def _action_label(action: str) -> str:
    from ..audit.services import ACTIONS

    return ACTIONS.get(action, action)
