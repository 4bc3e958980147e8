"""Conflicts of interest (回避): when a judge must not see or score an entry."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Assignment, Nomination


def _same_unit(a: str | None, b: str | None) -> bool:
    a, b = (a or "").strip(), (b or "").strip()
    return bool(a) and a == b


def standing_conflict(judge, studio) -> str | None:
    """Why a judge may never judge this studio's entries (its own studio, its own host unit), else None."""
    if judge.studio_id is not None and judge.studio_id == studio.id:
        return "本人所在工作室"
    if _same_unit(judge.unit, studio.host_unit):
        return "本人工作单位为该工作室的依托单位"
    return None


def declared_conflict(judge_id: int, nomination_id: int) -> Assignment | None:
    """The 回避 row a judge declared or an administrator set on this entry, if any."""
    return db.session.scalars(select(Assignment).where(
        Assignment.judge_id == judge_id, Assignment.nomination_id == nomination_id,
        Assignment.conflict.is_(True))).first()


def is_conflicted(judge, nomination: Nomination) -> bool:
    """True for the judge's own studio or host unit, or a declared or administrator-set conflict."""
    return standing_conflict(judge, nomination.studio) is not None \
        or declared_conflict(judge.id, nomination.id) is not None
