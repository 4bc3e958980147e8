"""The state machine of a round: one table of allowed transitions, each with its conditions and effects.

筹备中 → 推荐申报 → 资格审核 → 专家评审 → 评审结束 → 成果公示 → 已表彰, with three steps back: to 筹备中 while nothing
is nominated, 评审结束 → 专家评审 and 成果公示 → 评审结束 (both with a reason, for the audit log).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from ..audit.services import record as audit
from ..database import lock, write_transaction
from ..models import local_time, utcnow
from . import objections_votes, queries, snapshot
from .models import AwardRound, Nomination, NominationState, Objection, RoundState
from .services import AwardError, label, require_admin

S = RoundState


@dataclass
class TransitionReport:
    """What a state change found: unsubmitted work, ranking warnings, notes for the administrator."""

    source: RoundState
    target: RoundState
    missing: list[queries.MissingScore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _count(session, statement) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery()))


def _nominations(award_round: AwardRound, *states: NominationState):
    return select(Nomination.id).where(Nomination.round_id == award_round.id, Nomination.state.in_(states))


def _open_nominations(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    if not award_round.criteria:
        raise AwardError("请先添加至少一项评分指标，再开始推荐申报")
    for criterion in award_round.criteria:
        if criterion.weight <= 0 or criterion.max_points <= 0:
            raise AwardError(f"指标“{criterion.name}”的满分和权重须大于 0")
    deadline = award_round.nomination_deadline
    if deadline is not None and deadline < local_time(utcnow()).date():
        raise AwardError(f"推荐截止日期 {deadline:%Y-%m-%d} 已过，请先修改截止日期")


def _back_to_draft(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    taken = _count(session, _nominations(award_round, *(set(NominationState) - {NominationState.WITHDRAWN})))
    if taken:
        raise AwardError(f"已有 {taken} 项成果被推荐，不能退回筹备")


def _close_nominations(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    count = _count(session, _nominations(award_round, NominationState.NOMINATED))
    report.notes.append(f"共收到 {count} 项推荐，待资格审核")


def _start_scoring(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    undecided = _count(session, _nominations(award_round, NominationState.NOMINATED))
    if undecided:
        raise AwardError(f"还有 {undecided} 项推荐未完成资格审核")
    if not _count(session, _nominations(award_round, NominationState.QUALIFIED)):
        raise AwardError("没有审核通过的参评成果，不能开始评审")
    if not award_round.judges:
        raise AwardError("请先添加评委，再开始评审")
    unassigned = [p for p in queries.entry_progress(award_round) if p.assigned == 0]
    if unassigned:
        titles = "、".join(f"《{p.title}》" for p in unassigned[:5]) + ("等" if len(unassigned) > 5 else "")
        raise AwardError(f"还有 {len(unassigned)} 项成果没有分配评委：{titles}")


def _close_scoring(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    report.missing = queries.missing_scores(award_round)
    if report.missing and not force:
        listed = "；".join(f"评委 {m.judge_number} 号：《{m.title}》" for m in report.missing[:5])
        more = "等" if len(report.missing) > 5 else ""
        raise AwardError(f"还有 {len(report.missing)} 份评审未提交（{listed}{more}）。"
                         "请督促评委提交；如确认不再等待，可强制结束评审，未提交的评分不计入结果")
    if report.missing:
        report.notes.append(f"强制结束：{len(report.missing)} 份评审未提交，不计入结果")


def _reopen_scoring(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    """Nothing to check: the table requires the reason, which goes to the audit log."""


def _publish(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    ends = award_round.vote_ends_on
    if objections_votes.vote_refusal(award_round) is None and ends is not None:
        # The published ranking freezes the votes: a vote announced to run until a day must have run.
        raise AwardError(f"公众投票截至 {ends:%Y-%m-%d}，投票结束后才能发布公示（如需提前结束，请先修改投票截止日期）")
    data = snapshot.build(award_round, S.PUBLICITY)
    if not any(entry["rank"] is not None for entry in data["entries"]):
        raise AwardError("还没有任何已提交的评分，不能发布公示")
    snapshot.store(session, award_round, S.PUBLICITY, data)
    award_round.publicity_starts_at = utcnow()
    award_round.publicity_ends_at = award_round.publicity_starts_at + timedelta(days=award_round.publicity_days)
    report.notes.extend(data["warnings"])
    if award_round.public_vote:
        report.notes.append(f"公众投票已结束，计入 {sum(queries.vote_counts(award_round).values())} 票")
    report.notes.append(f"公示至 {local_time(award_round.publicity_ends_at):%Y-%m-%d %H:%M}")


def _withdraw_publicity(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    award_round.publicity_starts_at = award_round.publicity_ends_at = None


def _finalise(session, award_round: AwardRound, report: TransitionReport, force: bool) -> None:
    ends = award_round.publicity_ends_at
    if ends is not None and utcnow() < ends:
        raise AwardError(f"公示期至 {local_time(ends):%Y-%m-%d %H:%M} 结束，公示期满后才能表彰")
    unanswered = _count(session, select(Objection.id).where(
        Objection.round_id == award_round.id, Objection.answered_at.is_(None)))
    if unanswered:
        raise AwardError(f"还有 {unanswered} 条异议未答复，答复后才能表彰")
    published = snapshot.latest(award_round, S.PUBLICITY)
    if published is None:
        raise AwardError("没有公示结果，不能表彰")
    # What was published is what is awarded: the final snapshot copies the 公示 one, not a recomputation.
    award_round.finalised_at = utcnow()
    issued = snapshot.finalise(session, award_round, published.data)
    report.notes.append(f"颁发证书 {issued} 张")


@dataclass(frozen=True)
class Step:
    verb: str
    run: Callable[..., None]  # checks (raising AwardError), then the side effects of entering the target state
    needs_reason: bool = False


TRANSITIONS: dict[tuple[RoundState, RoundState], Step] = {
    (S.DRAFT, S.NOMINATING): Step("开始推荐申报", _open_nominations),
    (S.NOMINATING, S.DRAFT): Step("退回筹备", _back_to_draft),
    (S.NOMINATING, S.QUALIFYING): Step("截止申报并开始资格审核", _close_nominations),
    (S.QUALIFYING, S.SCORING): Step("开始专家评审", _start_scoring),
    (S.SCORING, S.CLOSED): Step("结束评审", _close_scoring),
    (S.CLOSED, S.SCORING): Step("重新开放评审", _reopen_scoring, needs_reason=True),
    (S.CLOSED, S.PUBLICITY): Step("发布公示", _publish),
    (S.PUBLICITY, S.CLOSED): Step("撤回公示", _withdraw_publicity, needs_reason=True),
    (S.PUBLICITY, S.FINAL): Step("结束公示并表彰", _finalise),
}


def allowed_transitions(state: RoundState) -> list[tuple[RoundState, str]]:
    """The states a round in `state` may move to, with the action's name (for buttons and messages)."""
    return [(target, step.verb) for (source, target), step in TRANSITIONS.items() if source is state]


