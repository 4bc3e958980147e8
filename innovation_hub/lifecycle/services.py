"""Lifecycle services: open and close a 年度考核 year, file / submit / return / grade a report, 复核, 摘牌, 恢复.

Each takes the acting user first, runs in one write transaction, locks the rows it decides on and writes
the audit log. What reaches the public studio page (grades of closed years, 复核, 摘牌) marks the catalogue
changed, so cached pages are rebuilt; a Studio or StudioTitle change also queues its search job by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ..audit.services import record as audit
from ..catalogue.models import Studio
from ..catalogue.services import CatalogueError
from ..catalogue.versioning import mark_changed
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..models import StudioStatus, TitleState, local_today, utcnow
from . import queries
from .models import (
    AnnualReport,
    DelistCause,
    Grade,
    Recheck,
    RecheckOutcome,
    ReportStatus,
    ReviewYear,
    StatusAction,
    StatusChange,
    YearStatus,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


class LifecycleError(CatalogueError):
    """A lifecycle step not allowed now; the message is for the user (HTTP 400)."""


# The city's calendar day (北京时间): one definition, models.local_today.
today = local_today


def _require_admin(actor) -> None:
    if not (actor.is_authenticated and actor.is_admin):
        raise PermissionDenied("只有市总工会管理员可以进行此操作")


def _studio_of(actor) -> Studio:
    if not actor.is_authenticated or actor.studio_id is None:
        raise PermissionDenied("只有工作室账号可以填报年度报告")
    return actor.studio


# ------------------------------------------------------------------ 年度考核 years

def open_year(actor, year: int, deadline: date, note: str = "") -> ReviewYear:
    """Open the 年度考核 of `year`: every 有效 studio may then file its report until the year is closed."""
    _require_admin(actor)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise LifecycleError(f"考核年度应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")
    if deadline.year < year:
        raise LifecycleError("报送截止日期不能早于考核年度")
    with write_transaction() as session:
        if session.execute(select(ReviewYear.id).where(ReviewYear.year == year)).first():
            raise LifecycleError(f"{year}年度考核已经开启过，不能重复开启")
        review_year = ReviewYear(year=year, deadline=deadline, note=(note or "").strip(), status=YearStatus.OPEN)
        session.add(review_year)
        session.flush()
        audit(actor, "lifecycle.year_open", "review_year", review_year.id, review_year.name,
              f"报送截止 {deadline.isoformat()}")
        return review_year


def close_year(actor, review_year: ReviewYear) -> None:
    """End the year: the grades become the studios' public record; refused while a filed report is ungraded."""
    _require_admin(actor)
    with write_transaction() as session:
        lock(review_year)
        if not review_year.is_open:
            raise LifecycleError(f"{review_year.name}已经结束")
        ungraded = session.execute(select(func.count()).select_from(AnnualReport).where(
            AnnualReport.review_year_id == review_year.id, AnnualReport.status == ReportStatus.SUBMITTED,
            AnnualReport.grade.is_(None))).scalar()
        if ungraded:
            raise LifecycleError(f"还有 {ungraded} 份已提交的年度报告未评定，评定后才能结束本年度考核")
        progress = queries.year_progress(review_year)
        review_year.status = YearStatus.CLOSED
        review_year.closed_at = utcnow()
        mark_changed(session)  # the year's grades now show on the studios' public pages
        audit(actor, "lifecycle.year_close", "review_year", review_year.id, review_year.name,
              f"应报 {progress.expected}，已报 {progress.filed}，未报 {progress.expected - progress.filed}；"
              + "，".join(f"{g.label} {n}" for g, n in progress.by_grade.items()))


# ------------------------------------------------------------------ a studio's report

@dataclass
class ReportData:
    value_wan: Decimal | None
    training_sessions: int
    apprentices: int
    activities: str


