"""Judges of a round, conflicts of interest (回避) and the assignment of entries to judges."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from ..accounts.models import Role
from ..audit.services import record as audit
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..models import utcnow
from .conflicts import declared_conflict, is_conflicted, standing_conflict
from .models import Assignment, AwardRound, ConflictSource, Nomination, NominationState, RoundJudge, RoundState, Score
from .services import AwardError, require_admin, require_state, required_text

S = RoundState
ASSIGNING = (S.QUALIFYING, S.SCORING)  # assignments are made before scoring and repaired during it

__all__ = ["is_conflicted", "add_judge", "remove_judge", "auto_assign", "assign", "unassign", "declare_conflict",
           "set_conflict", "conflict_of", "drop_standing_conflicts", "AssignReport"]


def _judge_number(award_round: AwardRound, user_id: int) -> int | None:
    return next((j.number for j in award_round.judges if j.user_id == user_id), None)


def _judge_label(award_round: AwardRound, user_id: int) -> str:
    number = _judge_number(award_round, user_id)
    return f"评委 {number} 号" if number is not None else "该评委"


# ---------------------------------------------------------------- judges


def add_judge(actor, award_round: AwardRound, user, *, unit: str | None = None) -> RoundJudge:
    """Add a judge account; its 评委编号 is the next never-used number of the round.

    `unit`, if given, is the judge's 工作单位 set on the same form: saved on the account (audited, and
    counted for 回避 in every round) in the same transaction.
    """
    require_admin(actor)
    with write_transaction() as session:
        if unit is not None and unit.strip() and unit.strip() != (user.unit or "") and user.role is Role.JUDGE:
            from ..accounts.services import set_unit

            set_unit(actor, user, unit)  # first: the account's lock comes before the rounds' locks everywhere
        lock(award_round)
        require_state(award_round, (S.DRAFT, S.NOMINATING, S.QUALIFYING, S.SCORING), "添加评委")
        if user.role is not Role.JUDGE or not user.active:
            raise AwardError(f"“{user.name}”不是可用的评委账号")
        if any(j.user_id == user.id for j in award_round.judges):
            raise AwardError(f"“{user.name}”已是本次评选的评委")
        award_round.last_judge_number += 1
        judge = RoundJudge(round=award_round, user_id=user.id, number=award_round.last_judge_number)
        session.add(judge)
        session.flush()
        audit(actor, "award.judge_add", "award_round", award_round.id, award_round.name,
              f"评委 {judge.number} 号：{user.username}")
        return judge


def remove_judge(actor, judge: RoundJudge) -> None:
    """Remove a judge and its assignments: before scoring, or during it while it has submitted nothing."""
    require_admin(actor)
    with write_transaction() as session:
        award_round = judge.round
        lock(award_round)
        require_state(award_round, (S.DRAFT, S.NOMINATING, S.QUALIFYING, S.SCORING), "移除评委")
        rows = list(session.scalars(select(Assignment).where(
            Assignment.round_id == award_round.id, Assignment.judge_id == judge.user_id)))
        submitted = sum(1 for a in rows if a.is_submitted and not a.conflict)
        if submitted:
            raise AwardError(f"评委 {judge.number} 号已提交 {submitted} 份评分，不能移除")
        for assignment in rows:
            session.delete(assignment)
        award_round.judges.remove(judge)
        session.delete(judge)
        audit(actor, "award.judge_remove", "award_round", award_round.id, award_round.name,
              f"评委 {judge.number} 号，撤销分配 {len(rows)} 项")


# ---------------------------------------------------------------- assignment


@dataclass
class AssignReport:
    created: int = 0
    kept: int = 0  # assignments with scores, left as they were
    removed: int = 0
    short: list[tuple[int, str, int]] = field(default_factory=list)  # (nomination id, title, judges given) under k
    loads: dict[int, int] = field(default_factory=dict)  # 评委编号 → entries to score


def auto_assign(actor, award_round: AwardRound) -> AssignReport:
    """Give every qualified entry min(k, eligible judges) judges, never a conflicted one, loads within one.

    Assignments that hold scores are kept; the others are redone. Greedy: entries with the fewest eligible
    judges first, each taking the least-loaded eligible judges, ties by judge number.
    """
    require_admin(actor)
    with write_transaction() as session:
        lock(award_round)
        require_state(award_round, ASSIGNING, "分配评审")
        judges = list(award_round.judges)
        if not judges:
            raise AwardError("请先添加评委，再分配评审")
        entries = list(session.scalars(select(Nomination).where(
            Nomination.round_id == award_round.id, Nomination.state == NominationState.QUALIFIED)
            .order_by(Nomination.id)))
        if not entries:
            raise AwardError("没有审核通过的参评成果，无需分配")
        rows = list(session.scalars(select(Assignment).where(Assignment.round_id == award_round.id)))
        with_scores = set(session.scalars(select(Score.assignment_id).join(Score.assignment).where(
            Assignment.round_id == award_round.id)))
        report = AssignReport()
        blocked, have, load = set(), defaultdict(set), Counter()
        for a in rows:
            if a.conflict:
                blocked.add((a.nomination_id, a.judge_id))
            elif a.id in with_scores or a.is_submitted:
                have[a.nomination_id].add(a.judge_id)
                load[a.judge_id] += 1
                report.kept += 1
            else:
                session.delete(a)
                report.removed += 1
        session.flush()  # the deletes go first: a judge may be given the same entry again

        eligible = {e.id: [j for j in judges if j.user_id not in have[e.id] and (e.id, j.user_id) not in blocked
                           and standing_conflict(j.user, e.studio) is None] for e in entries}
        k = award_round.judges_per_entry
        for entry in sorted(entries, key=lambda e: (len(eligible[e.id]) + len(have[e.id]), e.id)):
            need = max(0, k - len(have[entry.id]))
            for judge in sorted(eligible[entry.id], key=lambda j: (load[j.user_id], j.number))[:need]:
                session.add(Assignment(round_id=award_round.id, nomination_id=entry.id, judge_id=judge.user_id))
                have[entry.id].add(judge.user_id)
                load[judge.user_id] += 1
                report.created += 1
            if len(have[entry.id]) < k:
                report.short.append((entry.id, entry.title, len(have[entry.id])))
        report.short.sort()
        report.loads = {j.number: load[j.user_id] for j in judges}
        session.flush()
        audit(actor, "award.assign_auto", "award_round", award_round.id, award_round.name,
              f"新分配 {report.created} 项，保留 {report.kept} 项，撤销 {report.removed} 项，"
              f"评委不足 {k} 位的成果 {len(report.short)} 项")
        return report


def _round_judge(award_round: AwardRound, user) -> RoundJudge:
    judge = next((j for j in award_round.judges if j.user_id == user.id), None)
    if judge is None:
        raise AwardError(f"“{user.name}”不是本次评选的评委")
    return judge


def assign(actor, nomination: Nomination, user) -> Assignment:
    """Give one entry to one judge by hand."""
    require_admin(actor)
    with write_transaction() as session:
        award_round = nomination.round
        lock(award_round)
        require_state(award_round, ASSIGNING, "分配评审")
        judge = _round_judge(award_round, user)
        if nomination.state is not NominationState.QUALIFIED:
            raise AwardError(f"《{nomination.title}》未通过资格审核，不能分配评审")
        standing = standing_conflict(user, nomination.studio)
        if standing:
            raise AwardError(f"评委 {judge.number} 号须回避《{nomination.title}》（{standing}）")
        existing = session.scalars(select(Assignment).where(
            Assignment.nomination_id == nomination.id, Assignment.judge_id == user.id)).first()
        if existing is not None:
            raise AwardError(f"评委 {judge.number} 号" + ("已对该成果回避" if existing.conflict else "已分配到该成果"))
        assignment = Assignment(round_id=award_round.id, nomination_id=nomination.id, judge_id=user.id)
        session.add(assignment)
        session.flush()
        audit(actor, "award.assign", "nomination", nomination.id, nomination.title, f"评委 {judge.number} 号")
        return assignment


def unassign(actor, assignment: Assignment) -> None:
    """Take an entry back from a judge, with any draft scores; not once the judge has submitted."""
    require_admin(actor)
    with write_transaction() as session:
        award_round = assignment.round
        lock(award_round)
        require_state(award_round, ASSIGNING, "调整评审分配")
        who = _judge_label(award_round, assignment.judge_id)
        if assignment.conflict:
            raise AwardError(f"{who}对该成果的回避记录不能撤销")
        if assignment.is_submitted:
            raise AwardError(f"{who}已提交该成果的评分，不能撤销分配；如需更正，请重新开放评分")
        drafts = len(assignment.scores)
        session.delete(assignment)
        audit(actor, "award.unassign", "nomination", assignment.nomination_id, assignment.nomination.title,
              who + (f"，删除草稿评分 {drafts} 项" if drafts else ""))


def drop_standing_conflicts(actor, user) -> int:
    """Withdraw a judge's open assignments it must now avoid (its 工作单位 or studio changed); how many.

    Only assignments not yet submitted, in rounds still being assigned; a submitted one stays for the
    administrator to reopen (the judge's list and scoring already refuse it). Runs inside the caller's
    account change, so the new unit and the withdrawn assignments are one transaction.
    """
    require_admin(actor)
    with write_transaction() as session:
        rows = list(session.scalars(select(Assignment).join(Assignment.round).where(
            Assignment.judge_id == user.id, Assignment.conflict.is_(False), AwardRound.state.in_(ASSIGNING))
            .order_by(Assignment.round_id, Assignment.id)))
        dropped = 0
        for award_round in sorted({a.round for a in rows}, key=lambda r: r.id):
            lock(award_round)
        for a in rows:
            why = standing_conflict(user, a.nomination.studio)
            if why is None or a.is_submitted or a.round.state not in ASSIGNING:  # state re-read under the lock
                continue
            session.delete(a)
            dropped += 1
            drafts = f"，删除草稿评分 {len(a.scores)} 项" if a.scores else ""
            audit(actor, "award.unassign", "nomination", a.nomination_id, a.nomination.title,
                  f"{_judge_label(a.round, user.id)}须回避（{why}）{drafts}")
        return dropped


# ---------------------------------------------------------------- conflicts


def declare_conflict(actor, assignment: Assignment, reason: str) -> None:
    """A judge declares 回避: the entry leaves its list and waits for the administrator to reassign it."""
    if actor is None or not actor.is_authenticated or actor.id != assignment.judge_id:
        raise PermissionDenied("只能对分配给您的成果申报回避")
    reason = required_text(reason, "请填写回避理由")
    with write_transaction():
        lock(assignment.round, assignment)
        require_state(assignment.round, ASSIGNING, "申报回避")
        if assignment.conflict:
            raise AwardError("您已对该成果申报回避")
        if assignment.is_submitted:
            raise AwardError("该成果的评分已提交，如需回避请联系管理员")
        _flag(assignment, ConflictSource.JUDGE, reason)
        audit(actor, "award.conflict_declare", "nomination", assignment.nomination_id, assignment.nomination.title,
              f"{_judge_label(assignment.round, actor.id)}：{reason}")


def set_conflict(actor, nomination: Nomination, user, reason: str) -> Assignment:
    """An administrator rules that a judge must avoid an entry; scores it gave there stop counting."""
    require_admin(actor)
    reason = required_text(reason, "请填写回避理由")
    with write_transaction() as session:
        award_round = nomination.round
        lock(award_round)
        require_state(award_round, (*ASSIGNING, S.CLOSED), "设定回避")
        judge = _round_judge(award_round, user)
        assignment = session.scalars(select(Assignment).where(
            Assignment.nomination_id == nomination.id, Assignment.judge_id == user.id)).first()
        if assignment is None:
            assignment = Assignment(round_id=award_round.id, nomination_id=nomination.id, judge_id=user.id)
            session.add(assignment)
        elif assignment.conflict:
            raise AwardError(f"评委 {judge.number} 号已对该成果回避")
        had_scores = assignment.is_submitted
        _flag(assignment, ConflictSource.ADMIN, reason)
        session.flush()
        audit(actor, "award.conflict_set", "nomination", nomination.id, nomination.title,
              f"评委 {judge.number} 号：{reason}" + ("；其已提交的评分不再计入" if had_scores else ""))
        return assignment


def _flag(assignment: Assignment, source: ConflictSource, reason: str) -> None:
    assignment.conflict, assignment.conflict_source = True, source
    assignment.conflict_reason, assignment.conflict_at = reason, utcnow()


def conflict_of(judge, nomination: Nomination) -> str | None:
    """Why the judge must avoid the entry, in Chinese, or None."""
    standing = standing_conflict(judge, nomination.studio)
    if standing:
        return standing
    declared = declared_conflict(judge.id, nomination.id)
    return declared.conflict_source.label if declared is not None else None
