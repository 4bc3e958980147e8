"""Ballot codes (投票码): issued in batches for a round, printed or sent to member units, each good for one ballot.

A code is 12 characters from an alphabet without 0, O, 1, I and L, printed in groups of four (7KQM-2XRD-P9HV).
Codes are not stored. A batch keeps a random seed, and code number n of the batch is derived from it under a key
derived from the site's SECRET_KEY; the database keeps only a keyed hash of each code, to look up a typed one.
A copy of the database therefore reveals no code, and the administrator can print a batch again at any time.
Changing SECRET_KEY makes every issued code unusable.

One ballot: a code votes once, for 1 … round.ballot_choices different entries, one vote each. It is spent by one
conditional UPDATE (… WHERE used_at IS NULL AND voided_at IS NULL): of two concurrent uses of a code exactly one
changes the row, the other is refused. A code that is wrong, used or void counts against the address: after
FAILURES_PER_ADDRESS_PER_HOUR of them it is refused for the rest of the hour. Voiding a batch refuses its unused
codes and stops counting the votes already cast with it (until 公示, which freezes the votes in the ranking).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record as audit
from ..database import lock, write_transaction
from ..extensions import db
from ..models import local_time, utcnow
from .models import (
    AwardRound,
    BallotBatch,
    BallotCode,
    BallotFailure,
    Nomination,
    RoundState,
    Vote,
    VoteMode,
)
from .objections_votes import TooManyRequests, admit_votes, recent
from .services import AwardError, label, require_admin, required_text

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: nothing to misread on paper
CODE_LENGTH, GROUP = 12, 4  # 31^12 ≈ 2^59 codes: guessing one is hopeless at 10 tries an hour
BATCH_MAX = 5000
ROUND_MAX = 100_000
LABEL_MAX = 60
FAILURES_PER_ADDRESS_PER_HOUR = 10
ISSUING_STATES = (RoundState.DRAFT, RoundState.NOMINATING, RoundState.QUALIFYING, RoundState.SCORING,
                  RoundState.CLOSED)  # until 公示 freezes the votes


def _key() -> bytes:
    return hmac.new(current_app.secret_key.encode(), b"awards-ballot-codes", hashlib.sha256).digest()


def code_at(seed: str, position: int, key: bytes | None = None) -> str:
    """Code number `position` of the batch with this seed."""
    number = int.from_bytes(hmac.new(key or _key(), f"code:{seed}:{position}".encode(), hashlib.sha256).digest())
    symbols = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return "".join(symbols)


def code_hash(round_id: int, code: str, key: bytes | None = None) -> str:
    """What the database keeps of a code: bound to its round, keyed, so it cannot be tried offline."""
    return hmac.new(key or _key(), f"hash:{round_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise(text: str | None) -> str | None:
    """A typed code as stored (upper case, without spaces and dashes, full-width folded), None if it cannot be one."""
    code = "".join(ch for ch in unicodedata.normalize("NFKC", text or "").upper() if ch not in " -_\t—")
    return code if len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code) else None


def grouped(code: str) -> str:
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def _require_ballot_round(award_round: AwardRound) -> None:
    if not award_round.uses_ballots:
        raise AwardError(f"{label(award_round)}不是凭投票码投票，请先在评选设置中选择投票方式“投票码”")


# ---------------------------------------------------------------- the administrator's batches


def issue_batch(actor, award_round: AwardRound, size: int, batch_label: str) -> BallotBatch:
    """A new batch of `size` codes for the member unit (or other recipients) named by `batch_label`."""
    require_admin(actor)
    batch_label = required_text(batch_label, "请填写批次名称（如发放的会员单位）")
    if len(batch_label) > LABEL_MAX:
        raise AwardError(f"批次名称不能超过 {LABEL_MAX} 个字")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= BATCH_MAX:
        raise AwardError(f"每批投票码数量须在 1 到 {BATCH_MAX} 之间")
    key = _key()
    for _attempt in range(3):
        seed = secrets.token_hex(16)
        # The hashing happens before the write lock is taken.
        hashes = [code_hash(award_round.id, code_at(seed, n, key), key) for n in range(1, size + 1)]
        try:
            return _store_batch(actor, award_round, size, batch_label, seed, hashes)
        except IntegrityError:  # a code equal to an earlier one (about 1 in 10^12): draw the batch again
            continue
    raise AwardError("生成投票码失败，请重试")


def _store_batch(actor, award_round: AwardRound, size: int, batch_label: str, seed: str,
                 hashes: list[str]) -> BallotBatch:
    with write_transaction() as session:
        lock(award_round)
        _require_ballot_round(award_round)
        if award_round.state not in ISSUING_STATES:
            raise AwardError(f"{label(award_round)}已进入“{award_round.state.label}”阶段，投票已结束，不能再发放投票码")
        issued = session.scalar(select(func.count()).select_from(BallotCode)
                                .where(BallotCode.round_id == award_round.id))
        if issued + size > ROUND_MAX:
            raise AwardError(f"每次评选最多发放 {ROUND_MAX} 个投票码（已发放 {issued} 个）")
        batch = BallotBatch(round_id=award_round.id, label=batch_label, size=size, seed=seed,
                            created_by_id=actor.id, created_at=utcnow())
        session.add(batch)
        session.flush()
        session.execute(insert(BallotCode), [
            {"round_id": award_round.id, "batch_id": batch.id, "position": n, "code_hash": h}
            for n, h in enumerate(hashes, start=1)])
        audit(actor, "award.ballots_issue", "award_round", award_round.id, award_round.name,
              f"{batch_label}：{size} 个投票码（批次 {batch.id}）")
        return batch


def void_batch(actor, batch: BallotBatch, reason: str) -> int:
    """Void a batch: its unused codes are refused and the votes cast with it no longer count; returns those votes."""
    require_admin(actor)
    reason = required_text(reason, "请填写作废理由")
    with write_transaction() as session:
        lock(batch)
        award_round = batch.round
        if batch.is_void:
            raise AwardError(f"批次“{batch.label}”已于 {local_time(batch.voided_at):%Y-%m-%d %H:%M} 作废")
        if award_round.state not in ISSUING_STATES:
            raise AwardError(f"{label(award_round)}已进入“{award_round.state.label}”阶段，投票结果已随公示冻结，"
                             "不能再作废投票码")
        now = utcnow()
        batch.voided_at, batch.voided_by_id, batch.void_reason = now, actor.id, reason
        session.execute(update(BallotCode).where(BallotCode.batch_id == batch.id).values(voided_at=now)
                        .execution_options(synchronize_session=False))
        dropped = session.scalar(select(func.count()).select_from(Vote).join(
            BallotCode, Vote.ballot_code_id == BallotCode.id).where(BallotCode.batch_id == batch.id))
        audit(actor, "award.ballots_void", "award_round", award_round.id, award_round.name,
              f"{batch.label}（批次 {batch.id}）：{reason}；不再计入 {dropped} 票")
        return dropped


@dataclass(frozen=True)
class BatchSummary:
    batch: BallotBatch
    used: int  # codes spent
    votes: int  # votes cast with its codes (counted unless the batch is void)


def batches(award_round: AwardRound) -> list[BatchSummary]:
    """The round's batches, newest first, with how many of their codes were used."""
    used = dict(db.session.execute(select(BallotCode.batch_id, func.count()).where(
        BallotCode.round_id == award_round.id, BallotCode.used_at.is_not(None)).group_by(BallotCode.batch_id)).all())
    votes = dict(db.session.execute(select(BallotCode.batch_id, func.count()).select_from(Vote).join(
        BallotCode, Vote.ballot_code_id == BallotCode.id).where(BallotCode.round_id == award_round.id)
        .group_by(BallotCode.batch_id)).all())
    rows = db.session.scalars(select(BallotBatch).where(BallotBatch.round_id == award_round.id)
                              .order_by(BallotBatch.id.desc()))
    return [BatchSummary(b, used.get(b.id, 0), votes.get(b.id, 0)) for b in rows]


