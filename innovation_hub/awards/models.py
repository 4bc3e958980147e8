"""Award rounds (评选): criteria, nominations, judges, assignments, scores, objections, votes and frozen results."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Hundredths, LabelledEnum, TimestampMixin, enum_column, utcnow


class RoundState(LabelledEnum):
    """The procedure of DESIGN.md: 推荐申报 → 资格审核 → 专家评审 → 成果公示 → 表彰; rank orders the states."""

    DRAFT = "draft", "筹备中", 0
    NOMINATING = "nominating", "推荐申报", 1
    QUALIFYING = "qualifying", "资格审核", 2
    SCORING = "scoring", "专家评审", 3
    CLOSED = "closed", "评审结束", 4
    PUBLICITY = "publicity", "成果公示", 5
    FINAL = "final", "已表彰", 6


class NominationState(LabelledEnum):
    NOMINATED = "nominated", "已推荐"
    QUALIFIED = "qualified", "审核通过"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class PublicityShows(LabelledEnum):
    """What the 公示 list shows of each entry."""

    SCORE = "score", "综合得分"
    RANK = "rank", "名次"


class VoteMode(LabelledEnum):
    """How the public vote knows a person: a browser token (open), or a ballot code handed out by the office."""

    OPEN = "open", "开放投票（浏览器凭证和验证码）"
    BALLOT = "ballot", "投票码（每码一张选票）"


class VoteStage(LabelledEnum):
    """When the public vote runs (its value names the round state). It always ends before 公示: the published
    ranking includes the votes and is frozen, so a vote during 公示 could not count."""

    SCORING = "scoring", "专家评审期间"
    CLOSED = "closed", "评审结束后、公示前"

    @property
    def state(self) -> RoundState:
        return RoundState(self.value)


class ConflictSource(LabelledEnum):
    JUDGE = "judge", "评委申报回避"
    ADMIN = "admin", "管理员设定回避"


class AwardRound(TimestampMixin, db.Model):
    """One annual 职工技术创新成果评选 with its rules."""

    __tablename__ = "award_rounds"
    __table_args__ = (
        CheckConstraint("quota >= 1", name="ck_award_rounds_quota"),
        CheckConstraint("judges_per_entry >= 1", name="ck_award_rounds_judges_per_entry"),
        CheckConstraint("trim_from >= 3", name="ck_award_rounds_trim_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    year: Mapped[int]
    quota: Mapped[int] = mapped_column(default=10)  # 优秀名额
    state: Mapped[RoundState] = mapped_column(enum_column(RoundState), default=RoundState.DRAFT, index=True)
    nomination_deadline: Mapped[date | None]
    scoring_deadline: Mapped[date | None]
    publicity_days: Mapped[int] = mapped_column(default=7)
    publicity_starts_at: Mapped[datetime | None]
    publicity_ends_at: Mapped[datetime | None]
    blind: Mapped[bool] = mapped_column(default=False)  # judges do not see the studio, completers or host unit
    trimmed: Mapped[bool] = mapped_column(default=False)
    trim_from: Mapped[int] = mapped_column(default=5)
    normalise: Mapped[bool] = mapped_column(default=False)
    judges_per_entry: Mapped[int] = mapped_column(default=5)  # k
    public_vote: Mapped[bool] = mapped_column(default=False)
    vote_mode: Mapped[VoteMode] = mapped_column(enum_column(VoteMode), default=VoteMode.OPEN)
    # A blind round votes during 专家评审 only when this says so; the vote page then names no studio.
    vote_stage: Mapped[VoteStage] = mapped_column(enum_column(VoteStage), default=VoteStage.CLOSED)
    vote_starts_on: Mapped[date | None]  # within the stage, first and last day of the vote (北京时间); None: no limit
    vote_ends_on: Mapped[date | None]
    ballot_choices: Mapped[int] = mapped_column(default=1)  # entries one ballot code votes for, at most
    vote_weight: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal("0.80"))  # w: the experts' share
    publicity_shows: Mapped[PublicityShows] = mapped_column(enum_column(PublicityShows), default=PublicityShows.SCORE)
    recent_years: Mapped[int | None]  # achievement year ≥ round year − N; None: no limit
    max_per_studio: Mapped[int | None]  # None: no limit
    # The last 评委编号 given out: numbers are never reused, even after a judge is removed.
    last_judge_number: Mapped[int] = mapped_column(default=0)
    finalised_at: Mapped[datetime | None]

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="(Criterion.position, Criterion.id)", cascade="all, delete-orphan")
    judges: Mapped[list[RoundJudge]] = relationship(
        back_populates="round", order_by="RoundJudge.number", cascade="all, delete-orphan")

    @property
    def uses_ballots(self) -> bool:
        """The public votes with ballot codes (投票码) handed out by the office."""
        return self.public_vote and self.vote_mode is VoteMode.BALLOT

    def __repr__(self) -> str:
        return f"<AwardRound {self.name} {self.state.value}>"


class Criterion(db.Model):
    """评分指标: a criterion with its maximum points, weight and scoring guide."""

    __tablename__ = "award_criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "name", name="uq_award_criteria_round_name"),
        CheckConstraint("max_points > 0", name="ck_award_criteria_max_points"),
        CheckConstraint("weight > 0", name="ck_award_criteria_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(40))
    max_points: Mapped[int]
    weight: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal("1.00"))
    guide: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[AwardRound] = relationship(back_populates="criteria")


class Nomination(TimestampMixin, db.Model):
    """An entry: an achievement nominated (推荐) to a round by its studio."""

    __tablename__ = "award_nominations"
    __table_args__ = (
        UniqueConstraint("round_id", "achievement_id", name="uq_award_nominations_round_achievement"),
        Index("ix_award_nominations_round_studio", "round_id", "studio_id"),
        Index("ix_award_nominations_round_state", "round_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"))
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    state: Mapped[NominationState] = mapped_column(enum_column(NominationState), default=NominationState.NOMINATED)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    round: Mapped[AwardRound] = relationship()
    achievement = relationship("Achievement")
    studio = relationship("Studio")
    nominated_by = relationship("User", foreign_keys=[nominated_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def title(self) -> str:
        return self.achievement.title


class RoundJudge(db.Model):
    """A judge of a round with its anonymised 评委编号, fixed when added."""

    __tablename__ = "award_judges"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_award_judges_round_user"),
        UniqueConstraint("round_id", "number", name="uq_award_judges_round_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[AwardRound] = relationship(back_populates="judges")
    user = relationship("User")


class Assignment(db.Model):
    """One entry given to one judge; a row flagged `conflict` records a 回避 and is never scored."""

    __tablename__ = "award_assignments"
    __table_args__ = (
        UniqueConstraint("nomination_id", "judge_id", name="uq_award_assignments_nomination_judge"),
        Index("ix_award_assignments_round_judge", "round_id", "judge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    conflict: Mapped[bool] = mapped_column(default=False)
    conflict_source: Mapped[ConflictSource | None] = mapped_column(enum_column(ConflictSource))
    conflict_reason: Mapped[str] = mapped_column(Text, default="")
    conflict_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]  # set: the scores are locked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[AwardRound] = relationship()
    nomination: Mapped[Nomination] = relationship()
    judge = relationship("User")
    scores: Mapped[list[Score]] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(db.Model):
    """A judge's points on one criterion, with the criterion's maximum at scoring time."""

    __tablename__ = "award_scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id", name="uq_award_scores_assignment_criterion"),
        CheckConstraint("points >= 0 AND points <= max_points * 100", name="ck_award_scores_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("award_assignments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("award_criteria.id", ondelete="CASCADE"), index=True)
    points: Mapped[Decimal] = mapped_column(Hundredths)
    max_points: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class Objection(db.Model):
    """异议: filed by anyone during 公示, answered by an administrator."""

    __tablename__ = "award_objections"
    __table_args__ = (Index("ix_award_objections_address_at", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("award_nominations.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50))
    contact: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]

    nomination: Mapped[Nomination | None] = relationship()
    answered_by = relationship("User")


class Vote(db.Model):
    """One public vote; the unique key makes one vote per browser token per entry per local day a database rule."""

    __tablename__ = "award_votes"
    __table_args__ = (
        UniqueConstraint("round_id", "nomination_id", "token_hash", "day", name="uq_award_votes_once_a_day"),
        Index("ix_award_votes_address_at", "address", "created_at"),
        Index("ix_award_votes_nomination_at", "nomination_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the browser token: the token itself is not kept
    address: Mapped[str] = mapped_column(String(45))
    day: Mapped[date]  # the voter's day in 北京时间
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set for a vote cast with a ballot code (token_hash is then the code's hash); None in the open mode.
    ballot_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("award_ballot_codes.id", ondelete="CASCADE", name="fk_award_votes_ballot_code_id"), index=True)


class BallotBatch(db.Model):
    """A batch of ballot codes (投票码) issued for a round, e.g. the ones sent to one member unit.

    The codes themselves are not stored: they are derived from `seed` under the site's secret key (ballots.py), so
    the administrator can print a batch again while a copy of the database alone reveals none of them.
    """

    __tablename__ = "award_ballot_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    seed: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[AwardRound] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class BallotCode(db.Model):
    """One ballot code, by its keyed hash; spent by one conditional UPDATE (used_at IS NULL AND voided_at IS NULL)."""

    __tablename__ = "award_ballot_codes"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_award_ballot_codes_batch_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("award_ballot_batches.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1 … batch size: the code's number on the printed sheet
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]
    used_address: Mapped[str | None] = mapped_column(String(45))
    voided_at: Mapped[datetime | None]  # copied from the batch, so the spend needs no join


class BallotFailure(db.Model):
    """A ballot code typed that was wrong, used or void: counted against the address's hourly limit."""

    __tablename__ = "award_ballot_failures"
    __table_args__ = (Index("ix_award_ballot_failures_address_at", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaptchaUse(db.Model):
    """A captcha question that has been answered, rightly or wrongly: it cannot be answered again."""

    __tablename__ = "award_captcha_uses"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AddressLock(db.Model):
    """One row per network address that voted, objected or typed a ballot code. Each such write locks its row
    first, so on PostgreSQL the address's recent rows are counted and added to one transaction at a time."""

    __tablename__ = "award_address_locks"

    address: Mapped[str] = mapped_column(String(45), primary_key=True)


class ResultSnapshot(db.Model):
    """The ranking frozen as JSON when 公示 is published (stage publicity) and when the round is finalised (final)."""

    __tablename__ = "award_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    stage: Mapped[RoundState] = mapped_column(enum_column(RoundState))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data_json: Mapped[str] = mapped_column(Text)

    @property
    def data(self) -> dict:
        return json.loads(self.data_json)


class Certificate(db.Model):
    """证书 of an 优秀 entry; the serial is what the public verification page looks up."""

    __tablename__ = "award_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_rounds.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("award_nominations.id"), unique=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[AwardRound] = relationship()
    nomination: Mapped[Nomination] = relationship()
