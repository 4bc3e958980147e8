"""A studio's request to change a field the office controls (行业, 依托单位, 地区): the request, asking, and reading.

The studio asks here (its profile form); the office decides in office/services.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, case, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit.changes import shown
from ..audit.services import record as audit
from ..catalogue.models import Studio
from ..database import write_transaction
from ..extensions import db
from ..models import LabelledEnum, enum_column, utcnow


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


def _current(studio: Studio, field: ControlledField) -> str:
    return shown(getattr(studio, field.value))


def request_changes(actor, studio: Studio, wanted: dict[ControlledField, str]) -> list[ChangeRequest]:
    """A studio's wish to change controlled fields: a request per field that differs (a pending one is updated)."""
    made = []
    with write_transaction() as session:
        pending = {r.field: r for r in session.execute(select(ChangeRequest).where(
            ChangeRequest.studio_id == studio.id, ChangeRequest.state == RequestState.PENDING)).scalars()}
        for field, new in wanted.items():
            new = " ".join((new or "").split())
            old = _current(studio, field)
            request = pending.get(field)
            if request is not None and new == old:
                # The form shows what was asked for: the studio typed the current value back.
                session.delete(request)
                audit(actor, "studio.change_withdraw", "studio", studio.id, studio.name,
                      f"{field.label}：{old} → {request.new_value}（撤回）")
                continue
            if new == old or (request is not None and request.new_value == new):
                continue
            if request is None:
                request = ChangeRequest(studio_id=studio.id, field=field, old_value=old)
                session.add(request)
            request.new_value, request.requested_by_id, request.requested_at = new, actor.id, utcnow()
            made.append(request)
            session.flush()
            audit(actor, "studio.change_request", "studio", studio.id, studio.name, f"{field.label}：{old} → {new}")
        return made


def requests_of_studio(studio_id: int, limit: int = 20) -> list[ChangeRequest]:
    """A studio's change requests, pending first, then the latest decided."""
    pending_first = case((ChangeRequest.state == RequestState.PENDING, 0), else_=1)
    return list(db.session.execute(select(ChangeRequest).where(ChangeRequest.studio_id == studio_id)
                                   .order_by(pending_first, ChangeRequest.requested_at.desc()).limit(limit)).scalars())
