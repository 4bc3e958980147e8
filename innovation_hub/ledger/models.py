"""A ledger (台账) uploaded in the browser: its stored file, its dry-run report and its import's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import LabelledEnum, TimestampMixin, enum_column


class ImportState(LabelledEnum):
    VALIDATING = "validating", "校验中"
    VALIDATED = "validated", "已校验"
    INVALID = "invalid", "校验未通过"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"

    @property
    def running(self) -> bool:
        return self in (ImportState.VALIDATING, ImportState.IMPORTING)


class LedgerImport(TimestampMixin, db.Model):
    """One uploaded workbook; the file lives in the instance folder under `stored_name`."""

    __tablename__ = "ledger_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(200))  # shown only, never a path
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    status: Mapped[ImportState] = mapped_column(enum_column(ImportState), default=ImportState.VALIDATING, index=True)
    # {"dry_run": {sheet counts, deletions}, "import": {…}}: what the dry run found and what the import wrote.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # the first LedgerError rows, as dicts
    error_count: Mapped[int] = mapped_column(default=0)
    error_text: Mapped[str] = mapped_column(Text, default="")  # why a job failed outside validation
    delete_missing: Mapped[bool] = mapped_column(default=False)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    @property
    def label(self) -> str:
        return f"台账“{self.original_name}”"
