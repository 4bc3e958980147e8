"""Award rounds: a round's rules and criteria (the state machine is in lifecycle.py), and shared guards.

Every function names its acting user, checks role and state under the write lock and records an audit entry in
the same transaction. A refused action raises AwardError (400) or PermissionDenied (403) with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from ..audit.services import record as audit
from ..database import lock, write_transaction
from ..errors import BadRequest, PermissionDenied
from .models import AwardRound, Criterion, PublicityShows, RoundState, VoteMode, VoteStage

S = RoundState


class AwardError(BadRequest):
    """An award action that is not allowed now; the description is the message for the user (HTTP 400)."""


def required_text(value: str | None, message: str) -> str:
    """`value` stripped, or AwardError(message) when nothing is left."""
    value = (value or "").strip()
    if not value:
        raise AwardError(message)
    return value


def require_admin(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_admin:
        raise PermissionDenied("只有管理员可以管理评选")


def label(award_round: AwardRound) -> str:
    return f"评选“{award_round.name}”"


def require_state(award_round: AwardRound, states: tuple[RoundState, ...], doing: str) -> None:
    """Refuse `doing` unless the round is in one of `states`, naming the state it is in and the ones allowed."""
    if award_round.state not in states:
        allowed = "、".join(f"“{s.label}”" for s in states)
        raise AwardError(f"{label(award_round)}当前处于“{award_round.state.label}”阶段，不能{doing}"
                         f"（只能在{allowed}阶段{doing}）")


def decimal_of(value, what: str, places: int = 2) -> Decimal:
    """A finite Decimal with at most `places` decimals, or AwardError naming `what`."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AwardError(f"{what}须为数字") from None
    if not number.is_finite():
        raise AwardError(f"{what}须为数字")
    if abs(number) >= 10**9:  # before quantize(), which fails past Decimal's 28 digits
        raise AwardError(f"{what}超出范围")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise AwardError(f"{what}最多保留 {places} 位小数")
    return number


# ---------------------------------------------------------------- rounds

BEFORE_SCORING = (S.DRAFT, S.NOMINATING, S.QUALIFYING)


@dataclass
class RoundData:
    name: str
    year: int
    quota: int = 10
    nomination_deadline: date | None = None
    scoring_deadline: date | None = None
    publicity_days: int = 7
    blind: bool = False
    trimmed: bool = False
    trim_from: int = 5
    normalise: bool = False
    judges_per_entry: int = 5
    public_vote: bool = False
    vote_mode: VoteMode = VoteMode.OPEN
    vote_stage: VoteStage = VoteStage.CLOSED
    vote_starts_on: date | None = None
    vote_ends_on: date | None = None
    ballot_choices: int = 1
    vote_weight: Decimal = Decimal("0.80")
    publicity_shows: PublicityShows = PublicityShows.SCORE
    recent_years: int | None = None
    max_per_studio: int | None = None


# Each field's Chinese name and the states in which it may still change. Eligibility is fixed once nominations
# close, the method (and the criteria) once scoring starts: changing them later would change whose entry wins.
FIELD_RULES: dict[str, tuple[str, tuple[RoundState, ...]]] = {
    "name": ("名称", (*BEFORE_SCORING, S.SCORING, S.CLOSED, S.PUBLICITY)),
    "year": ("年度", (S.DRAFT, S.NOMINATING)),
    "recent_years": ("成果完成年限", (S.DRAFT, S.NOMINATING)),
    "max_per_studio": ("每个工作室推荐上限", (S.DRAFT, S.NOMINATING)),
    "nomination_deadline": ("推荐截止日期", (S.DRAFT, S.NOMINATING)),
    "scoring_deadline": ("评审截止日期", (*BEFORE_SCORING, S.SCORING)),
    "quota": ("优秀名额", BEFORE_SCORING),
    "blind": ("匿名评审", BEFORE_SCORING),
    "trimmed": ("去掉最高分和最低分", BEFORE_SCORING),
    "trim_from": ("去掉最高最低分的最少评委数", BEFORE_SCORING),
    "normalise": ("评委打分标准化", BEFORE_SCORING),
    "judges_per_entry": ("每项成果评委数", BEFORE_SCORING),
    "public_vote": ("公众投票", BEFORE_SCORING),
    "vote_mode": ("投票方式", BEFORE_SCORING),
    "vote_stage": ("投票阶段", BEFORE_SCORING),
    "ballot_choices": ("每张选票可选成果数", BEFORE_SCORING),
    # The days may move while the vote is on (e.g. extended by a day); not once 公示 has frozen the votes.
    "vote_starts_on": ("投票开始日期", (*BEFORE_SCORING, S.SCORING, S.CLOSED)),
    "vote_ends_on": ("投票截止日期", (*BEFORE_SCORING, S.SCORING, S.CLOSED)),
    "vote_weight": ("专家评分权重", BEFORE_SCORING),
    "publicity_days": ("公示天数", (*BEFORE_SCORING, S.SCORING, S.CLOSED)),
    "publicity_shows": ("公示内容", (*BEFORE_SCORING, S.SCORING, S.CLOSED, S.PUBLICITY)),
}


