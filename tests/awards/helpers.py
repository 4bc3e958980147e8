"""Builders that walk a round through its stages with the award services, as an administrator would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from innovation_hub.accounts.models import User
from innovation_hub.awards import assignment, judge_scores, lifecycle, nominating
from innovation_hub.awards.models import Assignment, AwardRound, Nomination
from innovation_hub.database import write_transaction
from innovation_hub.extensions import db
from innovation_hub.models import utcnow
from tests import worlds
from tests.factories import gen_achievement, gen_judge, gen_round, gen_studio, gen_user


@dataclass
class Stage:
    """A round with its administrator, studios, entries and judges."""

    admin: User
    round: AwardRound
    studios: list = field(default_factory=list)
    achievements: list = field(default_factory=list)
    nominations: list[Nomination] = field(default_factory=list)
    judges: list[User] = field(default_factory=list)


def nominate_all(stage: Stage) -> None:
    lifecycle.open_nominations(stage.admin, stage.round)
    stage.nominations = [nominating.nominate(stage.admin, stage.round, a) for a in stage.achievements]


def qualify_all(stage: Stage) -> None:
    lifecycle.close_nominations(stage.admin, stage.round)
    for nomination in stage.nominations:
        nominating.qualify(stage.admin, nomination, True)


def add_judges(stage: Stage, judges: list[User]) -> None:
    stage.judges = judges
    for judge in judges:
        assignment.add_judge(stage.admin, stage.round, judge)


def build(entries: int = 4, judges: int = 3, *, until: str = "scoring", studios: int = 2, **settings) -> Stage:
    """A round taken up to `until` (nominating, qualifying, scoring): entries spread over studios, judges added.
    Made once per process on an empty site and put back after that (tests/worlds.py)."""
    key = f"awards.build {entries} {judges} {until} {studios} {sorted(settings.items())!r}"
    return worlds.built_once(key, lambda: _build(entries, judges, until, studios, settings))


def _build(entries: int, judges: int, until: str, studios: int, settings: dict) -> Stage:
    admin = gen_user()
    settings.setdefault("judges_per_entry", max(judges, 1))
    stage = Stage(admin, gen_round(admin, **settings))
    stage.studios = [gen_studio(host_unit=f"示例单位{i + 1}") for i in range(studios)]
    stage.achievements = [gen_achievement(stage.studios[i % studios], f"参评成果{i + 1}") for i in range(entries)]
    nominate_all(stage)
    if until == "nominating":
        return stage
    qualify_all(stage)
    add_judges(stage, [gen_judge(f"judge{i + 1}-{stage.round.id}") for i in range(judges)])
    if until == "qualifying":
        return stage
    assignment.auto_assign(admin, stage.round)
    lifecycle.start_scoring(admin, stage.round)
    return stage


def assignments(award_round: AwardRound, judge: User | None = None, conflict: bool = False) -> list[Assignment]:
    statement = select(Assignment).where(Assignment.round_id == award_round.id, Assignment.conflict.is_(conflict))
    if judge is not None:
        statement = statement.where(Assignment.judge_id == judge.id)
    return list(db.session.scalars(statement.order_by(Assignment.nomination_id, Assignment.judge_id)))


def score_all(stage: Stage, points=None, submit: bool = True) -> None:
    """Every non-conflict assignment scored; points(judge_index, nomination_index, criterion_index) → points."""
    criteria = stage.round.criteria
    index = {n.id: i for i, n in enumerate(stage.nominations)}
    judge_index = {j.id: i for i, j in enumerate(stage.judges)}
    for a in assignments(stage.round):
        judge = db.session.get(User, a.judge_id)
        given = {c.id: (points(judge_index[judge.id], index[a.nomination_id], ci) if points else c.max_points * 0.75)
                 for ci, c in enumerate(criteria)}
        judge_scores.save_scores(judge, a, given, submit=submit)


def to_publicity(stage: Stage, points=None) -> None:
    score_all(stage, points)
    lifecycle.close_scoring(stage.admin, stage.round)
    lifecycle.publish(stage.admin, stage.round)


def end_publicity(award_round: AwardRound) -> None:
    """The publicity period has run out (time moved on)."""
    with write_transaction():
        award_round.publicity_ends_at = utcnow() - timedelta(seconds=1)
