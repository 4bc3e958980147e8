"""Login loading with session versions, role gates, and safe redirects after login."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_login import AnonymousUserMixin, LoginManager, current_user

from .extensions import db


class Visitor(AnonymousUserMixin):
    """A visitor who has not logged in: holds no role, so role checks read the same for everyone."""

    is_admin = is_judge = is_studio = False
    studio_id = None


login_manager = LoginManager()
login_manager.anonymous_user = Visitor
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str):
    """`id:version` from the session; a version older than the user's is a session that was ended."""
    from .accounts.models import User

    user_key, _, version = user_id.partition(":")
    if not (user_key.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_key))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def roles_required(*roles):
    """Allow a view to logged-in users of these roles: others get 403, anonymous users the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # read by the role × route test
        return wrapper

    return decorator


def safe_next(target: str | None, default: str) -> str:
    """`next` only to a path on this site: no scheme, no host, no // or \\\\ tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_address() -> str:
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
