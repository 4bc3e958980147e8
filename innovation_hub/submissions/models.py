"""Proof files (证明材料) attached to an achievement or a patent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import CheckConstraint, ForeignKey, String
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
