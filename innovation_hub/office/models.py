"""A studio's request to change a field the office controls (行业, 依托单位, 地区)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Studio, enum_column
from ..extensions import db
from ..models import LabelledEnum, utcnow


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