@dataclass(frozen=True)
class CodeRow:
    position: int
    code: str  # grouped, as printed
    used_at: datetime | None  # 北京时间


def reveal_codes(actor, batch: BallotBatch, how: str) -> list[CodeRow]:
    """The batch's codes for printing or download (`how` says which, for the audit log)."""
    require_admin(actor)
    used = dict(db.session.execute(select(BallotCode.position, BallotCode.used_at).where(
        BallotCode.batch_id == batch.id)).all())
    key = _key()
    rows = [CodeRow(n, grouped(code_at(batch.seed, n, key)), local_time(used.get(n)))
            for n in range(1, batch.size + 1)]
    with write_transaction():
        audit(actor, "award.ballots_reveal", "award_round", batch.round_id, batch.round.name,
              f"{how}：{batch.label}（批次 {batch.id}，{batch.size} 个）")
    return rows


# ---------------------------------------------------------------- a ballot


def cast_ballot(award_round: AwardRound, typed_code: str, nominations: list[Nomination], address: str) -> list[Vote]:
    """One ballot: the code is spent and each chosen entry gets one vote, or nothing happens and AwardError says why."""
    code = normalise(typed_code)
    if code is None:
        raise AwardError(f"投票码应为 {CODE_LENGTH} 位，由数字 2–9 和字母组成（不含 0、O、1、I、L），"
                         "如 7KQM-2XRD-P9HV，请核对后重新输入")
    if not nominations:
        raise AwardError("请至少选择一项成果")
    if len({n.id for n in nominations}) != len(nominations):
        raise AwardError("同一项成果只能选一次")
    if len(nominations) > award_round.ballot_choices:
        raise AwardError(f"每张选票最多选 {award_round.ballot_choices} 项成果，您选了 {len(nominations)} 项")
    hashed = code_hash(award_round.id, code)
    failure = None
    with write_transaction() as session:
        now = admit_votes(session, award_round, VoteMode.BALLOT, "本次评选不使用投票码", nominations, address)
        failures = recent(BallotFailure, address, now - timedelta(hours=1))
        if failures >= FAILURES_PER_ADDRESS_PER_HOUR:
            raise TooManyRequests("该网络地址输错投票码的次数过多，请一小时后再试")
        # The whole decision: one statement, so two uses of one code at once cannot both get the row.
        spent = session.execute(
            update(BallotCode).where(BallotCode.code_hash == hashed, BallotCode.round_id == award_round.id,
                                     BallotCode.used_at.is_(None), BallotCode.voided_at.is_(None))
            .values(used_at=now, used_address=address).returning(BallotCode.id)
            .execution_options(synchronize_session=False)).scalar_one_or_none()
        if spent is None:
            failure = _why_refused(session, hashed, FAILURES_PER_ADDRESS_PER_HOUR - failures - 1)
            session.add(BallotFailure(round_id=award_round.id, address=address, created_at=now))
            votes = []
        else:
            votes = [Vote(round_id=award_round.id, nomination_id=n.id, token_hash=hashed, address=address,
                          day=local_time(now).date(), created_at=now, ballot_code_id=spent) for n in nominations]
            session.add_all(votes)
            session.flush()
    if failure:  # raised after the commit: the failed try is counted
        raise AwardError(failure)
    return votes


def _why_refused(session, hashed: str, tries_left: int) -> str:
    found = session.execute(select(BallotCode.used_at, BallotCode.voided_at).where(
        BallotCode.code_hash == hashed)).first()
    if found is None:
        return f"投票码不正确，请核对后重新输入（本网络地址一小时内还可输错 {max(tries_left, 0)} 次）"
    if found.voided_at is not None:
        return "该投票码所属的批次已作废，不能投票"
    return f"该投票码已于 {local_time(found.used_at):%Y-%m-%d %H:%M} 投过票，每个投票码只能投一次"
