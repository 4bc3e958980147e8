"""What the public does in a round: objections (异议) during 公示 and the optional public vote (the open mode;
ballot codes are in ballots.py), with the per-address limits both count in the database."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..audit.services import record as audit
from ..database import write_transaction
from ..extensions import db
from ..models import local_time, utcnow
from .models import (
    AddressLock,
    AwardRound,
    CaptchaUse,
    Nomination,
    NominationState,
    Objection,
    RoundState,
    Vote,
    VoteMode,
)
from .services import AwardError, require_admin, required_text

# Limits counted in the database, so every worker process sees the same counts.
VOTES_PER_ADDRESS_PER_HOUR = 30
OBJECTIONS_PER_ADDRESS_PER_DAY = 10
CAPTCHA_KEPT = timedelta(minutes=15)  # longer than a question stays answerable (captcha.MAX_AGE)


class TooManyRequests(AwardError):
    """A per-address limit was reached (HTTP 429)."""

    code = 429


def check_entry(award_round: AwardRound, nomination: Nomination | None) -> None:
    if nomination is not None and (nomination.round_id != award_round.id
                                   or nomination.state is not NominationState.QUALIFIED):
        raise AwardError("该成果不是本次评选的参评成果")


def lock_address(session, address: str) -> None:
    """Take this address's lock row (made on first use) until the transaction ends.

    A per-address limit counts the address's recent rows, then adds one: on PostgreSQL two such transactions of one
    address would both count 29 of 30 and both insert. The row lock makes the second wait for the first to commit,
    and its count then includes the first's row. (SQLite's BEGIN IMMEDIATE serialises every write anyway.)
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AddressLock).values(address=address).on_conflict_do_nothing())
    session.execute(select(AddressLock.address).where(AddressLock.address == address).with_for_update())


def recent(model, address: str, since) -> int:
    """Rows of `model` (Vote, Objection, BallotFailure) from this address since then, counted by the database.
    Inside a write, call lock_address() first."""
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.address == address, model.created_at >= since))


# ---------------------------------------------------------------- when the vote runs


def _today(now: datetime) -> date:
    return local_time(now).date()


def vote_refusal(award_round: AwardRound, now: datetime | None = None) -> str | None:
    """None while the round takes votes; otherwise why it does not, for the voter.

    The vote runs in the round's vote stage (专家评审, or 评审结束 before 公示), within its first and last day
    when they are set.
    """
    if not award_round.public_vote:
        return "本次评选不设公众投票"
    stage = award_round.vote_stage.state
    today = _today(now or utcnow())
    if award_round.state is not stage:
        when = "已结束" if award_round.state.rank > stage.rank else f"将在“{stage.label}”阶段开放"
        return f"当前不在投票期（评选处于“{award_round.state.label}”阶段，公众投票{when}）"
    starts, ends = award_round.vote_starts_on, award_round.vote_ends_on
    if starts is not None and today < starts:
        return f"公众投票将于 {starts:%Y-%m-%d} 开始"
    if ends is not None and today > ends:
        return f"公众投票已于 {ends:%Y-%m-%d} 截止"
    return None


def vote_is_over(award_round: AwardRound, now: datetime | None = None) -> bool:
    """No more votes will be taken: the stage is past, or its last day is."""
    if not award_round.public_vote:
        return False
    stage = award_round.vote_stage.state
    ends = award_round.vote_ends_on
    return award_round.state.rank > stage.rank or (
        award_round.state is stage and ends is not None and _today(now or utcnow()) > ends)


def shows_studios(award_round: AwardRound) -> bool:
    """Whether the public pages may name an entry's studio: not while a blind round is being scored."""
    return not (award_round.blind and award_round.state is RoundState.SCORING)


# ---------------------------------------------------------------- captcha questions spent


def spend_captcha(nonce: str) -> bool:
    """Mark a captcha question answered; False when it had been answered before (a replay or a second guess).

    Its own transaction, committed whether the answer then proves right or wrong: a wrong guess uses it up too.
    """
    now = utcnow()
    try:
        with write_transaction() as session:
            session.execute(delete(CaptchaUse).where(CaptchaUse.used_at < now - CAPTCHA_KEPT))
            session.add(CaptchaUse(nonce=nonce, used_at=now))
    except IntegrityError:
        return False
    return True


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
        check_entry(award_round, nomination)
        lock_address(session, address)
        if recent(Objection, address, now - timedelta(days=1)) >= OBJECTIONS_PER_ADDRESS_PER_DAY:
            raise TooManyRequests("提交异议过于频繁，请明天再试")
        objection = Objection(round_id=award_round.id, nomination_id=nomination.id if nomination else None,
                              name=name, contact=contact, reason=reason, address=address, created_at=now)
        session.add(objection)
        session.flush()
        return objection


def answer_objection(actor, objection: Objection, answer: str) -> None:
    """An administrator's answer to an objection (a later answer replaces it, both in the audit log)."""
    require_admin(actor)
    answer = required_text(answer, "请填写答复内容")
    with write_transaction():
        objection.answer, objection.answered_by_id, objection.answered_at = answer, actor.id, utcnow()
        audit(actor, "award.objection_answer", "objection", objection.id, objection.name, answer)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def admit_votes(session, award_round: AwardRound, mode: VoteMode, wrong_mode: str, nominations: list[Nomination],
                address: str) -> datetime:
    """What every vote passes inside its transaction, open or by ballot code: the vote is open now, in this mode,
    for entries of this round, and the address is locked for its limits. Returns the vote's time."""
    now = utcnow()
    refusal = vote_refusal(award_round, now)
    if refusal:
        raise AwardError(refusal)
    if award_round.vote_mode is not mode:
        raise AwardError(wrong_mode)
    for nomination in nominations:
        check_entry(award_round, nomination)
    lock_address(session, address)
    return now


def cast_vote(award_round: AwardRound, nomination: Nomination, token: str, address: str) -> Vote:
    """One vote per browser token per entry per day (北京时间), a database rule; addresses are rate-limited."""
    token = required_text(token, "投票凭证无效，请刷新页面后再投票")
    try:
        with write_transaction() as session:
            now = admit_votes(session, award_round, VoteMode.OPEN, "本次评选凭投票码投票，请输入投票码",
                              [nomination], address)
            if recent(Vote, address, now - timedelta(hours=1)) >= VOTES_PER_ADDRESS_PER_HOUR:
                raise TooManyRequests("该网络地址投票过于频繁，请稍后再试")
            vote = Vote(round_id=award_round.id, nomination_id=nomination.id, token_hash=token_hash(token),
                        address=address, day=local_time(now).date(), created_at=now)
            session.add(vote)
            session.flush()
            return vote
    except IntegrityError:
        raise AwardError("您今天已为该成果投过票，明天可以再投") from None
