"""The proof files a judge may open: those of the achievements it is scoring.

Submissions owns ProofFile and knows nothing of awards; register(app) adds this rule to the ones a proof file's
download is checked against (ProofFile.can_download), so the dependency runs from awards to submissions only.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..submissions.models import add_download_rule
from .conflicts import standing_conflict
from .models import Assignment, AwardRound, Nomination, NominationState, RoundState


def judges_achievement(judge, achievement_id: int) -> bool:
    """The judge is assigned, without a conflict of any kind, to a qualified nomination of this achievement in a
    round in 专家评审."""
    if not (judge.is_authenticated and judge.is_judge):
        return False
    nominations = db.session.scalars(
        select(Nomination).join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(AwardRound, Nomination.round_id == AwardRound.id)
        .where(Nomination.achievement_id == achievement_id, Nomination.state == NominationState.QUALIFIED,
               Assignment.judge_id == judge.id, Assignment.conflict.is_(False),
               AwardRound.state == RoundState.SCORING))
    return any(standing_conflict(judge, n.studio) is None for n in nominations)


def judge_may_download(proof, user) -> bool:
    """A proof file of an achievement the user is scoring as a judge."""
    return proof.achievement_id is not None and judges_achievement(user, proof.achievement_id)


def register(app: Flask) -> None:
    add_download_rule(app, "awards.judge", judge_may_download)
