"""Reads of a round: judges' lists and progress, the ranking from submitted scores, the score sheet, votes.

Read-only: nothing here changes state. The ranking counts submitted, non-conflict scores of qualified entries only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Role, User
from ..catalogue.models import Achievement
from ..extensions import db
from ..models import RecordStatus, local_time
from . import scoring
from .blind import title_of
from .conflicts import standing_conflict
from .models import (
    Assignment,
    AwardRound,
    BallotCode,
    Criterion,
    Nomination,
    NominationState,
    Objection,
    ResultSnapshot,
    RoundJudge,
    RoundState,
    Score,
    Vote,
)

# Entries whose judges' weighted totals lie this share of full marks apart or more are flagged as disputed.
DISPUTE_SHARE = 0.2
BURST_WINDOW = timedelta(minutes=10)
# Votes for one entry within one window that an administrator should look at: from all addresses, and from one.
# The single-address threshold lies well below what the per-address limit lets through in a window (30 an hour,
# all of them possibly within ten minutes), so one person dropping the browser cookie to vote again is flagged
# long before the limit stops it.
BURST_THRESHOLD = 50
ADDRESS_BURST_THRESHOLD = 5
_EPOCH = datetime(1970, 1, 1)  # stored times are naive UTC: count windows from here, not by the machine's zone


def judge_numbers(award_round: AwardRound) -> dict[int, int]:
    """user id → 评委编号."""
    return dict(db.session.execute(
        select(RoundJudge.user_id, RoundJudge.number).where(RoundJudge.round_id == award_round.id)).all())


def _with_entry() -> tuple:
    """Pages list a nomination's title and studio: loaded with it, not one query per row. (A function: an
    option built at import would configure the mappers before every model is imported.)"""
    return joinedload(Nomination.achievement), joinedload(Nomination.studio)


def qualified(award_round: AwardRound) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(
        Nomination.round_id == award_round.id, Nomination.state == NominationState.QUALIFIED)
        .options(*_with_entry()).order_by(Nomination.id)))


def nominations(award_round: AwardRound, studio_id: int | None = None) -> list[Nomination]:
    """Every nomination of the round (a studio's only, if given), oldest first."""
    statement = select(Nomination).where(Nomination.round_id == award_round.id).options(*_with_entry())
    if studio_id is not None:
        statement = statement.where(Nomination.studio_id == studio_id)
    return list(db.session.scalars(statement.order_by(Nomination.id)))


# ---------------------------------------------------------------- judges' lists and progress


@dataclass
class JudgeEntry:
    """A row of a blind judge's list: the title redacted (blind.py), and no studio field at all."""

    blind: ClassVar[bool] = True
    assignment_id: int
    nomination_id: int
    title: str
    scored: int  # criteria with a (draft or submitted) score
    criteria: int
    submitted: bool


@dataclass
class NamedJudgeEntry(JudgeEntry):
    """A row of the judge's list in an open round: with the entry's studio."""

    blind: ClassVar[bool] = False
    studio_name: str


def judge_assignments(judge, award_round: AwardRound) -> list[JudgeEntry]:
    """The judge's own list: qualified entries assigned to it, without those it must avoid (回避)."""
    scored = dict(db.session.execute(
        select(Score.assignment_id, func.count()).join(Assignment).where(
            Assignment.round_id == award_round.id, Assignment.judge_id == judge.id).group_by(Score.assignment_id)
    ).all())
    rows = db.session.scalars(select(Assignment).join(Nomination).where(
        Assignment.round_id == award_round.id, Assignment.judge_id == judge.id, Assignment.conflict.is_(False),
        Nomination.state == NominationState.QUALIFIED).order_by(Nomination.id)
        .options(joinedload(Assignment.nomination).joinedload(Nomination.achievement)
                 .selectinload(Achievement.completer_links),
                 joinedload(Assignment.nomination).joinedload(Nomination.studio)))
    n_criteria = len(award_round.criteria)
    blind = award_round.blind
    # Declared conflicts are the rows filtered out above; a standing one (own studio or unit) may have arisen
    # after the assignment was made, when the judge's account changed.
    return [JudgeEntry(a.id, a.nomination_id, title_of(a.nomination, True), scored.get(a.id, 0), n_criteria,
                       a.is_submitted) if blind else
            NamedJudgeEntry(a.id, a.nomination_id, title_of(a.nomination, False), scored.get(a.id, 0), n_criteria,
                            a.is_submitted, a.nomination.studio.name)
            for a in rows if standing_conflict(judge, a.nomination.studio) is None]


@dataclass
class JudgeProgress:
    number: int
    user_id: int
    name: str
    assigned: int  # non-conflict assignments
    submitted: int
    conflicts: int


def judge_progress(award_round: AwardRound) -> list[JudgeProgress]:
    counts: dict[int, Counter] = defaultdict(Counter)
    for judge_id, conflict, submitted_at in _assignment_rows(award_round):
        c = counts[judge_id]
        if conflict:
            c["conflicts"] += 1
        else:
            c["assigned"] += 1
            c["submitted"] += submitted_at is not None
    return [JudgeProgress(j.number, j.user_id, j.user.name, counts[j.user_id]["assigned"],
                          counts[j.user_id]["submitted"], counts[j.user_id]["conflicts"]) for j in award_round.judges]


@dataclass
class EntryProgress:
    nomination_id: int
    title: str
    assigned: int
    submitted: int
    conflicts: int
    short: bool  # fewer judges than the round's k


def entry_progress(award_round: AwardRound) -> list[EntryProgress]:
    rows = db.session.execute(
        select(Assignment.nomination_id, Assignment.conflict, Assignment.submitted_at)
        .where(Assignment.round_id == award_round.id)).all()
    counts: dict[int, Counter] = defaultdict(Counter)
    for nomination_id, conflict, submitted_at in rows:
        c = counts[nomination_id]
        if conflict:
            c["conflicts"] += 1
        else:
            c["assigned"] += 1
            c["submitted"] += submitted_at is not None
    k = award_round.judges_per_entry
    return [EntryProgress(n.id, n.title, counts[n.id]["assigned"], counts[n.id]["submitted"],
                          counts[n.id]["conflicts"], counts[n.id]["assigned"] < k) for n in qualified(award_round)]


def _assignment_rows(award_round: AwardRound):
    return db.session.execute(
        select(Assignment.judge_id, Assignment.conflict, Assignment.submitted_at).join(Nomination)
        .where(Assignment.round_id == award_round.id, Nomination.state == NominationState.QUALIFIED)).all()


@dataclass
class MissingScore:
    assignment_id: int
    judge_number: int | None
    nomination_id: int
    title: str


def missing_scores(award_round: AwardRound) -> list[MissingScore]:
    """Non-conflict assignments of qualified entries whose scores are not submitted."""
    numbers = judge_numbers(award_round)
    rows = db.session.execute(
        select(Assignment.id, Assignment.judge_id, Nomination.id, Achievement.title)
        .join(Nomination, Assignment.nomination_id == Nomination.id).join(Achievement)
        .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
               Assignment.submitted_at.is_(None), Nomination.state == NominationState.QUALIFIED)
        .order_by(Assignment.judge_id, Nomination.id)).all()
    found = [MissingScore(a_id, numbers.get(judge_id), n_id, title) for a_id, judge_id, n_id, title in rows]
    return sorted(found, key=lambda m: (m.judge_number or 0, m.nomination_id))