def save_report(actor, review_year: ReviewYear, data: ReportData) -> AnnualReport:
    """Create or change the actor's studio's report of `review_year`, until it is submitted."""
    studio = _studio_of(actor)
    with write_transaction() as session:
        lock(studio, review_year)
        if not review_year.is_open:
            raise LifecycleError(f"{review_year.name}已经结束，不能再填报")
        if studio.status is not StudioStatus.ACTIVE:
            raise LifecycleError("本工作室已摘牌，不再参加年度考核")
        report = queries.report_of(review_year.id, studio.id)
        created = report is None
        if created:
            report = AnnualReport(review_year=review_year, studio_id=studio.id, status=ReportStatus.DRAFT)
            session.add(report)
        else:
            lock(report)
            if not report.can_edit(actor):
                raise LifecycleError("年度报告已提交，不能再修改；如需修改请联系市总工会退回")
        if data.value_wan is not None and data.value_wan < 0:
            raise LifecycleError("创造价值不能为负数")
        report.value_wan = data.value_wan
        report.training_sessions = data.training_sessions
        report.apprentices = data.apprentices
        report.activities = (data.activities or "").strip()
        session.flush()
        audit(actor, "lifecycle.report_save", "annual_report", report.id, f"{studio.name} {review_year.name}")
        return report


def submit_report(actor, report: AnnualReport) -> None:
    """Send the report to the office; the year's approved achievements and patents are counted now."""
    studio = _studio_of(actor)
    if report.studio_id != studio.id:
        raise PermissionDenied("只能提交本工作室的年度报告")
    with write_transaction():
        lock(report)
        if not report.review_year.is_open:
            raise LifecycleError(f"{report.review_year.name}已经结束，不能再提交")
        if report.status is ReportStatus.SUBMITTED:
            raise LifecycleError("年度报告已经提交")
        if not report.activities.strip():
            raise LifecycleError("请先填写年度工作情况（开展的活动）再提交")
        activity = queries.year_activity(studio.id, report.review_year.year)
        report.achievement_count = len(activity.achievements)
        report.patent_count = len(activity.patents)
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = utcnow()
        report.return_reason = ""
        audit(actor, "lifecycle.report_submit", "annual_report", report.id,
              f"{studio.name} {report.review_year.name}",
              f"成果 {report.achievement_count} 项，专利 {report.patent_count} 件")


