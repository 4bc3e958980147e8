"""Read side of the lifecycle: a year's progress, a studio's year in the catalogue, 复核 due, the public history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from ..catalogue.models import Achievement, Patent, Studio, StudioTitle
from ..catalogue.queries import AchievementFilters, PatentFilters, public_achievements_select, public_patents_select
from ..extensions import db
from ..models import StudioStatus, TitleState, local_time
from .models import (
    AnnualReport,
    Grade,
    Recheck,
    RecheckOutcome,
    ReviewYear,
    StatusAction,
    StatusChange,
    YearStatus,
)

ACTIVE = StudioStatus.ACTIVE


def years() -> list[ReviewYear]:
    return list(db.session.execute(select(ReviewYear).order_by(ReviewYear.year.desc())).scalars())


def year_by_number(year: int) -> ReviewYear | None:
    return db.session.execute(select(ReviewYear).where(ReviewYear.year == year)).scalar_one_or_none()


def report_of(review_year_id: int, studio_id: int) -> AnnualReport | None:
    return db.session.execute(select(AnnualReport).where(
        AnnualReport.review_year_id == review_year_id, AnnualReport.studio_id == studio_id)).scalar_one_or_none()


@dataclass
class YearActivity:
    achievements: list[Achievement]
    patents: list[Patent]


def year_activity(studio_id: int, year: int) -> YearActivity:
    """The studio's approved achievements completed in `year` and patents filed in it, from the catalogue."""
    return YearActivity(
        list(db.session.execute(public_achievements_select(
            AchievementFilters(studio_id=studio_id, year=year), with_studio=False)).scalars()),
        list(db.session.execute(public_patents_select(
            PatentFilters(studio_id=studio_id, year=year), with_studio=False)).scalars()),
    )


@dataclass
class ProgressRow:
    studio: Studio
    report: AnnualReport | None

    @property
    def filed(self) -> bool:
        return self.report is not None and self.report.is_filed


@dataclass
class YearProgress:
    rows: list[ProgressRow]
    expected: int = 0
    filed: int = 0
    graded: int = 0
    by_grade: dict[Grade, int] = field(default_factory=dict)


def year_progress(review_year: ReviewYear) -> YearProgress:
    """Every studio expected to file: the 有效 ones named by that year, and any that filed (before a 摘牌, say).

    Unfiled first, then filed and ungraded, then graded; by name within each.
    """
    reports = {r.studio_id: r for r in db.session.execute(
        select(AnnualReport).where(AnnualReport.review_year_id == review_year.id)).scalars()}
    first_named = select(StudioTitle.studio_id, func.min(StudioTitle.year).label("year")).group_by(
        StudioTitle.studio_id).subquery()
    studios = db.session.execute(
        select(Studio).outerjoin(first_named, first_named.c.studio_id == Studio.id).where(
            ((Studio.status == ACTIVE) & (first_named.c.year.is_(None) | (first_named.c.year <= review_year.year)))
            | Studio.id.in_(list(reports) or [-1])
        ).order_by(Studio.name)).scalars()
    rows = [ProgressRow(s, reports.get(s.id)) for s in studios]
    rows.sort(key=lambda r: (r.filed, r.report is not None and r.report.grade is not None))
    progress = YearProgress(rows, expected=len(rows), filed=sum(r.filed for r in rows))
    progress.by_grade = {g: 0 for g in Grade}
    for row in rows:
        if row.filed and row.report.grade is not None:
            progress.graded += 1
            progress.by_grade[row.report.grade] += 1
    return progress


def studio_reports(studio_id: int) -> dict[int, AnnualReport]:
    """{review year id: the studio's report}."""
    return {r.review_year_id: r for r in db.session.execute(
        select(AnnualReport).where(AnnualReport.studio_id == studio_id)).scalars()}


# ------------------------------------------------------------------ 复核

def recheck_years() -> int:
    return int(current_app.config.get("STUDIO_RECHECK_YEARS") or 3)


@dataclass
class RecheckDue:
    studio: Studio
    since_year: int  # the latest naming, or the last passed 复核
    since: str  # what since_year is: 命名 or 复核
    due_year: int


def rechecks_due(today: date) -> list[RecheckDue]:
    """有效 studios whose latest naming or passed 复核 is at least N years old (STUDIO_RECHECK_YEARS), oldest first."""
    n = recheck_years()
    named = dict(db.session.execute(select(StudioTitle.studio_id, func.max(StudioTitle.year)).where(
        StudioTitle.state == TitleState.VALID).group_by(StudioTitle.studio_id)).all())
    passed = dict(db.session.execute(select(Recheck.studio_id, func.max(Recheck.decided_on)).where(
        Recheck.outcome == RecheckOutcome.PASSED).group_by(Recheck.studio_id)).all())
    pending = {c.studio.id for c in pending_delistings()}
    due = []
    for studio in db.session.execute(select(Studio).where(Studio.status == ACTIVE)).scalars():
        if studio.id in pending:
            continue  # already failed its 复核: waits for the office's 摘牌, listed apart
        candidates = []
        if named.get(studio.id):
            candidates.append((named[studio.id], "命名"))
        if passed.get(studio.id):
            candidates.append((passed[studio.id].year, "复核"))
        if not candidates:
            continue
        since_year, since = max(candidates)
        if since_year + n <= today.year:
            due.append(RecheckDue(studio, since_year, since, since_year + n))
    due.sort(key=lambda d: (d.due_year, d.studio.name))
    return due


