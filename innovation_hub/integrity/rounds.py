"""Consistency checks of the award rounds: scores, frozen results against their scores, votes."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..audit.models import AuditEntry
from ..awards import queries as award_queries
from ..awards.conflicts import standing_conflict
from ..awards.models import (
    Assignment,
    AwardRound,
    Certificate,
    ConflictSource,
    Criterion,
    Nomination,
    NominationState,
    RoundJudge,
    RoundState,
    Score,
    Vote,
)
from ..catalogue.models import (
    Achievement,
    Studio,
)
from ..extensions import db
from .checks import check

TOLERANCE = 1e-6  # figures of a frozen result are floats: compared to this many points


def _points(value) -> str:
    return f"{Decimal(value).normalize():f}"


# ---------------------------------------------------------------- scores


def _entry_titles() -> dict[int, str]:
    return dict(db.session.execute(select(Nomination.id, Achievement.title).join(
        Achievement, Nomination.achievement_id == Achievement.id)).all())


def _judge_numbers() -> dict[tuple[int, int], int]:
    return {(r, u): n for r, u, n in db.session.execute(
        select(RoundJudge.round_id, RoundJudge.user_id, RoundJudge.number))}


@check("scores", "评分")
def scores() -> list[str]:
    """Scores within 0…their saved maximum, on their round's criteria, by the round's judges, never where the judge
    must avoid the entry; a submitted assignment has a score on every criterion and was submitted once."""
    found: list[str] = []
    rounds = dict(db.session.execute(select(AwardRound.id, AwardRound.name)).all())
    titles = _entry_titles()
    numbers = _judge_numbers()

    def who(round_id: int, judge_id: int, nomination_id: int) -> str:
        number = numbers.get((round_id, judge_id))
        judge = f"评委 {number} 号" if number is not None else f"账号 #{judge_id}"
        return f"评选“{rounds.get(round_id, round_id)}”，{judge}，《{titles.get(nomination_id, nomination_id)}》"

    rows = db.session.execute(
        select(Score.id, Score.points, Score.max_points, Score.updated_at, Criterion.name, Criterion.max_points,
               Criterion.round_id, Assignment.round_id, Assignment.judge_id, Assignment.nomination_id,
               Assignment.conflict, Assignment.conflict_at)
        .join(Assignment, Score.assignment_id == Assignment.id).join(Criterion, Score.criterion_id == Criterion.id)
        .order_by(Score.id)).all()
    for (score_id, points, saved_max, updated_at, criterion, criterion_max, criterion_round, round_id, judge_id,
         nomination_id, conflict, conflict_at) in rows:
        label = f"评分 #{score_id}（{who(round_id, judge_id, nomination_id)}，指标“{criterion}”）"
        if not 0 <= points <= saved_max:
            found.append(f"{label}：得分 {_points(points)} 不在 0 到 {saved_max} 分之间")
        if saved_max != criterion_max:
            found.append(f"{label}：记录的满分 {saved_max} 与指标的满分 {criterion_max} 不一致")
        if criterion_round != round_id:
            found.append(f"{label}：指标属于另一个评选")
        if conflict and conflict_at is not None and updated_at > conflict_at:
            found.append(f"{label}：评委回避之后仍保存了评分")
    found += _assignments(rounds, titles, numbers, who)
    return found


def _assignments(rounds, titles, numbers, who) -> list[str]:
    found: list[str] = []
    criteria = dict(db.session.execute(
        select(Criterion.round_id, func.count()).group_by(Criterion.round_id)).all())
    scored = dict(db.session.execute(
        select(Score.assignment_id, func.count()).group_by(Score.assignment_id)).all())
    submits: dict[int, int] = defaultdict(int)
    for target_id, action in db.session.execute(
            select(AuditEntry.target_id, AuditEntry.action).where(
                AuditEntry.target_type == "assignment",
                AuditEntry.action.in_(("award.score_submit", "award.score_reopen")))):
        submits[target_id] += 1 if action == "award.score_submit" else -1
    users = {u.id: u for u in db.session.scalars(select(User))}
    studios = {s.id: s for s in db.session.scalars(select(Studio))}
    rows = db.session.execute(
        select(Assignment.id, Assignment.round_id, Assignment.judge_id, Assignment.nomination_id,
               Assignment.conflict, Assignment.conflict_source, Assignment.conflict_at, Assignment.submitted_at,
               Nomination.round_id, Nomination.studio_id, Achievement.studio_id)
        .join(Nomination, Assignment.nomination_id == Nomination.id)
        .join(Achievement, Nomination.achievement_id == Achievement.id).order_by(Assignment.id)).all()
    for (assignment_id, round_id, judge_id, nomination_id, conflict, source, conflict_at, submitted_at,
         entry_round, entry_studio, work_studio) in rows:
        label = f"评审任务 #{assignment_id}（{who(round_id, judge_id, nomination_id)}）"
        has_scores = scored.get(assignment_id, 0) > 0
        if entry_round != round_id:
            found.append(f"{label}：参评成果属于另一个评选")
        if entry_studio != work_studio:
            found.append(f"{label}：参评记录的工作室 #{entry_studio} 与成果的工作室 #{work_studio} 不一致")
        judge = users.get(judge_id)
        if (round_id, judge_id) not in numbers and (has_scores or submitted_at is not None):
            found.append(f"{label}：该账号不是这个评选的评委，却有评分")
        if judge is not None and judge.role is not Role.JUDGE and has_scores:
            found.append(f"{label}：账号“{judge.username}”不是评委账号，却有评分")
        if conflict and submitted_at is not None and (
                source is ConflictSource.JUDGE or conflict_at is None or submitted_at > conflict_at):
            found.append(f"{label}：评委已回避，评分却在回避后提交")
        studio = studios.get(entry_studio)
        if not conflict and has_scores and judge is not None and studio is not None \
                and (why := standing_conflict(judge, studio)):
            found.append(f"{label}：评委须回避该成果（{why}），却有评分")
        if submitted_at is not None and not conflict and scored.get(assignment_id, 0) != criteria.get(round_id, 0):
            found.append(f"{label}：已提交，但只有 {scored.get(assignment_id, 0)} 项指标有得分，"
                         f"该评选共 {criteria.get(round_id, 0)} 项指标")
        if submits.get(assignment_id, 0) > 1:
            found.append(f"{label}：操作日志记有 {submits[assignment_id]} 次提交评分而中间没有重新开放")
    return found


# ---------------------------------------------------------------- frozen results


def _weighted_totals(award_round: AwardRound) -> dict[int, dict[int, float]]:
    """entry → 评委编号 → Σ weight × points of the submitted, counted scores: plain arithmetic, not scoring.py."""
    numbers = award_queries.judge_numbers(award_round)
    weights = {c.id: c.weight for c in award_round.criteria}
    sums: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    given: dict[tuple[int, int], int] = defaultdict(int)
    for entry_id, judge_id, criterion_id, points in db.session.execute(
            select(Assignment.nomination_id, Assignment.judge_id, Score.criterion_id, Score.points)
            .join(Score.assignment).join(Nomination, Assignment.nomination_id == Nomination.id)
            .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
                   Assignment.submitted_at.is_not(None), Nomination.state == NominationState.QUALIFIED)):
        sums[entry_id][judge_id] += weights.get(criterion_id, Decimal(0)) * points
        given[entry_id, judge_id] += 1
    return {entry_id: {numbers.get(j, -j): float(total) for j, total in per_judge.items()
                       if given[entry_id, j] == len(weights)}
            for entry_id, per_judge in sums.items()}


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > TOLERANCE


def _quota_rules(label: str, data: dict) -> list[str]:
    """优秀 is exactly rank ≤ quota; ranks are competition ranks in order of the final score."""
    found = []
    quota = data["round"]["quota"]
    ranked = sorted((e for e in data["entries"] if e["rank"] is not None), key=lambda e: e["rank"])
    for e in data["entries"]:
        should = e["rank"] is not None and e["rank"] <= quota
        if e["excellent"] != should:
            found.append(f"{label}：《{e['title']}》名次 {e['rank']}，名额 {quota}，"
                         f"却{'评为' if e['excellent'] else '未评为'}优秀")
    for position, e in enumerate(ranked):
        better = sum(1 for other in ranked if other["rank"] < e["rank"])
        if e["rank"] != better + 1:
            found.append(f"{label}：《{e['title']}》名次为 {e['rank']}，前面有 {better} 项，应为第 {better + 1} 名")
        if position and _differs(max(e["final"], ranked[position - 1]["final"]), ranked[position - 1]["final"]):
            found.append(f"{label}：《{e['title']}》综合得分 {e['final']:.2f} 高于名次在前的"
                         f"《{ranked[position - 1]['title']}》（{ranked[position - 1]['final']:.2f}）")
    excellent = sum(1 for e in data["entries"] if e["excellent"])
    if excellent > quota and not data.get("warnings"):
        found.append(f"{label}：优秀 {excellent} 项超出名额 {quota} 项，但结果没有并列的提示")
    if excellent < min(quota, len(ranked)):
        found.append(f"{label}：优秀只有 {excellent} 项，名额 {quota} 项，有名次的成果 {len(ranked)} 项")
    return found


def _against_scores(label: str, award_round: AwardRound, data: dict) -> list[str]:
    """The frozen entries against the ranking recomputed from the scores now stored."""
    found = []
    live = award_queries.ranking(award_round)
    numbers = award_queries.judge_numbers(award_round)
    by_id = {r.entry_id: r for r in live.entries}
    frozen = {e["id"]: e for e in data["entries"]}
    totals = _weighted_totals(award_round)
    for entry_id in sorted(set(by_id) - set(frozen)):
        found.append(f"{label}：参评成果 #{entry_id} 现在参评，但不在冻结的结果中")
    for entry_id, e in frozen.items():
        name = f"{label}：《{e['title']}》"
        r = by_id.get(entry_id)
        if r is None:
            found.append(f"{name}在冻结的结果中，但已不是审核通过的参评成果")
            continue
        if e["rank"] != r.rank or e["excellent"] != r.excellent:
            found.append(f"{name}冻结为第 {e['rank']} 名{'（优秀）' if e['excellent'] else ''}，"
                         f"按现有评分重算为第 {r.rank} 名{'（优秀）' if r.excellent else ''}")
        if _differs(e["final"], r.final):
            found.append(f"{name}冻结的综合得分 {e['final']}，按现有评分重算为 {r.final}")
        recomputed = {str(numbers.get(j, -j)): t for j, t in r.judge_totals.items()}
        summed = {str(n): t for n, t in totals.get(entry_id, {}).items()}
        for number in sorted(set(e["judge_totals"]) | set(recomputed) | set(summed), key=int):
            values = (e["judge_totals"].get(number), recomputed.get(number), summed.get(number))
            if _differs(values[0], values[1]) or _differs(values[0], values[2]):
                shown = "、".join("无" if v is None else f"{v:.2f}" for v in values)
                found.append(f"{name}评委 {number} 号的加权总分：冻结 / 评分规则重算 / 逐项相加 = {shown}")
    return found


@check("results", "评选结果")
def results() -> list[str]:
    """A published round's frozen result follows from its scores and the quota rules; the final one is the 公示 one,
    with a certificate for each 优秀 entry."""
    found: list[str] = []
    for award_round in db.session.scalars(select(AwardRound).where(
            AwardRound.state.in_((RoundState.PUBLICITY, RoundState.FINAL))).order_by(AwardRound.id)):
        frozen = award_queries.latest_snapshot(award_round, award_round.state)
        label = f"评选“{award_round.name}”（{award_round.state.label}）"
        if frozen is None:
            found.append(f"{label}：没有冻结的结果")
            continue
        data = frozen.data
        found += _quota_rules(label, data)
        found += _against_scores(label, award_round, data)
        if award_round.state is RoundState.FINAL:
            found += _final_against_publicity(label, award_round, data)
    return found


def _final_against_publicity(label: str, award_round: AwardRound, data: dict) -> list[str]:
    found = []
    published = award_queries.latest_snapshot(award_round, RoundState.PUBLICITY)
    if published is None:
        return [f"{label}：已表彰，但没有公示时冻结的结果"]
    shown = {e["id"]: (e["rank"], e["excellent"], round(e["final"] or 0, 6)) for e in published.data["entries"]}
    awarded = {e["id"]: (e["rank"], e["excellent"], round(e["final"] or 0, 6)) for e in data["entries"]}
    if shown != awarded:
        changed = sorted(k for k in set(shown) | set(awarded) if shown.get(k) != awarded.get(k))
        found.append(f"{label}：表彰结果与公示结果不同（参评成果 {'、'.join(f'#{k}' for k in changed[:10])}）")
    serials = dict(db.session.execute(select(Certificate.nomination_id, Certificate.serial).where(
        Certificate.round_id == award_round.id)).all())
    for e in data["entries"]:
        if e["excellent"] and serials.get(e["id"]) != e.get("certificate"):
            found.append(f"{label}：优秀成果《{e['title']}》的证书编号为 {serials.get(e['id'], '无')}，"
                         f"结果中记为 {e.get('certificate', '无')}")
        elif not e["excellent"] and e["id"] in serials:
            found.append(f"{label}：《{e['title']}》未评为优秀，却有证书 {serials[e['id']]}")
    return found


# ---------------------------------------------------------------- public vote


@check("votes", "公众投票")
def votes() -> list[str]:
    """Votes only for qualified entries of their own round while it has a vote; per-address limits held."""
    from ..awards import objections_votes

    found: list[str] = []
    rounds = {r.id: r for r in db.session.scalars(select(AwardRound))}
    for round_id, nomination_id, entry_round, state, count in db.session.execute(
            select(Vote.round_id, Vote.nomination_id, Nomination.round_id, Nomination.state, func.count())
            .join(Nomination, Vote.nomination_id == Nomination.id)
            .group_by(Vote.round_id, Vote.nomination_id, Nomination.round_id, Nomination.state)):
        award_round = rounds.get(round_id)
        label = f"评选“{award_round.name if award_round else round_id}”的 {count} 张票（参评成果 #{nomination_id}）"
        if entry_round != round_id:
            found.append(f"{label}：投给了另一个评选的成果")
        elif state is not NominationState.QUALIFIED:
            found.append(f"{label}：投给了状态为“{state.label}”的成果")
        if award_round is not None and not award_round.public_vote:
            found.append(f"{label}：该评选不设公众投票")
    limit = getattr(objections_votes, "VOTES_PER_ADDRESS_PER_HOUR", None)
    if limit:
        found += _over_limit(limit)
    return found


def _over_limit(limit: int) -> list[str]:
    """Addresses that cast more than `limit` votes within any hour (a limit checked by a racing count)."""
    found = []
    window: deque = deque()
    address = None
    worst: dict[str, int] = {}
    for voter, created_at in db.session.execute(
            select(Vote.address, Vote.created_at).order_by(Vote.address, Vote.created_at)):
        if voter != address:
            address, window = voter, deque()
        window.append(created_at)
        while created_at - window[0] >= timedelta(hours=1):
            window.popleft()
        if len(window) > limit:
            worst[voter] = max(worst.get(voter, 0), len(window))
    for voter, most in sorted(worst.items()):
        found.append(f"网络地址 {voter} 在一小时内投票 {most} 次，超过每小时 {limit} 次的上限")
    return found