def change_state(actor, award_round: AwardRound, target: RoundState, *, force: bool = False,
                 reason: str = "") -> TransitionReport:
    """Move the round to `target` if the table allows it from its current state and the step's conditions hold."""
    return _transition(actor, award_round, None, target, force, reason)


def _transition(actor, award_round: AwardRound, source: RoundState | None, target: RoundState, force: bool,
                reason: str) -> TransitionReport:
    """source None: from wherever the round is; else the named step, refused unless the round is in `source`."""
    require_admin(actor)
    reason = (reason or "").strip()
    with write_transaction() as session:
        lock(award_round)  # one step at a time: two clicks cannot both leave the same stage
        current = award_round.state
        step = TRANSITIONS.get((current, target)) if source in (None, current) else None
        if step is None:
            named = TRANSITIONS.get((source, target)) if source is not None else None
            doing = named.verb if named else f"转入“{target.label}”阶段"
            options = "、".join(f"{verb}（转入“{t.label}”）" for t, verb in allowed_transitions(current))
            raise AwardError(f"{label(award_round)}当前处于“{current.label}”阶段，不能{doing}；"
                             f"当前可以：{options or '无（评选已结束）'}")
        if step.needs_reason and not reason:
            raise AwardError(f"{step.verb}须填写理由")
        report = TransitionReport(current, target)
        step.run(session, award_round, report, force)
        award_round.state = target
        detail = "；".join([f"{current.label} → {target.label}", *([f"理由：{reason}"] if reason else []),
                           *report.notes])
        audit(actor, "award.transition", "award_round", award_round.id, award_round.name, detail)
        return report


def open_nominations(actor, award_round: AwardRound) -> TransitionReport:
    return _transition(actor, award_round, S.DRAFT, S.NOMINATING, False, "")


def back_to_draft(actor, award_round: AwardRound) -> TransitionReport:
    return _transition(actor, award_round, S.NOMINATING, S.DRAFT, False, "")


def close_nominations(actor, award_round: AwardRound) -> TransitionReport:
    return _transition(actor, award_round, S.NOMINATING, S.QUALIFYING, False, "")


def start_scoring(actor, award_round: AwardRound) -> TransitionReport:
    return _transition(actor, award_round, S.QUALIFYING, S.SCORING, False, "")


def close_scoring(actor, award_round: AwardRound, force: bool = False) -> TransitionReport:
    """Refused while non-conflict assignments are unsubmitted, unless force (the count goes to the audit log)."""
    return _transition(actor, award_round, S.SCORING, S.CLOSED, force, "")


def reopen_scoring(actor, award_round: AwardRound, reason: str) -> TransitionReport:
    return _transition(actor, award_round, S.CLOSED, S.SCORING, False, reason)


def publish(actor, award_round: AwardRound) -> TransitionReport:
    """公示: freeze the ranking in a snapshot and start the publicity period."""
    return _transition(actor, award_round, S.CLOSED, S.PUBLICITY, False, "")


def withdraw_publicity(actor, award_round: AwardRound, reason: str) -> TransitionReport:
    return _transition(actor, award_round, S.PUBLICITY, S.CLOSED, False, reason)


def finalise(actor, award_round: AwardRound) -> TransitionReport:
    """表彰: the 公示 snapshot becomes final and each 优秀 entry gets a certificate."""
    return _transition(actor, award_round, S.PUBLICITY, S.FINAL, False, "")
