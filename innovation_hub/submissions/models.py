"""Proof files (证明材料) attached to an achievement or a patent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import RecordStatus, utcnow


class ProofFile(db.Model):
    """An uploaded PDF or image, stored under a generated name; the original name is only shown."""

    __tablename__ = "proof_files"
    __table_args__ = (
        CheckConstraint("(achievement_id IS NULL) <> (patent_id IS NULL)", name="ck_proof_files_one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    patent_id: Mapped[int | None] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    public: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    achievement = relationship("Achievement", backref="proof_files")
    patent = relationship("Patent", backref="proof_files")

    @property
    def record(self):
        return self.achievement if self.achievement_id is not None else self.patent

    def can_download(self, user) -> bool:
        """The owning studio and administrators always; the public once the record is approved and the file public;
        a judge while it scores the achievement (see _judged_by)."""
        if user.is_authenticated and (user.is_admin or (user.is_studio and user.studio_id == self.studio_id)):
            return True
        if self.public and self.record.status is RecordStatus.APPROVED:
            return True
        return self.achievement_id is not None and user.is_authenticated and user.is_judge and self._judged_by(user)

    def _judged_by(self, judge) -> bool:
        """The judge is assigned, without a conflict of any kind, to a qualified nomination of this achievement in a
        round in 专家评审."""
        # Imported here: awards builds on submissions, so this module does not load the award feature on import.
        from ..awards.conflicts import standing_conflict
        from ..awards.models import Assignment, AwardRound, Nomination, NominationState, RoundState

        nominations = db.session.scalars(
            select(Nomination).join(Assignment, Assignment.nomination_id == Nomination.id)
            .join(AwardRound, Nomination.round_id == AwardRound.id)
            .where(Nomination.achievement_id == self.achievement_id, Nomination.state == NominationState.QUALIFIED,
                   Assignment.judge_id == judge.id, Assignment.conflict.is_(False),
                   AwardRound.state == RoundState.SCORING))
        return any(standing_conflict(judge, n.studio) is None for n in nominations)