# ---------------------------------------------------------------- the ranking


def scoring_criteria(award_round: AwardRound) -> list[scoring.Criterion]:
    # Criteria are frozen once scoring starts, so their max and weight are the ones each score was given under.
    return [scoring.Criterion(c.id, c.name, float(c.max_points), float(c.weight)) for c in award_round.criteria]


def method_of(award_round: AwardRound) -> scoring.Method:
    return scoring.Method(trimmed=award_round.trimmed, trim_from=award_round.trim_from,
                          normalise=award_round.normalise, quota=award_round.quota,
                          vote_weight=float(award_round.vote_weight) if award_round.public_vote else None)


def submitted_marks(award_round: AwardRound) -> list[scoring.Mark]:
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.nomination_id, Score.criterion_id, Score.points)
        .join(Score.assignment).join(Nomination, Assignment.nomination_id == Nomination.id)
        .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
               Assignment.submitted_at.is_not(None), Nomination.state == NominationState.QUALIFIED)).all()
    return [scoring.Mark(judge_id, entry_id, criterion_id, float(points))
            for judge_id, entry_id, criterion_id, points in rows]


def counted_votes(award_round: AwardRound, *columns):
    """A select of `columns` over the round's votes that count: all but those cast with a code of a voided batch."""
    return (select(*columns).select_from(Vote).outerjoin(BallotCode, Vote.ballot_code_id == BallotCode.id)
            .where(Vote.round_id == award_round.id, BallotCode.voided_at.is_(None)))


def vote_counts(award_round: AwardRound) -> dict[int, int]:
    """nomination id → votes counted."""
    return dict(db.session.execute(counted_votes(award_round, Vote.nomination_id, func.count())
                                   .group_by(Vote.nomination_id)).all())


