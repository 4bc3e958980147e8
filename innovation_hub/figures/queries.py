"""Reads of the honest figures' pages: the value lines an administrator verifies."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..catalogue.models import Achievement, ValueLine
from ..models import RecordStatus, ValueStatus


def value_lines_select(status: ValueStatus, studio_id: int | None = None) -> Select:
    """The approved achievements' value lines in `status`, newest first, optionally of one studio."""
    stmt = (select(ValueLine).join(ValueLine.achievement)
            .where(ValueLine.status == status, Achievement.status == RecordStatus.APPROVED)
            .options(joinedload(ValueLine.achievement).joinedload(Achievement.studio))
            .order_by(ValueLine.created_at.desc(), ValueLine.id.desc()))
    if studio_id:
        stmt = stmt.where(Achievement.studio_id == studio_id)
    return stmt
