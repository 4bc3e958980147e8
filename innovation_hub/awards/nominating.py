"""Nominations (推荐申报) and their qualification review (资格审核), with the round's eligibility rules."""

from __future__ import annotations

from sqlalchemy import func, select

from ..audit.services import record as audit
from ..catalogue.models import Achievement
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..extensions import db
from ..models import RecordStatus, local_time, utcnow
from .models import AwardRound, Certificate, Nomination, NominationState, RoundState
from .services import AwardError, label, require_admin, require_state

N = NominationState


def _nomination(award_round: AwardRound, achievement: Achievement) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(
        Nomination.round_id == award_round.id, Nomination.achievement_id == achievement.id)).first()


def earlier_excellence(award_round: AwardRound, achievement_ids: list[int]) -> dict[int, str]:
    """achievement id → the name of an earlier round in which it was 优秀 (it holds a certificate)."""
    if not achievement_ids:
        return {}
    return dict(db.session.execute(
        select(Nomination.achievement_id, AwardRound.name).join(Certificate, Certificate.nomination_id == Nomination.id)
        .join(AwardRound, Certificate.round_id == AwardRound.id)
        .where(Nomination.achievement_id.in_(achievement_ids), AwardRound.id != award_round.id,
               AwardRound.state == RoundState.FINAL)).all())


def _earlier_excellence(award_round: AwardRound, achievement: Achievement) -> str | None:
    return earlier_excellence(award_round, [achievement.id]).get(achievement.id)


def studio_nomination_count(award_round: AwardRound, studio_id: int) -> int:
    """Nominations a studio holds in the round; a withdrawn one frees its place."""
    return db.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.round_id == award_round.id, Nomination.studio_id == studio_id,
        Nomination.state != N.WITHDRAWN))


def eligibility(award_round: AwardRound, achievement: Achievement) -> list[str]:
    """Why the achievement cannot be nominated to the round now, in plain Chinese; empty: it can."""
    reasons = []
    if achievement.status is not RecordStatus.APPROVED:
        reasons.append(f"成果尚未审核通过（当前状态：{achievement.status.label}），只有审核通过的成果才能推荐")
    if award_round.state is not RoundState.NOMINATING:
        reasons.append(f"{label(award_round)}当前处于“{award_round.state.label}”阶段，不在推荐申报期")
    elif award_round.nomination_deadline and local_time(utcnow()).date() > award_round.nomination_deadline:
        reasons.append(f"推荐申报已于 {award_round.nomination_deadline:%Y-%m-%d} 截止")
    if award_round.recent_years is not None:
        earliest = award_round.year - award_round.recent_years
        if achievement.year < earliest:
            reasons.append(f"成果完成于 {achievement.year} 年，本次评选只接受近 {award_round.recent_years} 年"
                           f"（{earliest} 年及以后）完成的成果")
    earlier = _earlier_excellence(award_round, achievement)
    if earlier:
        reasons.append(f"该成果已在“{earlier}”中获评优秀成果，不能再次参评")
    existing = _nomination(award_round, achievement)
    if existing is not None and existing.state is not N.WITHDRAWN:
        reasons.append(f"该成果已推荐到本次评选（{existing.state.label}），每项成果只能推荐一次")
    elif award_round.max_per_studio is not None:
        held = studio_nomination_count(award_round, achievement.studio_id)
        if held >= award_round.max_per_studio:
            reasons.append(f"本工作室在本次评选中已推荐 {held} 项，"
                           f"已达上限（每个工作室最多 {award_round.max_per_studio} 项）")
    return reasons


def nominate(actor, award_round: AwardRound, achievement: Achievement) -> Nomination:
    """推荐: a studio nominates its own approved achievement (an administrator may do so on its behalf)."""
    if actor is None or not actor.is_authenticated or not (
            actor.is_admin or (actor.studio_id is not None and actor.studio_id == achievement.studio_id)):
        raise PermissionDenied("只能推荐本工作室的成果")
    with write_transaction() as session:
        lock(award_round)  # nominations of a round are counted by one writer at a time
        reasons = eligibility(award_round, achievement)  # under the write lock: counts cannot race
        if reasons:
            raise AwardError("不能推荐该成果：" + "；".join(reasons))
        nomination = _nomination(award_round, achievement)
        if nomination is None:
            nomination = Nomination(round_id=award_round.id, achievement_id=achievement.id,
                                    studio_id=achievement.studio_id)
            session.add(nomination)
        # A withdrawn nomination is revived: (round, achievement) is unique.
        nomination.state, nomination.reject_reason = N.NOMINATED, ""
        nomination.nominated_by_id, nomination.nominated_at, nomination.withdrawn_at = actor.id, utcnow(), None
        nomination.decided_by_id = nomination.decided_at = None
        session.flush()
        audit(actor, "award.nominate", "nomination", nomination.id, achievement.title, award_round.name)
        return nomination


def withdraw(actor, nomination: Nomination) -> None:
    """撤回 while nominations are open; the studio may nominate it again before the deadline."""
    if actor is None or not actor.is_authenticated or not (actor.is_admin or actor.studio_id == nomination.studio_id):
        raise PermissionDenied("只能撤回本工作室的推荐")
    with write_transaction():
        lock(nomination.round, nomination)
        require_state(nomination.round, (RoundState.NOMINATING,), "撤回推荐")
        if nomination.state is not N.NOMINATED:
            raise AwardError(f"该推荐当前为“{nomination.state.label}”，不能撤回")
        nomination.state, nomination.withdrawn_at = N.WITHDRAWN, utcnow()
        audit(actor, "award.withdraw", "nomination", nomination.id, nomination.title, nomination.round.name)


def qualify(actor, nomination: Nomination, ok: bool, reason: str = "") -> None:
    """资格审核: pass or reject (with the reason the studio reads); may be changed until scoring starts."""
    require_admin(actor)
    reason = (reason or "").strip()
    if not ok and not reason:
        raise AwardError("资格审核不通过时必须填写理由，工作室会看到它")
    with write_transaction():
        lock(nomination.round, nomination)
        require_state(nomination.round, (RoundState.QUALIFYING,), "进行资格审核")
        if nomination.state is N.WITHDRAWN:
            raise AwardError("该推荐已撤回，无需审核")
        nomination.state = N.QUALIFIED if ok else N.REJECTED
        nomination.reject_reason = "" if ok else reason
        nomination.decided_by_id, nomination.decided_at = actor.id, utcnow()
        audit(actor, "award.qualify" if ok else "award.reject", "nomination", nomination.id, nomination.title,
              reason or nomination.round.name)
