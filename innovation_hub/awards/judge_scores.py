"""Scoring (专家评审): a judge saves drafts and submits, which locks; only an administrator reopens."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..audit.services import record as audit
from ..database import lock, write_transaction
from ..errors import PermissionDenied
from ..models import local_time, utcnow
from .conflicts import is_conflicted
from .models import Assignment, Criterion, NominationState, RoundState, Score
from .services import AwardError, decimal_of, label, require_admin, require_state, required_text


def _points(criterion: Criterion, raw) -> Decimal | None:
    """The points given on a criterion, None for left blank; AwardError names the criterion."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise AwardError(f"“{criterion.name}”的得分须为数字")
    value = decimal_of(raw, f"“{criterion.name}”的得分")
    if not 0 <= value <= criterion.max_points:
        raise AwardError(f"“{criterion.name}”的得分须在 0 到 {criterion.max_points} 分之间")
    return value


def _check_judge(actor, assignment: Assignment) -> None:
    if actor is None or not actor.is_authenticated or actor.id != assignment.judge_id:
        raise PermissionDenied("只能为分配给您的成果评分")
    if assignment.conflict or is_conflicted(actor, assignment.nomination):
        raise PermissionDenied("您须回避该成果，不能查看或评分")


def save_scores(actor, assignment: Assignment, points: Mapping, submit: bool = False) -> Assignment:
    """Save the judge's points {criterion id: points}; blank leaves a criterion unscored.

    A draft may be partial; submitting needs every criterion and locks the assignment. Nothing is saved when
    any value is refused, so a bad input loses nothing that was saved before.
    """
    _check_judge(actor, assignment)
    with write_transaction() as session:
        award_round = assignment.round
        # The round (a stage change waits for this save, or this save sees it) and the assignment (its
        # judge's other saves take turns: two drafts must not both insert a criterion's score).
        lock(award_round, assignment)
        _check_judge(actor, assignment)  # again under the lock: a conflict may have been set meanwhile
        require_state(award_round, (RoundState.SCORING,), "评分")
        if assignment.nomination.state is not NominationState.QUALIFIED:
            raise AwardError("该成果不在评审之列")
        if assignment.is_submitted:
            raise AwardError(f"该成果的评分已于 {local_time(assignment.submitted_at):%Y-%m-%d %H:%M} 提交并锁定，"
                             "不能再修改；如需更正，请联系管理员重新开放")
        criteria = {c.id: c for c in award_round.criteria}
        given: dict[int, Decimal | None] = {}
        errors = []
        for key, raw in points.items():
            try:
                criterion = criteria.get(int(key))
            except (TypeError, ValueError):
                criterion = None
            if criterion is None:
                raise AwardError(f"评分指标 {key} 不属于{label(award_round)}")
            try:
                given[criterion.id] = _points(criterion, raw)
            except AwardError as refused:
                errors.append(refused.description)
        if errors:
            raise AwardError("；".join(errors))
        scores = {s.criterion_id: s for s in assignment.scores}
        for criterion_id, value in given.items():
            score = scores.get(criterion_id)
            if value is None:
                if score is not None:
                    assignment.scores.remove(score)
                    del scores[criterion_id]
            elif score is None:
                scores[criterion_id] = Score(criterion_id=criterion_id, points=value,
                                             max_points=criteria[criterion_id].max_points)
                assignment.scores.append(scores[criterion_id])
            elif score.points != value:
                score.points, score.max_points = value, criteria[criterion_id].max_points
        if submit:
            missing = [c.name for c in award_round.criteria if c.id not in scores]
            if missing:
                raise AwardError("提交前请为以下指标打分：" + "、".join(missing))
            assignment.submitted_at = utcnow()
            number = next((j.number for j in award_round.judges if j.user_id == actor.id), None)
            audit(actor, "award.score_submit", "assignment", assignment.id, assignment.nomination.title,
                  f"评委 {number} 号")
        session.flush()
        return assignment


def reopen_score(actor, assignment: Assignment, reason: str) -> None:
    """Unlock one submitted assignment so its judge can correct it; the reason goes to the audit log."""
    require_admin(actor)
    reason = required_text(reason, "重新开放评分须填写理由")
    with write_transaction():
        award_round = assignment.round
        lock(award_round, assignment)
        require_state(award_round, (RoundState.SCORING, RoundState.CLOSED), "重新开放评分")
        if not assignment.is_submitted:
            raise AwardError("该评分尚未提交，无需重新开放")
        assignment.submitted_at = None
        number = next((j.number for j in award_round.judges if j.user_id == assignment.judge_id), None)
        audit(actor, "award.score_reopen", "assignment", assignment.id, assignment.nomination.title,
              f"评委 {number} 号；理由：{reason}")
