"""A studio's request to change a field the office controls (行业, 依托单位, 地区): the request, asking, and reading.

The studio asks here (its profile form); the office decides in office/services.py.
"""

from __future__ import annotations

from sqlalchemy import case, select

from ..audit.changes import shown
from ..audit.services import record as audit
from ..catalogue.models import Studio
from ..database import write_transaction
from ..extensions import db
from ..models import utcnow
from .models import ChangeRequest, ControlledField, RequestState


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
