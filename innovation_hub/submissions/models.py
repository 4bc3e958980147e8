"""The submissions' tables: proof files (证明材料) of an achievement or a patent, and a studio's change requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Studio
from ..extensions import db
from ..models import LabelledEnum, RecordStatus, enum_column, utcnow


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
        """Whether `user` may open the file: open_to(), or a rule another feature added (add_download_rule)."""
        if self.open_to(user):
            return True
        return any(rule(self, user) for rule in current_app.extensions.get(DOWNLOAD_RULES, {}).values())

    def open_to(self, user) -> bool:
        """The owning studio and administrators always; the public once the record is approved and the file public."""
        if user.is_authenticated and (user.is_admin or (user.is_studio and user.studio_id == self.studio_id)):
            return True
        return self.public and self.record.status is RecordStatus.APPROVED


# Features built on this one open files to more users (awards: a judge, while it scores the achievement). They add
# their rule to the app here, so this module imports none of them.
DOWNLOAD_RULES = "proof_download_rules"


def add_download_rule(app: Flask, name: str, rule: Callable[[ProofFile, object], bool]) -> None:
    """Let `rule(proof, user)` open proof files to more users of `app` (registered again under `name`, replaced)."""
    app.extensions.setdefault(DOWNLOAD_RULES, {})[name] = rule


# Asked for by the studio in submissions/change_requests.py, decided by the office in office/services.py.
class RequestState(LabelledEnum):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已同意"
    REFUSED = "refused", "已拒绝"


class ControlledField(LabelledEnum):
    """The profile fields a studio may only ask the office to change: they are public facets."""

    INDUSTRY = "industry", "行业"
    HOST_UNIT = "host_unit", "依托单位"
    DISTRICT = "district", "所在地区"


class ChangeRequest(db.Model):
    __tablename__ = "studio_change_requests"
    __table_args__ = (Index("ix_studio_change_requests_state_studio", "state", "studio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    field: Mapped[ControlledField] = mapped_column(enum_column(ControlledField))
    # As shown (a district by its label): what the office reads when it decides.
    old_value: Mapped[str] = mapped_column(String(120), default="")
    new_value: Mapped[str] = mapped_column(String(120))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState), default=RequestState.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    studio: Mapped[Studio] = relationship()
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state is RequestState.PENDING

    @property
    def is_approved(self) -> bool:
        return self.state is RequestState.APPROVED