def ranking(award_round: AwardRound) -> scoring.Ranking:
    """The live ranking by the round's method (judge ids are user ids; judge_numbers() maps them)."""
    return scoring.rank_entries(
        scoring_criteria(award_round), submitted_marks(award_round), method_of(award_round),
        votes=vote_counts(award_round) if award_round.public_vote else None,
        entry_ids=[n.id for n in qualified(award_round)])


def disputed_entries(award_round: AwardRound, threshold: float | None = None) -> list[scoring.EntryResult]:
    """Entries whose judges disagree most (spread of raw totals ≥ threshold, default a share of full marks)."""
    criteria = scoring_criteria(award_round)
    if not criteria:
        return []
    if threshold is None:
        threshold = scoring.full_marks(criteria) * DISPUTE_SHARE
    return scoring.disputed(ranking(award_round).entries, threshold)


def latest_snapshot(award_round: AwardRound, stage: RoundState | None = None) -> ResultSnapshot | None:
    statement = select(ResultSnapshot).where(ResultSnapshot.round_id == award_round.id)
    if stage is not None:
        statement = statement.where(ResultSnapshot.stage == stage)
    return db.session.scalars(statement.order_by(ResultSnapshot.id.desc()).limit(1)).first()


# ---------------------------------------------------------------- the score sheet (export)


@dataclass
class SheetRow:
    judge_number: int
    entry_id: int  # the nomination
    achievement_id: int
    title: str
    criterion: str
    max_points: int  # at scoring time
    weight: float
    points: float

    @property
    def weighted(self) -> float:
        """得分 × 权重 of this row."""
        return scoring.weighted_total([(self.weight, self.points)])


def score_sheet(award_round: AwardRound) -> list[SheetRow]:
    """One row per judge × entry × criterion, submitted non-conflict scores of qualified entries only.

    Titles come from the latest snapshot when there is one, so the sheet matches the published ranking.
    """
    numbers = judge_numbers(award_round)
    frozen = latest_snapshot(award_round)
    titles = {e["id"]: e["title"] for e in frozen.data["entries"]} if frozen else {}
    rows = db.session.execute(
        select(Assignment.judge_id, Nomination.id, Nomination.achievement_id, Achievement.title, Criterion.name,
               Criterion.position, Criterion.id, Score.max_points, Criterion.weight, Score.points)
        .select_from(Score).join(Score.assignment).join(Nomination, Assignment.nomination_id == Nomination.id)
        .join(Achievement, Nomination.achievement_id == Achievement.id).join(Score.criterion)
        .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
               Assignment.submitted_at.is_not(None), Nomination.state == NominationState.QUALIFIED)).all()
    sheet = [(numbers.get(r[0], 0), r[1], r[5], r[6], SheetRow(
        numbers.get(r[0], 0), r[1], r[2], titles.get(r[1], r[3]), r[4], r[7], float(r[8]), float(r[9])))
        for r in rows]
    return [row for *_, row in sorted(sheet, key=lambda t: t[:4])]


# ---------------------------------------------------------------- public vote and objections


@dataclass
class Burst:
    nomination_id: int
    window_start: datetime  # 北京时间
    votes: int
    address: str | None  # None: from all addresses together


def vote_bursts(award_round: AwardRound, threshold: int = BURST_THRESHOLD,
                address_threshold: int = ADDRESS_BURST_THRESHOLD, window: timedelta = BURST_WINDOW) -> list[Burst]:
    """Fixed windows in which one entry got at least `threshold` votes, or `address_threshold` from one address;
    the largest first, an entry's burst over all addresses before those of single addresses."""
    seconds = int(window.total_seconds())
    overall: Counter = Counter()
    by_address: Counter = Counter()
    for nomination_id, address, created_at in db.session.execute(
            counted_votes(award_round, Vote.nomination_id, Vote.address, Vote.created_at)):
        start = int((created_at - _EPOCH).total_seconds()) // seconds * seconds
        overall[nomination_id, start] += 1
        by_address[nomination_id, start, address] += 1
    found = [Burst(n_id, local_time(_EPOCH + timedelta(seconds=start)), votes, None)
             for (n_id, start), votes in overall.items() if votes >= threshold]
    found += [Burst(n_id, local_time(_EPOCH + timedelta(seconds=start)), votes, address)
              for (n_id, start, address), votes in by_address.items() if votes >= address_threshold]
    return sorted(found, key=lambda b: (-b.votes, b.address is not None, b.window_start, b.nomination_id,
                                        b.address or ""))


def objections(award_round: AwardRound, unanswered_only: bool = False) -> list[Objection]:
    statement = select(Objection).where(Objection.round_id == award_round.id)
    if unanswered_only:
        statement = statement.where(Objection.answered_at.is_(None))
    return list(db.session.scalars(statement.order_by(Objection.created_at, Objection.id)))


