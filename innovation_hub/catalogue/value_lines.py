"""The per-year value ledger of an achievement (分年度经济效益): lines whose sum is Achievement.value_wan.

A line is the studio's own figure (自报) until the office checks it (已核实, by whom and when). The
achievement's value_wan stays the total (the ledger's 经济效益(万元), the API's value_wan), and every writer
keeps the two agreeing: a total given without lines (a ledger import, the studio's draft form, the demo)
becomes, or adjusts, one 自报 line for the achievement's year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from ..models import Hundredths, TimestampMixin, ValueStatus, enum_column
from .models import Achievement

# The basis written on a line made from a total alone.
LEDGER_BASIS = "按台账登记的经济效益"


class ValueLine(TimestampMixin, db.Model):
    """One year's economic value of an achievement, with how it was measured and an optional evidence file."""

    __tablename__ = "value_lines"
    __table_args__ = (Index("ix_value_lines_achievement_status", "achievement_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"))
    year: Mapped[int]
    amount_wan: Mapped[Decimal] = mapped_column(Hundredths)
    basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ValueStatus] = mapped_column(
        enum_column(ValueStatus), default=ValueStatus.SELF_REPORTED, server_default=ValueStatus.SELF_REPORTED.value
    )
    # The evidence file, checked and stored as proof files are (innovation_hub/uploads.py).
    evidence_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    evidence_stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    evidence_content_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]

    achievement: Mapped[Achievement] = relationship(backref=backref(
        "value_lines", order_by=lambda: (ValueLine.year, ValueLine.id), cascade="all, delete-orphan"))
    verified_by = relationship("User", foreign_keys=[verified_by_id], lazy="joined")

    @property
    def is_verified(self) -> bool:
        return self.status is ValueStatus.VERIFIED

    @property
    def label(self) -> str:
        return f"{self.year} 年 {self.amount_wan} 万元"


@dataclass(frozen=True)
class LineState:
    """What the reconciliation needs of an existing line."""

    id: int | None
    year: int
    amount_wan: Decimal
    status: ValueStatus


class ValueMismatch(ValueError):
    """A total below what the lines it cannot change (verified or of other years) already add up to."""


def plan(lines: list[LineState], total: Decimal, year: int) -> tuple[LineState | None, Decimal] | None:
    """How to make `lines` add up to `total`: (the 自报 line of `year` to change, or None for a new line; its
    amount), or None when they already do. Raise ValueMismatch when the other lines exceed the total."""
    if lines and sum(line.amount_wan for line in lines) == total:
        return None
    target = next((line for line in lines if line.status is ValueStatus.SELF_REPORTED and line.year == year), None)
    others = sum((line.amount_wan for line in lines if line is not target), Decimal("0.00"))
    rest = total - others
    if rest < 0:
        raise ValueMismatch(
            f"经济效益 {total} 万元少于该成果其他年度或已核实的分年度效益合计 {others} 万元，"
            "请在成果的分年度效益中修改"
        )
    return target, rest


def reconcile(achievement: Achievement, total: Decimal | None, year: int) -> Decimal | None:
    """Make the ORM achievement's lines add up to `total` (None: keep the lines, their sum is the total);
    return the total to store as value_wan."""
    lines = achievement.value_lines
    if total is None:
        return sum((line.amount_wan for line in lines), Decimal("0.00")) if lines else None
    states = [LineState(line.id, line.year, line.amount_wan, line.status) for line in lines]
    step = plan(states, total, year)
    if step is not None:
        target, amount = step
        if target is None:
            lines.append(ValueLine(year=year, amount_wan=amount, basis=LEDGER_BASIS))
        else:
            lines[states.index(target)].amount_wan = amount
    return total


def line_total(achievement: Achievement) -> Decimal | None:
    lines = achievement.value_lines
    return sum((line.amount_wan for line in lines), Decimal("0.00")) if lines else None