@dataclass
class PendingDelisting:
    studio: Studio
    recheck: Recheck


def pending_delistings() -> list[PendingDelisting]:
    """有效 studios whose latest 复核 is 不通过: the office confirms their 摘牌."""
    latest = select(Recheck.studio_id, func.max(Recheck.id).label("last_id")).group_by(Recheck.studio_id).subquery()
    rows = db.session.execute(
        select(Recheck).join(latest, Recheck.id == latest.c.last_id).join(Studio, Studio.id == Recheck.studio_id)
        .where(Recheck.outcome == RecheckOutcome.FAILED, Studio.status == ACTIVE).order_by(Recheck.decided_on)
    ).scalars()
    return [PendingDelisting(r.studio, r) for r in rows]


def failing_studios(times: int = 2) -> list[tuple[Studio, int]]:
    """有效 studios graded 不合格 in at least `times` closed years: candidates for 摘牌."""
    # Ids and counts first: grouping whole Studio rows would group their joined-eager leader too (PostgreSQL refuses).
    counts = dict(db.session.execute(
        select(AnnualReport.studio_id, func.count())
        .join(ReviewYear, ReviewYear.id == AnnualReport.review_year_id)
        .where(ReviewYear.status == YearStatus.CLOSED, AnnualReport.grade == Grade.FAIL)
        .group_by(AnnualReport.studio_id).having(func.count() >= times)
    ).all())
    if not counts:
        return []
    studios = db.session.execute(select(Studio).where(Studio.id.in_(list(counts)), Studio.status == ACTIVE)
                                 .order_by(Studio.name)).scalars()
    return [(studio, counts[studio.id]) for studio in studios]


def rechecks_recent(limit: int = 20) -> list[Recheck]:
    return list(db.session.execute(select(Recheck).order_by(Recheck.id.desc()).limit(limit)).scalars())


def delisted_studios() -> list[Studio]:
    return list(db.session.execute(select(Studio).where(Studio.status == StudioStatus.DELISTED)
                                   .order_by(Studio.delisted_on.desc(), Studio.name)).scalars())


def last_delisting(studio_id: int) -> StatusChange | None:
    return db.session.execute(select(StatusChange).where(
        StatusChange.studio_id == studio_id, StatusChange.action == StatusAction.DELIST
    ).order_by(StatusChange.id.desc()).limit(1)).scalar_one_or_none()


# ------------------------------------------------------------------ the public history

@dataclass
class HistoryEvent:
    on: date
    kind: str  # review / recheck / delist / restore: the timeline's marker style
    title: str
    detail: str = ""
    doc_number: str = ""
    cause: str = ""  # a 摘牌's cause (年度考核不合格, 复核不通过, 其他原因)


def studio_history(studio_id: int) -> list[HistoryEvent]:
    """The studio's public lifecycle, newest first: closed years' grades, 复核, 摘牌 and 恢复."""
    events = []
    for report, review_year in db.session.execute(
        select(AnnualReport, ReviewYear).join(ReviewYear, ReviewYear.id == AnnualReport.review_year_id)
        .where(AnnualReport.studio_id == studio_id, ReviewYear.status == YearStatus.CLOSED)
    ).all():
        closed = local_time(review_year.closed_at).date() if review_year.closed_at else review_year.deadline
        if report.is_filed and report.grade is not None:
            events.append(HistoryEvent(closed, "review", f"{review_year.name}：{report.grade.label}",
                                       report.grade_comment))
        else:
            events.append(HistoryEvent(closed, "review", f"{review_year.name}：未报送年度报告"))
    for recheck in db.session.execute(select(Recheck).where(Recheck.studio_id == studio_id)).scalars():
        events.append(HistoryEvent(recheck.decided_on, "recheck", f"复核{recheck.outcome.label}", recheck.reason,
                                   recheck.doc_number))
    for change in db.session.execute(select(StatusChange).where(StatusChange.studio_id == studio_id)).scalars():
        title = change.action.label + (f"（{change.cause.label}）" if change.cause else "")
        events.append(HistoryEvent(change.decided_on, change.action.value, title, change.reason, change.doc_number,
                                   change.cause.label if change.cause else ""))
    events.sort(key=lambda e: e.on, reverse=True)
    return events


