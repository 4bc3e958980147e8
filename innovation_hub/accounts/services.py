"""Account services: create, authenticate (throttled in the database), passwords, disabling."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.services import record
from ..catalogue.services import studio_by_name
from ..database import write_transaction
from ..extensions import db
from ..models import utcnow
from .models import LoginAttempt, Role, User

MIN_PASSWORD_LENGTH = 8
# Failures counted over this window; every worker sees the same rows, unlike an in-memory limiter.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


class LoginRefused(AccountError):
    pass


def _hash(password: str) -> str:
    # The method is a setting so the test suite can use a cheap one; production keeps werkzeug's default.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码须同时包含字母和数字")


def user_by_username(username: str) -> User | None:
    return db.session.execute(select(User).where(User.username == username.strip())).scalar_one_or_none()


def create_user(actor: User | None, username: str, password: str, role: Role, *, studio_name: str = "",
                display_name: str = "", unit: str = "") -> User:
    """A new account; a studio account belongs to exactly one studio."""
    username = username.strip()
    if not username:
        raise AccountError("请填写用户名")
    check_password_rules(password)
    with write_transaction() as session:
        if user_by_username(username) is not None:
            raise AccountError(f"用户名“{username}”已被使用")
        studio = None
        if role is Role.STUDIO:
            studio = studio_by_name(studio_name) if studio_name else None
            if studio is None:
                raise AccountError(f"工作室账号须属于一个已有的工作室（“{studio_name}”不存在）" if studio_name
                                   else "工作室账号须指定所属工作室")
        elif studio_name:
            raise AccountError("只有工作室账号才属于某个工作室")
        user = User(username=username, display_name=display_name.strip(), role=role, studio=studio,
                    unit=unit.strip() or None, password_hash=_hash(password))
        session.add(user)
        session.flush()
        record(actor, "user.create", "user", user.id, username, f"角色：{role.label}"
               + (f"，工作室：{studio.name}" if studio else ""))
        return user


def _recent_failures(column, value) -> int:
    since = utcnow() - THROTTLE_WINDOW
    return db.session.execute(
        select(func.count()).select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since)
    ).scalar()


def authenticate(username: str, password: str, address: str) -> User:
    """The user whose password this is, or LoginRefused with a message that reveals nothing more."""
    username = username.strip()
    with write_transaction() as session:
        if _recent_failures(LoginAttempt.username, username) >= MAX_FAILURES_PER_ACCOUNT:
            raise LoginRefused("该账号登录失败次数过多，已暂时锁定，请 15 分钟后再试")
        if _recent_failures(LoginAttempt.address, address) >= MAX_FAILURES_PER_ADDRESS:
            raise LoginRefused("此地址登录失败次数过多，请 15 分钟后再试")
        user = user_by_username(username)
        ok = user is not None and check_password_hash(user.password_hash, password)
        if ok and not user.active:
            ok = False
        session.add(LoginAttempt(username=username, address=address, succeeded=ok))
        if ok:
            user.last_login_at = utcnow()
            session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - timedelta(days=30)))
    # Raised after the commit, so the failed attempt stays counted.
    if not ok:
        if user is not None and not user.active and check_password_hash(user.password_hash, password):
            raise LoginRefused("该账号已停用，请联系管理员")
        raise LoginRefused("用户名或密码不正确")
    return user


def end_sessions(user: User) -> None:
    """Void every session of this user (logout ends them all: a copied cookie no longer works)."""
    with write_transaction():
        user.session_version += 1


def change_password(user: User, old_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, old_password):
        raise AccountError("原密码不正确")
    check_password_rules(new_password)
    with write_transaction():
        user.password_hash = _hash(new_password)
        user.session_version += 1
        record(user, "user.password", "user", user.id, user.username)


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise AccountError("不能停用自己的账号")
    with write_transaction():
        if user.active == active:
            return
        user.active = active
        user.session_version += 1
        record(actor, "user.enable" if active else "user.disable", "user", user.id, user.username)
