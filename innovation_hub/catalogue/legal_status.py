"""A patent's legal status (法律状态): derived from its grant date and term end, or set by the office.

申请中 until granted; 有效 from the grant to the last day of the term; 届满 after it. 失效 (lapsed early,
e.g. fees unpaid or invalidated) is known only to the office, so only an override gives it. The term end
is a stored, indexed column (kept from kind and filing date whenever a patent is written), so a list
filter on the status is a plain WHERE on indexed columns against today's date at any size.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, or_

from ..models import LegalStatus


def derive(grant_date: date | None, term_end: date | None, override: LegalStatus | None, today: date) -> LegalStatus:
    """The status shown: the override if set; else 申请中 / 有效 (through the term's last day) / 届满."""
    if override is not None:
        return override
    if grant_date is None:
        return LegalStatus.PENDING
    # A granted patent without a filing date has no computable term: it is taken as still in force.
    if term_end is None or term_end >= today:
        return LegalStatus.IN_FORCE
    return LegalStatus.EXPIRED


def condition(patent, status: LegalStatus, today: date):
    """The SQL condition of `status` on the Patent model (the same rule as derive())."""
    override = patent.legal_status_override
    if status is LegalStatus.PENDING:
        derived = patent.grant_date.is_(None)
    elif status is LegalStatus.IN_FORCE:
        derived = and_(patent.grant_date.is_not(None), or_(patent.term_end.is_(None), patent.term_end >= today))
    elif status is LegalStatus.EXPIRED:
        derived = and_(patent.grant_date.is_not(None), patent.term_end < today)
    else:
        derived = None  # 失效 is never derived
    overridden = override == status
    if derived is None:
        return overridden
    return or_(overridden, and_(override.is_(None), derived))


def expression(patent, today: date):
    """A SQL CASE giving each patent's status value (for counting by status in one GROUP BY)."""
    return case(
        (patent.legal_status_override.is_not(None), patent.legal_status_override),
        (patent.grant_date.is_(None), LegalStatus.PENDING.value),
        (or_(patent.term_end.is_(None), patent.term_end >= today), LegalStatus.IN_FORCE.value),
        else_=LegalStatus.EXPIRED.value,
    )
