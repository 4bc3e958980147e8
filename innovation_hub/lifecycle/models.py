"""ReviewYear and AnnualReport (年度考核), Recheck (复核) and StatusChange (摘牌 / 恢复)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Studio
from ..extensions import db
from ..models import Hundredths, LabelledEnum, TimestampMixin, enum_column, utcnow


class YearStatus(LabelledEnum):
    OPEN = "open", "填报中"
    CLOSED = "closed", "已结束"


class ReportStatus(LabelledEnum):
    DRAFT = "draft", "填写中"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"


class Grade(LabelledEnum):
    """年度考核结果; rank orders them (higher is better)."""

    PASS = "pass", "合格", 3
    BASIC = "basic", "基本合格", 2
    FAIL = "fail", "不合格", 1


class RecheckOutcome(LabelledEnum):
    PASSED = "passed", "通过"
    FAILED = "failed", "不通过"


class StatusAction(LabelledEnum):
    DELIST = "delist", "摘牌"
    RESTORE = "restore", "恢复"


class DelistCause(LabelledEnum):
    """Why a studio was 摘牌: shown on its page next to the reason."""

    REVIEW = "review", "年度考核不合格"
    RECHECK = "recheck", "复核不通过"
    OTHER = "other", "其他原因"


class ReviewYear(TimestampMixin, db.Model):
    """One 年度考核 round: the office opens it for a year, studios file, the office grades and closes it."""

    __tablename__ = "review_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    deadline: Mapped[date]
    status: Mapped[YearStatus] = mapped_column(enum_column(YearStatus), default=YearStatus.OPEN)
    note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]

    reports: Mapped[list[AnnualReport]] = relationship(back_populates="review_year")

    @property
    def name(self) -> str:
        return f"{self.year}年度考核"

    @property
    def is_open(self) -> bool:
        return self.status is YearStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and today > self.deadline


class AnnualReport(TimestampMixin, db.Model):
    """A studio's yearly report (年度报告) for one ReviewYear, and the office's grade of it."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("review_year_id", "studio_id", name="uq_annual_reports_year_studio"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_year_id: Mapped[int] = mapped_column(ForeignKey("review_years.id", ondelete="CASCADE"), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.DRAFT)
    value_wan: Mapped[Decimal | None] = mapped_column(Hundredths)
    training_sessions: Mapped[int] = mapped_column(default=0)  # 培训场次
    apprentices: Mapped[int] = mapped_column(default=0)  # 带徒人数
    activities: Mapped[str] = mapped_column(Text, default="")
    # The year's approved achievements and patents as counted when the report was submitted: the grade
    # was given on these, even if the catalogue changes later.
    achievement_count: Mapped[int | None]
    patent_count: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade))
    grade_comment: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    review_year: Mapped[ReviewYear] = relationship(back_populates="reports", lazy="joined")
    studio: Mapped[Studio] = relationship()
    graded_by = relationship("User")

    @property
    def is_filed(self) -> bool:
        return self.status is ReportStatus.SUBMITTED

    @property
    def is_returned(self) -> bool:
        return self.status is ReportStatus.RETURNED

    def can_edit(self, user) -> bool:
        """The owning studio, until it submits (or after the office returned it), while the year is open."""
        return (user.is_authenticated and user.studio_id == self.studio_id and self.review_year.is_open
                and self.status is not ReportStatus.SUBMITTED)

    def can_grade(self, user) -> bool:
        return user.is_authenticated and user.is_admin and self.review_year.is_open and self.is_filed


class Recheck(db.Model):
    """One 复核 (re-confirmation) of a studio: 通过 restarts the N-year clock, 不通过 leads to 摘牌."""

    __tablename__ = "studio_rechecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    decided_on: Mapped[date]
    outcome: Mapped[RecheckOutcome] = mapped_column(enum_column(RecheckOutcome))
    doc_number: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    studio: Mapped[Studio] = relationship()


class StatusChange(db.Model):
    """A 摘牌 or a 恢复 of a studio, with its date, 文号 and reason."""

    __tablename__ = "studio_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    action: Mapped[StatusAction] = mapped_column(enum_column(StatusAction))
    cause: Mapped[DelistCause | None] = mapped_column(enum_column(DelistCause))
    decided_on: Mapped[date]
    doc_number: Mapped[str] = mapped_column(String(80), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # The titles this 摘牌 revoked, so a 恢复 gives back exactly those (not ones 撤销 on their own before).
    revoked_title_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    studio: Mapped[Studio] = relationship()