def _check_round_data(data: RoundData) -> RoundData:
    data.name = required_text(data.name, "请填写评选名称")
    if len(data.name) > 120:
        raise AwardError("评选名称不能超过 120 个字")
    checks = [
        (2000 <= data.year <= 2100, "年度须在 2000 到 2100 之间"),
        (1 <= data.quota <= 1000, "优秀名额须在 1 到 1000 之间"),
        (1 <= data.publicity_days <= 60, "公示天数须在 1 到 60 天之间"),
        (3 <= data.trim_from <= 100, "去掉最高最低分至少需要 3 位评委（去掉两个后还要留下分数）"),
        (1 <= data.judges_per_entry <= 100, "每项成果评委数须在 1 到 100 之间"),
        (data.recent_years is None or 0 <= data.recent_years <= 100, "成果完成年限须为 0 到 100 年"),
        (data.max_per_studio is None or 1 <= data.max_per_studio <= 1000, "每个工作室推荐上限须至少为 1 项"),
        (not (data.nomination_deadline and data.scoring_deadline and data.scoring_deadline < data.nomination_deadline),
         "评审截止日期不能早于推荐截止日期"),
        (1 <= data.ballot_choices <= 100, "每张选票可选成果数须在 1 到 100 之间"),
        (not (data.vote_starts_on and data.vote_ends_on and data.vote_ends_on < data.vote_starts_on),
         "投票截止日期不能早于投票开始日期"),
    ]
    for ok, message in checks:
        if not ok:
            raise AwardError(message)
    data.vote_weight = decimal_of(data.vote_weight, "专家评分权重")
    if not 0 <= data.vote_weight <= 1:
        raise AwardError("专家评分权重须在 0 到 1 之间（例如 0.8 表示专家评分占 80%）")
    data.publicity_shows = PublicityShows(data.publicity_shows)
    data.vote_mode, data.vote_stage = VoteMode(data.vote_mode), VoteStage(data.vote_stage)
    return data


def _name_taken(session, name: str, round_id: int | None) -> bool:
    return session.execute(select(AwardRound.id).where(
        AwardRound.name == name, AwardRound.id != (round_id or -1))).first() is not None


def create_round(actor, data: RoundData) -> AwardRound:
    """A new round in 筹备中, with no criteria yet."""
    require_admin(actor)
    data = _check_round_data(data)
    with write_transaction() as session:
        if _name_taken(session, data.name, None):
            raise AwardError(f"已有名为“{data.name}”的评选")
        award_round = AwardRound(state=S.DRAFT, **{f.name: getattr(data, f.name) for f in fields(RoundData)})
        session.add(award_round)
        session.flush()
        audit(actor, "award.round_create", "award_round", award_round.id, award_round.name)
        return award_round


def update_round(actor, award_round: AwardRound, data: RoundData) -> list[str]:
    """Change the round's settings; returns the Chinese names of the fields that changed."""
    require_admin(actor)
    data = _check_round_data(data)
    with write_transaction() as session:
        lock(award_round)
        changed = [f.name for f in fields(RoundData) if getattr(award_round, f.name) != getattr(data, f.name)]
        frozen = [FIELD_RULES[name][0] for name in changed if award_round.state not in FIELD_RULES[name][1]]
        if frozen:
            raise AwardError(f"{label(award_round)}当前处于“{award_round.state.label}”阶段，"
                             f"以下设置已不能修改：{'、'.join(frozen)}")
        if "name" in changed and _name_taken(session, data.name, award_round.id):
            raise AwardError(f"已有名为“{data.name}”的评选")
        for name in changed:
            setattr(award_round, name, getattr(data, name))
        names = [FIELD_RULES[name][0] for name in changed]
        if changed:
            audit(actor, "award.round_edit", "award_round", award_round.id, award_round.name, "、".join(names))
        return names


