"""The honest parts of the headline figures: patents by legal status, value by verification.

Computed live from the database (the home page caches the page by catalogue version and day, so a term
that ends at midnight moves a patent from 有效 to 届满 the next day without any write).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import LegalStatus, RecordStatus, ValueStatus, local_today
from . import legal_status as legal
from .models import Achievement, Patent, ValueLine

APPROVED = RecordStatus.APPROVED


@dataclass
class HonestFigures:
    patents_granted: int  # with a grant date, whatever their status now
    patents_by_status: dict[LegalStatus, int]
    value_verified_wan: Decimal
    value_self_reported_wan: Decimal

    @property
    def patents_in_force(self) -> int:
        return self.patents_by_status[LegalStatus.IN_FORCE]

    @property
    def patents_pending(self) -> int:
        return self.patents_by_status[LegalStatus.PENDING]


def honest_figures() -> HonestFigures:
    """Two GROUP BYs over approved patents and one over the value lines of approved achievements."""
    status = legal.expression(Patent, local_today())
    by_status: dict[LegalStatus, int] = {m: 0 for m in LegalStatus}
    granted = 0
    for value, is_granted, n in db.session.execute(
        select(status, Patent.grant_date.is_not(None), func.count()).where(Patent.status == APPROVED)
        .group_by(status, Patent.grant_date.is_not(None))
    ).all():
        by_status[LegalStatus(value)] += n
        granted += n if is_granted else 0
    values = {ValueStatus(k): v or Decimal("0.00") for k, v in db.session.execute(
        select(ValueLine.status, func.sum(ValueLine.amount_wan)).join(ValueLine.achievement)
        .where(Achievement.status == APPROVED).group_by(ValueLine.status)
    ).all()}
    return HonestFigures(
        patents_granted=granted,
        patents_by_status=by_status,
        value_verified_wan=values.get(ValueStatus.VERIFIED, Decimal("0.00")),
        value_self_reported_wan=values.get(ValueStatus.SELF_REPORTED, Decimal("0.00")),
    )
