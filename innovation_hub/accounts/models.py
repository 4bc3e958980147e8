"""User accounts and the counters that throttle password guessing."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import LabelledEnum, TimestampMixin, enum_column, utcnow


class Role(LabelledEnum):
    ADMIN = "admin", "管理员"
    JUDGE = "judge", "评委"
    STUDIO = "studio", "工作室"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    studio_id: Mapped[int | None] = mapped_column(ForeignKey("studios.id"), index=True)
    # 工作单位 of a judge: entries of studios hosted there are conflicts (回避).
    unit: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, password change and disabling: every session cookie issued before is void.
    session_version: Mapped[int] = mapped_column(default=1)
    # Set by an administrator's reset (a temporary password): every page leads to 修改密码 until it is changed.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_login_at: Mapped[datetime | None]

    studio = relationship("Studio")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in an inactive user
        return self.active

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_judge(self) -> bool:
        return self.role is Role.JUDGE

    @property
    def is_studio(self) -> bool:
        return self.role is Role.STUDIO


class LoginThrottle(db.Model):
    """Password failures in the current window for one key: an (account, address) pair, an account or an address.

    A login reserves one failure on each of its three keys by a conditional UPDATE before the
    password is hashed (given back if it was right), so concurrent attempts can never check more
    passwords than the limits allow; the rows are in the database, so every worker sees them.
    """

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # pair, account or address
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow, index=True)