# ---------------------------------------------------------------- criteria


@dataclass
class CriterionData:
    name: str
    max_points: int
    weight: Decimal = Decimal("1")
    guide: str = ""


def _check_criterion(data: CriterionData) -> CriterionData:
    data.name = required_text(data.name, "请填写指标名称")
    if len(data.name) > 40:
        raise AwardError("指标名称不能超过 40 个字")
    if isinstance(data.max_points, bool) or not isinstance(data.max_points, int) or not 1 <= data.max_points <= 1000:
        raise AwardError(f"指标“{data.name}”的满分须为 1 到 1000 之间的整数")
    data.weight = decimal_of(data.weight, f"指标“{data.name}”的权重")
    if not 0 < data.weight <= 100:
        raise AwardError(f"指标“{data.name}”的权重须大于 0 且不超过 100")
    data.guide = (data.guide or "").strip()
    return data


def _criterion_clash(session, round_id: int, name: str, criterion_id: int | None) -> None:
    if session.execute(select(Criterion.id).where(
            Criterion.round_id == round_id, Criterion.name == name, Criterion.id != (criterion_id or -1))).first():
        raise AwardError(f"本次评选已有名为“{name}”的指标")


def add_criterion(actor, award_round: AwardRound, data: CriterionData) -> Criterion:
    require_admin(actor)
    data = _check_criterion(data)
    with write_transaction() as session:
        lock(award_round)
        require_state(award_round, BEFORE_SCORING, "修改评分指标")
        _criterion_clash(session, award_round.id, data.name, None)
        last = session.scalar(select(func.max(Criterion.position)).where(Criterion.round_id == award_round.id))
        criterion = Criterion(round=award_round, position=(last or 0) + 1, name=data.name,
                              max_points=data.max_points, weight=data.weight, guide=data.guide)
        session.add(criterion)
        session.flush()
        audit(actor, "award.criterion_add", "award_round", award_round.id, award_round.name,
              f"{data.name}（满分 {data.max_points}，权重 {data.weight}）")
        return criterion


def update_criterion(actor, criterion: Criterion, data: CriterionData) -> None:
    require_admin(actor)
    data = _check_criterion(data)
    with write_transaction() as session:
        award_round = criterion.round
        lock(award_round)
        require_state(award_round, BEFORE_SCORING, "修改评分指标")
        _criterion_clash(session, award_round.id, data.name, criterion.id)
        before = f"{criterion.name}（满分 {criterion.max_points}，权重 {criterion.weight}）"
        criterion.name, criterion.max_points, criterion.weight, criterion.guide = (
            data.name, data.max_points, data.weight, data.guide)
        audit(actor, "award.criterion_edit", "award_round", award_round.id, award_round.name,
              f"{before} → {data.name}（满分 {data.max_points}，权重 {data.weight}）")


def remove_criterion(actor, criterion: Criterion) -> None:
    require_admin(actor)
    with write_transaction() as session:
        award_round = criterion.round
        lock(award_round)
        require_state(award_round, BEFORE_SCORING, "修改评分指标")
        award_round.criteria.remove(criterion)
        session.delete(criterion)
        audit(actor, "award.criterion_remove", "award_round", award_round.id, award_round.name, criterion.name)


def reorder_criteria(actor, award_round: AwardRound, criterion_ids: list[int]) -> None:
    """Put the criteria in the given order; the list must name each of the round's criteria once."""
    require_admin(actor)
    with write_transaction():
        lock(award_round)
        require_state(award_round, BEFORE_SCORING, "修改评分指标")
        by_id = {c.id: c for c in award_round.criteria}
        if sorted(criterion_ids) != sorted(by_id):
            raise AwardError("排序须包含本次评选的每一项指标，且各一次")
        for position, criterion_id in enumerate(criterion_ids, start=1):
            by_id[criterion_id].position = position
        audit(actor, "award.criteria_reorder", "award_round", award_round.id, award_round.name,
              "、".join(by_id[i].name for i in criterion_ids))
