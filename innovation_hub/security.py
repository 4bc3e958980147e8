"""Login loading with session versions and lifetimes, forced password changes, role gates, safe redirects, headers."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_url, logout_user, user_logged_in
from werkzeug.middleware.proxy_fix import ProxyFix


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

# Where Flask-Login keeps the logged-in user's id in the session (one of flask_login.config.SESSION_KEYS);
# tests/accounts/test_sessions_and_passwords.py holds Flask-Login to it.
LOGIN_SESSION_KEY = "_user_id"
SESSION_EXPIRED_MESSAGE = "登录已超时，请重新登录"
# The last-seen time in the cookie moves in steps of this many seconds, so a burst of requests
# does not send a new cookie with each answer.
SEEN_STEP = 60

# No inline script or style anywhere: every script is a file under static/js/ and data reaches it
# through data-attributes or <script type="application/json">, which CSP does not run. img-src
# allows data: for the SVG icons inside Bootstrap's CSS (select arrows, close buttons, the navbar
# toggler); the captcha and QR codes are inline <svg> elements and need nothing.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Not no-referrer: Flask-WTF checks the Referer of every POST over HTTPS against the host.
    "Referrer-Policy": "same-origin",
}


def has_login() -> bool:
    """Whether the session carries a login, read without loading the user (no database read)."""
    return LOGIN_SESSION_KEY in session


def now() -> float:
    """Seconds since the epoch; the session lifetimes read the clock here, so tests can freeze it."""
    return time.time()


@login_manager.unauthorized_handler
def _to_login_page():
    """Flask-Login's own redirect, without its "please log in" when the page already said the session timed out."""
    if not g.get("session_expired"):
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, request.url))


@user_logged_in.connect
def _start_session_clock(_app, user, **_extra) -> None:
    session["_login_at"] = session["_seen_at"] = int(now())


def _end_stale_session() -> None:
    """Log out a session idle too long or older than the absolute lifetime.

    Both times live in the signed session cookie: no database write per request, and a copied
    cookie ages exactly like the original.
    """
    if not has_login():
        return
    moment = int(now())
    login_at, seen_at = session.get("_login_at"), session.get("_seen_at")
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["SESSION_MAX_HOURS"] * 3600
    if not isinstance(login_at, int) or not isinstance(seen_at, int) or moment - seen_at > idle \
            or moment - login_at > lifetime:
        logout_user()
        session.pop("_login_at", None)
        session.pop("_seen_at", None)
        g.session_expired = True
        flash(SESSION_EXPIRED_MESSAGE, "warning")
    elif moment - seen_at >= SEEN_STEP:
        session["_seen_at"] = moment


# What a user with a temporary password may open before changing it: the page itself, logout, CSS and JS.
PASSWORD_CHANGE_EXEMPT = frozenset({"static", "accounts.change_password", "accounts.logout"})


def _require_password_change():
    """After an administrator's reset every logged-in page leads to 修改密码 until the temporary password is changed."""
    if not has_login() or request.endpoint in PASSWORD_CHANGE_EXEMPT:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        # Back to where the user was going afterwards; a form that was posted is not replayed.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.change_password", next=target))
    return None


def _add_security_headers(response):
    """On every answer (pages, errors, downloads, cached pages); a view that set its own policy keeps it."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # A page for a logged-in user names them and shows what only they may see: never keep it in a cache.
    if has_login() and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


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
    """The requesting machine: the peer, or with TRUSTED_PROXIES = N the address N proxies reported."""
    return request.remote_addr or "unknown"


def init_app(app: Flask, load_user) -> None:
    """`load_user(session_key)` is the accounts' loader: handed in by create_app, so this module needs no feature."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Only the last N entries of X-Forwarded-For were written by our own proxies; anything before
        # them came from the client and is ignored. Scheme and host come from the nearest proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=1, x_host=1)
    app.before_request(_end_stale_session)
    app.before_request(_require_password_change)
    app.after_request(_add_security_headers)