def return_report(actor, report: AnnualReport, reason: str) -> None:
    """Give a filed report back to its studio to change (its grade, if any, is withdrawn)."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("退回时必须填写理由，工作室会看到它")
    with write_transaction():
        lock(report)
        if not report.review_year.is_open:
            raise LifecycleError(f"{report.review_year.name}已经结束，不能退回")
        if report.status is not ReportStatus.SUBMITTED:
            raise LifecycleError("只能退回已提交的年度报告")
        report.status = ReportStatus.RETURNED
        report.return_reason = reason
        report.grade = None
        report.grade_comment = ""
        report.graded_at = report.graded_by_id = None
        audit(actor, "lifecycle.report_return", "annual_report", report.id,
              f"{report.studio.name} {report.review_year.name}", reason)


def grade_report(actor, report: AnnualReport, grade: Grade, comment: str) -> None:
    """Mark a filed report 合格 / 基本合格 / 不合格 (may be changed until the year is closed)."""
    _require_admin(actor)
    comment = (comment or "").strip()
    if grade is not Grade.PASS and not comment:
        raise LifecycleError(f"评定为“{grade.label}”时必须填写评语，说明原因")
    with write_transaction():
        lock(report)
        if not report.can_grade(actor):
            raise LifecycleError("只能评定本年度已提交的报告（年度考核结束后不能再改）")
        before = report.grade.label if report.grade else "未评定"
        report.grade = grade
        report.grade_comment = comment
        report.graded_at = utcnow()
        report.graded_by_id = actor.id
        audit(actor, "lifecycle.report_grade", "annual_report", report.id,
              f"{report.studio.name} {report.review_year.name}", f"{before} → {grade.label}" + (
                  f"：{comment}" if comment else ""))


# ------------------------------------------------------------------ 复核

@dataclass
class RecheckData:
    decided_on: date
    outcome: RecheckOutcome
    doc_number: str = ""
    reason: str = ""


def record_recheck(actor, studio: Studio, data: RecheckData) -> Recheck:
    """Record a 复核 outcome; 不通过 puts the studio on the 待摘牌 list for the office to confirm."""
    _require_admin(actor)
    reason = (data.reason or "").strip()
    if data.outcome is RecheckOutcome.FAILED and not reason:
        raise LifecycleError("复核不通过时必须填写原因")
    if data.decided_on > today():
        raise LifecycleError("复核日期不能晚于今天")
    with write_transaction() as session:
        lock(studio)
        if studio.status is not StudioStatus.ACTIVE:
            raise LifecycleError(f"“{studio.name}”已摘牌，不再复核")
        recheck = Recheck(studio_id=studio.id, decided_on=data.decided_on, outcome=data.outcome,
                          doc_number=(data.doc_number or "").strip(), reason=reason, created_by_id=actor.id)
        session.add(recheck)
        session.flush()
        mark_changed(session)  # shown in the studio's public history
        audit(actor, "lifecycle.recheck", "studio", studio.id, studio.name,
              f"{data.outcome.label}（{data.decided_on.isoformat()}"
              + (f"，{recheck.doc_number}" if recheck.doc_number else "") + "）" + (f"：{reason}" if reason else ""))
        return recheck


# ------------------------------------------------------------------ 摘牌 and 恢复

@dataclass
class DelistData:
    decided_on: date
    cause: DelistCause
    reason: str
    doc_number: str = ""


def delist_studio(actor, studio: Studio, data: DelistData) -> StatusChange:
    """摘牌: the studio leaves the 有效 lists and figures, every valid title is revoked; its records stay public."""
    _require_admin(actor)
    reason = (data.reason or "").strip()
    if not reason:
        raise LifecycleError("摘牌必须填写原因")
    if data.decided_on > today():
        raise LifecycleError("摘牌日期不能晚于今天")
    with write_transaction() as session:
        lock(studio)
        if studio.status is StudioStatus.DELISTED:
            raise LifecycleError(f"“{studio.name}”已于 {studio.delisted_on} 摘牌")
        revoked = [t for t in studio.titles if t.state is TitleState.VALID]
        for title in revoked:
            title.revoke(data.decided_on, data.doc_number, f"摘牌：{reason}")
        studio.refresh_level()
        studio.status = StudioStatus.DELISTED
        studio.delisted_on = data.decided_on
        change = StatusChange(studio_id=studio.id, action=StatusAction.DELIST, cause=data.cause,
                              decided_on=data.decided_on, doc_number=(data.doc_number or "").strip(), reason=reason,
                              revoked_title_ids=[t.id for t in revoked], created_by_id=actor.id)
        session.add(change)
        session.flush()
        audit(actor, "studio.delist", "studio", studio.id, studio.name,
              f"有效 → 摘牌（{data.decided_on.isoformat()}，{data.cause.label}"
              + (f"，{change.doc_number}" if change.doc_number else "") + f"）：{reason}；撤销命名 {len(revoked)} 项")
        return change


def restore_studio(actor, studio: Studio, decided_on: date, reason: str, doc_number: str = "") -> StatusChange:
    """恢复: undo the last 摘牌, giving back the titles it revoked (not ones 撤销 separately)."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("恢复必须填写原因")
    with write_transaction() as session:
        lock(studio)
        if studio.status is not StudioStatus.DELISTED:
            raise LifecycleError(f"“{studio.name}”未摘牌，无需恢复")
        last = session.execute(select(StatusChange).where(
            StatusChange.studio_id == studio.id, StatusChange.action == StatusAction.DELIST
        ).order_by(StatusChange.id.desc()).limit(1)).scalar_one_or_none()
        if last is not None and decided_on < last.decided_on:
            raise LifecycleError("恢复日期不能早于摘牌日期")
        ids = set(last.revoked_title_ids or []) if last else set()
        restored = [t for t in studio.titles if t.id in ids and t.state is TitleState.REVOKED]
        for title in restored:
            title.state = TitleState.VALID
            title.revoked_on = None
            title.revoke_doc_number = ""
            title.revoke_reason = ""
        studio.refresh_level()
        studio.status = StudioStatus.ACTIVE
        studio.delisted_on = None
        change = StatusChange(studio_id=studio.id, action=StatusAction.RESTORE, decided_on=decided_on,
                              doc_number=(doc_number or "").strip(), reason=reason, created_by_id=actor.id)
        session.add(change)
        session.flush()
        audit(actor, "studio.restore", "studio", studio.id, studio.name,
              f"摘牌 → 有效（{decided_on.isoformat()}）：{reason}；恢复命名 {len(restored)} 项")
        return change
