"""What the public does in a round: objections (异议) during 公示 and the optional public vote."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record as audit
from ..database import write_transaction
from ..extensions import db
from ..models import local_time, utcnow
from .models import AwardRound, Nomination, NominationState, Objection, RoundState, Vote
from .services import AwardError, require_admin

# Limits counted in the database, so every worker process sees the same counts.
VOTES_PER_ADDRESS_PER_HOUR = 30
OBJECTIONS_PER_ADDRESS_PER_DAY = 10
VOTING_STATES = (RoundState.SCORING,)  # the public votes while the experts score; the result then includes both


class TooManyRequests(AwardError):
    """A per-address limit was reached (HTTP 429)."""

    code = 429


def _entry_of(award_round: AwardRound, nomination: Nomination | None) -> None:
    if nomination is not None and (nomination.round_id != award_round.id
                                   or nomination.state is not NominationState.QUALIFIED):
        raise AwardError("该成果不是本次评选的参评成果")


def _recent(model, address: str, since) -> int:
    """Rows of `model` (Vote or Objection) from this address since then, counted by the database."""
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.address == address, model.created_at >= since))


def file_objection(award_round: AwardRound, nomination: Nomination | None, name: str, contact: str, reason: str,
                   address: str) -> Objection:
    """异议 on the round or one entry, accepted only during the publicity period."""
    name, contact, reason = (name or "").strip(), (contact or "").strip(), (reason or "").strip()
    problems = [message for ok, message in (
        (name, "请填写姓名"), (len(name) <= 50, "姓名不能超过 50 个字"),
        (contact, "请填写联系方式"), (len(contact) <= 100, "联系方式不能超过 100 个字"),
        (reason, "请填写异议理由"), (len(reason) <= 2000, "异议理由不能超过 2000 个字"),
    ) if not ok]
    if problems:
        raise AwardError("；".join(problems))
    with write_transaction() as session:
        now = utcnow()
        ends = award_round.publicity_ends_at
        if award_round.state is not RoundState.PUBLICITY or (ends is not None and now >= ends):
            raise AwardError("当前不在公示期，不能提出异议" + (
                f"（公示已于 {local_time(ends):%Y-%m-%d %H:%M} 结束）" if ends is not None and now >= ends else ""))
        _entry_of(award_round, nomination)
        if _recent(Objection, address, now - timedelta(days=1)) >= OBJECTIONS_PER_ADDRESS_PER_DAY:
            raise TooManyRequests("提交异议过于频繁，请明天再试")
        objection = Objection(round_id=award_round.id, nomination_id=nomination.id if nomination else None,
                              name=name, contact=contact, reason=reason, address=address, created_at=now)
        session.add(objection)
        session.flush()
        return objection


def answer_objection(actor, objection: Objection, answer: str) -> None:
    """An administrator's answer to an objection (a later answer replaces it, both in the audit log)."""
    require_admin(actor)
    answer = (answer or "").strip()
    if not answer:
        raise AwardError("请填写答复内容")
    with write_transaction():
        objection.answer, objection.answered_by_id, objection.answered_at = answer, actor.id, utcnow()
        audit(actor, "award.objection_answer", "objection", objection.id, objection.name, answer)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cast_vote(award_round: AwardRound, nomination: Nomination, token: str, address: str) -> Vote:
    """One vote per browser token per entry per day (北京时间), a database rule; addresses are rate-limited."""
    token = (token or "").strip()
    if not token:
        raise AwardError("投票凭证无效，请刷新页面后再投票")
    try:
        with write_transaction() as session:
            if not award_round.public_vote:
                raise AwardError("本次评选不设公众投票")
            if award_round.state not in VOTING_STATES:
                raise AwardError(f"当前不在投票期（评选处于“{award_round.state.label}”阶段）")
            _entry_of(award_round, nomination)
            now = utcnow()
            if _recent(Vote, address, now - timedelta(hours=1)) >= VOTES_PER_ADDRESS_PER_HOUR:
                raise TooManyRequests("该网络地址投票过于频繁，请稍后再试")
            vote = Vote(round_id=award_round.id, nomination_id=nomination.id, token_hash=token_hash(token),
                        address=address, day=local_time(now).date(), created_at=now)
            session.add(vote)
            session.flush()
            return vote
    except IntegrityError:
        raise AwardError("您今天已为该成果投过票，明天可以再投") from None
