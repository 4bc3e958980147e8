"""Reads of accounts: the user a session cookie names, the administrator's list of accounts."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import User


def user_for_session(user_id: str) -> User | None:
    """`id:version` from the session; a version older than the user's is a session that was ended."""
    user_key, _, version = user_id.partition(":")
    if not (user_key.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_key))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def users_by_role() -> list[User]:
    """Every account, by role, then user name."""
    return db.session.execute(select(User).order_by(User.role, User.username)).scalars().all()