# ------------------------------------------------------------------ the lists of the award pages


def rounds_newest_first() -> list[AwardRound]:
    return db.session.scalars(select(AwardRound).order_by(AwardRound.year.desc(), AwardRound.id.desc())).all()


def round_counts() -> dict[int, dict[str, int]]:
    """Per round: nominations (not withdrawn), qualified entries, judges, assignments and submitted ones."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for round_id, state, n in db.session.execute(select(Nomination.round_id, Nomination.state, func.count())
                                                 .group_by(Nomination.round_id, Nomination.state)):
        if state is not NominationState.WITHDRAWN:
            counts[round_id]["nominated"] += n
        counts[round_id]["qualified"] += n if state is NominationState.QUALIFIED else 0
    for round_id, n in db.session.execute(select(RoundJudge.round_id, func.count()).group_by(RoundJudge.round_id)):
        counts[round_id]["judges"] = n
    for round_id, n, submitted in db.session.execute(
            select(Assignment.round_id, func.count(), func.count(Assignment.submitted_at)).join(Nomination)
            .where(Assignment.conflict.is_(False), Nomination.state == NominationState.QUALIFIED)
            .group_by(Assignment.round_id)):
        counts[round_id]["assigned"], counts[round_id]["submitted"] = n, submitted
    return counts


def draft_counts(award_round: AwardRound) -> dict[int, int]:
    """judge user id → unsubmitted assignments that hold some scores."""
    return dict(db.session.execute(
        select(Assignment.judge_id, func.count(func.distinct(Assignment.id))).join(Score)
        .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
               Assignment.submitted_at.is_(None)).group_by(Assignment.judge_id)).all())


def round_assignments(award_round: AwardRound) -> list[Assignment]:
    """Every assignment of the round with its scores, by judge."""
    return list(db.session.scalars(select(Assignment).where(Assignment.round_id == award_round.id)
                                   .options(selectinload(Assignment.scores)).order_by(Assignment.judge_id)))


def entry_assignments(nomination: Nomination) -> list[Assignment]:
    """The assignments of one entry with their scores."""
    return list(db.session.scalars(select(Assignment).where(Assignment.nomination_id == nomination.id)
                                   .options(selectinload(Assignment.scores))))


def entry_of(award_round: AwardRound, achievement_id: int) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(
        Nomination.round_id == award_round.id, Nomination.achievement_id == achievement_id)).first()


def judge_accounts(award_round: AwardRound) -> list[User]:
    """The active judge accounts not yet judges of the round, by user name."""
    taken = {j.user_id for j in award_round.judges}
    return [u for u in db.session.scalars(select(User).where(User.role == Role.JUDGE, User.active.is_(True))
                                          .order_by(User.username)) if u.id not in taken]


def rounds_of_judge(user) -> list[AwardRound]:
    """The rounds the judge sits on: those being scored first, then the newest."""
    rounds = db.session.scalars(select(AwardRound).join(RoundJudge, RoundJudge.round_id == AwardRound.id)
                                .where(RoundJudge.user_id == user.id).order_by(AwardRound.id.desc()))
    return sorted(rounds, key=lambda r: r.state is not RoundState.SCORING)


def assignment_of_judge(user, nomination_id: int) -> Assignment | None:
    return db.session.scalars(select(Assignment).where(
        Assignment.nomination_id == nomination_id, Assignment.judge_id == user.id)).first()


def declared_conflicts(user, award_round: AwardRound) -> int:
    return db.session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.round_id == award_round.id, Assignment.judge_id == user.id, Assignment.conflict.is_(True)))


def nominating_rounds() -> list[AwardRound]:
    """The rounds open for nominations, the nearest deadline first (none last)."""
    return list(db.session.scalars(select(AwardRound).where(AwardRound.state == RoundState.NOMINATING).order_by(
        AwardRound.nomination_deadline.is_(None), AwardRound.nomination_deadline, AwardRound.id)))


def approved_achievements(studio_id: int) -> list[Achievement]:
    """A studio's approved achievements, the newest first: what it may nominate."""
    return list(db.session.scalars(select(Achievement).where(
        Achievement.studio_id == studio_id, Achievement.status == RecordStatus.APPROVED)
        .order_by(Achievement.year.desc(), Achievement.id.desc())))


def studio_nominations(studio_id: int) -> list[Nomination]:
    """A studio's nominations in every round, the latest first, with their rounds and achievements."""
    return list(db.session.scalars(select(Nomination).where(Nomination.studio_id == studio_id)
                                   .order_by(Nomination.nominated_at.desc(), Nomination.id.desc())
                                   .options(joinedload(Nomination.round), joinedload(Nomination.achievement))))
