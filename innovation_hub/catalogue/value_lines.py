"""The per-year value ledger of an achievement (分年度经济效益): lines whose sum is Achievement.value_wan.

A line is the studio's own figure (自报) until the office checks it (已核实, by whom and when). The
achievement's value_wan stays the total (the ledger's 经济效益(万元), the API's value_wan), and every writer
keeps the two agreeing: a total given without lines (a ledger import, the studio's draft form, the demo)
becomes, or adjusts, one 自报 line for the achievement's year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..models import ValueStatus
from .models import Achievement, ValueLine

# The basis written on a line made from a total alone.
LEDGER_BASIS = "按台账登记的经济效益"


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
