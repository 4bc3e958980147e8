"""Legal status overrides and value lines: who may change them, in one audited transaction each.

A studio adds (and removes while unverified) value lines of its own achievements; only an administrator
verifies or un-verifies a line and overrides a patent's legal status. Achievement.value_wan is kept the
sum of the lines in the same transaction, so every total shown agrees with the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..audit.services import record as audit
from ..catalogue.models import Achievement, Patent, ValueLine
from ..catalogue.value_lines import line_total
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..models import LegalStatus, ValueStatus, utcnow
from ..uploads import CheckedUpload, path_of, store


class FiguresError(ValueError):
    """A change that cannot be made; the message is for the user (HTTP 400)."""


def _require_admin(actor, what: str) -> None:
    if not (actor.is_authenticated and actor.is_admin):
        raise PermissionDenied(f"只有管理员可以{what}")


def _require_own(actor, achievement: Achievement) -> None:
    if not (actor.is_authenticated and actor.studio_id is not None and actor.studio_id == achievement.studio_id):
        raise PermissionDenied("只能为本工作室的成果填报分年度经济效益")


# ------------------------------------------------------------------ legal status

def _status_text(override: LegalStatus | None, derived: LegalStatus) -> str:
    return f"{override.label}（人工设定）" if override is not None else f"{derived.label}（按日期推算）"


def set_legal_status(actor, patent: Patent, status: LegalStatus | None, reason: str) -> None:
    """Override the patent's legal status (None: back to what its dates say), with the reason."""
    _require_admin(actor, "更改专利的法律状态")
    reason = (reason or "").strip()
    if not reason:
        raise FiguresError("请填写更改法律状态的理由（如：未缴年费，专利权终止）")
    with write_transaction():
        lock(patent)
        before = _status_text(patent.legal_status_override, patent.derived_legal_status)
        # Setting what the dates already say is no override: the status keeps following the dates.
        patent.legal_status_override = None if status is patent.derived_legal_status else status
        patent.legal_status_reason = reason if patent.legal_status_override is not None else ""
        after = _status_text(patent.legal_status_override, patent.derived_legal_status)
        if before == after:
            raise FiguresError(f"法律状态已是“{after}”，未作更改")
        audit(actor, "patent.legal_status", "patent", patent.id, patent.title, f"{before} → {after}：{reason}")


# ------------------------------------------------------------------ value lines

@dataclass
class ValueLineData:
    year: int
    amount_wan: Decimal
    basis: str


def add_value_line(actor, achievement: Achievement, data: ValueLineData,
                   upload: CheckedUpload | None = None) -> ValueLine:
    """A studio reports one year's value of its own achievement (自报); the achievement's total grows."""
    _require_own(actor, achievement)
    basis = (data.basis or "").strip()
    if not basis:
        raise FiguresError("请填写测算依据（如：节约材料费 × 单价，财务部门出具的证明）")
    stored_name = store(upload) if upload is not None else None
    try:
        with write_transaction() as session:
            lock(achievement)
            _require_own(actor, achievement)
            line = ValueLine(year=data.year, amount_wan=data.amount_wan, basis=basis, created_by_id=actor.id,
                             status=ValueStatus.SELF_REPORTED)
            if upload is not None:
                line.evidence_name, line.evidence_stored_name = upload.original_name, stored_name
                line.evidence_content_type = upload.content_type
            achievement.value_lines.append(line)
            achievement.value_wan = line_total(achievement)
            session.flush()
            audit(actor, "value.add", "achievement", achievement.id, achievement.title,
                  f"{line.label}（自报），合计 {achievement.value_wan} 万元")
            return line
    except BaseException:
        if stored_name is not None:
            path_of(stored_name).unlink(missing_ok=True)  # no file kept without its line
        raise


def remove_value_line(actor, line: ValueLine) -> None:
    """A studio withdraws one of its own unverified lines; the achievement's total shrinks."""
    achievement = line.achievement
    _require_own(actor, achievement)
    with write_transaction() as session:
        lock(achievement, line)
        if line.status is ValueStatus.VERIFIED:
            raise FiguresError(f"{line.label}已由市总工会核实，不能删除；如需更正请联系市总工会")
        stored_name, label = line.evidence_stored_name, line.label
        achievement.value_lines.remove(line)
        session.flush()
        achievement.value_wan = line_total(achievement)
        audit(actor, "value.remove", "achievement", achievement.id, achievement.title,
              f"{label}（自报），合计 {achievement.value_wan or 0} 万元")
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)


def verify_value_line(actor, line: ValueLine, verified: bool = True) -> None:
    """The office marks a line 已核实 (by whom, when), or back to 自报."""
    _require_admin(actor, "核实经济效益")
    achievement = line.achievement
    with write_transaction():
        lock(achievement, line)
        wanted = ValueStatus.VERIFIED if verified else ValueStatus.SELF_REPORTED
        if line.status is wanted:
            raise FiguresError(f"{line.label}已是“{wanted.label}”")
        before = line.status
        line.status = wanted
        line.verified_by_id = actor.id if verified else None
        line.verified_at = utcnow() if verified else None
        audit(actor, "value.verify" if verified else "value.unverify", "achievement", achievement.id,
              achievement.title, f"{line.label}：{before.label} → {wanted.label}")
