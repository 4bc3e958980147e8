"""Demo history of the honest figures: a few achievements' value split over two years with the first year
verified by the office, and one patent registered 失效. Totals stay the report's (315 patents, 12000 万元)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..accounts.services import user_by_username
from ..catalogue.models import Achievement, Patent, ValueLine
from ..extensions import db
from ..figures.services import set_legal_status, verify_value_line
from ..models import LegalStatus, RecordStatus

VERIFIED_ACHIEVEMENTS = 12  # the highest-value approved achievements completed before the last year
LAPSED_REASON = "示例：未按期缴纳年费，专利权终止（专利公报）"


def add_figures_history(as_of_year: int) -> None:
    """Inside the seed's transaction, after the demo logins exist (the office account verifies)."""
    admin = user_by_username("admin")
    if admin is None or not admin.is_admin:
        return  # the demo admin's name is taken by another account: no history in its name
    session = db.session
    achievements = session.scalars(
        select(Achievement).where(Achievement.status == RecordStatus.APPROVED, Achievement.year < as_of_year,
                                  Achievement.value_wan.is_not(None))
        .order_by(Achievement.value_wan.desc(), Achievement.id).limit(VERIFIED_ACHIEVEMENTS)).all()
    for achievement in achievements:
        (line,) = achievement.value_lines  # the one 自报 line its total gave
        first = (line.amount_wan * Decimal("0.6")).quantize(Decimal("0.01"))
        achievement.value_lines.append(ValueLine(
            year=achievement.year + 1, amount_wan=line.amount_wan - first,
            basis="示例：推广应用第二年，按节约的材料费和减少的停机时间测算"))
        line.amount_wan, line.basis = first, "示例：投用当年，财务部门按节约的材料费和电费核算"
        session.flush()
        verify_value_line(admin, line)
    # The oldest granted patent still in force lapses early (fees unpaid): 失效 is only ever set by the office.
    for patent in session.scalars(select(Patent).where(Patent.status == RecordStatus.APPROVED,
                                                       Patent.grant_date.is_not(None))
                                  .order_by(Patent.filing_date, Patent.id)):
        if patent.legal_status is LegalStatus.IN_FORCE:
            set_legal_status(admin, patent, LegalStatus.LAPSED, LAPSED_REASON)
            break
