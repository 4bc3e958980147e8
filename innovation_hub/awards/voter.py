"""Who is voting: a random browser token kept in a long-lived, signed, HttpOnly cookie, and what that token has done.

The token is the "person" of one-vote-per-entry-per-day (a phone number cannot be verified here). The cookie is
signed with itsdangerous under the app's secret key: a forged, altered or missing cookie gets a fresh token. Only
the token's sha256 reaches the database (objections_votes.cast_vote), and per-address limits are counted there as well.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import Response, current_app, request
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import local_time
from . import objections_votes
from .models import AwardRound, Vote

COOKIE = "award_voter"
COOKIE_PATH = "/awards/"
MAX_AGE = 365 * 24 * 3600
SALT = "awards-voter"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_STATE = "innovation_hub.award_voter"  # the request's voter token, in its WSGI environ


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def read_cookie(value: str | None) -> str | None:
    """The token a cookie value carries, or None when it is missing, forged or malformed."""
    if not value:
        return None
    try:
        token = _serializer().loads(value)
    except BadData:
        return None
    return token if isinstance(token, str) and _TOKEN.match(token) else None


def browser_token() -> str:
    """This browser's voter token; a fresh one (remembered by remember()) when the cookie is missing or forged."""
    # Kept with the request, not in `g`: an app context (and its `g`) may outlive one request.
    state = request.environ.setdefault(_STATE, {})
    if "token" not in state:
        token = read_cookie(request.cookies.get(COOKIE))
        state.update(token=token or secrets.token_urlsafe(24), fresh=token is None)
    return state["token"]


def remember(response: Response) -> Response:
    """Set the cookie on the response when this request made a fresh token (an after_request hook)."""
    state = request.environ.get(_STATE, {})
    if state.get("fresh"):
        secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
        response.set_cookie(COOKIE, _serializer().dumps(state["token"]), max_age=MAX_AGE, path=COOKIE_PATH,
                            httponly=True, samesite="Lax", secure=secure)
        state["fresh"] = False
    return response


def captcha_binding(award_round: AwardRound, token: str) -> str:
    """What a captcha is issued for: this browser token in this round (each question is answered once besides)."""
    return hashlib.sha256(f"{award_round.id}:{token}".encode()).hexdigest()[:32]


def voted_today(award_round: AwardRound, token: str) -> set[int]:
    """Ids of the entries this token has voted for today (北京时间, as objections_votes.cast_vote counts days)."""
    today = local_time(objections_votes.utcnow()).date()  # the service's clock
    return set(db.session.scalars(select(Vote.nomination_id).where(
        Vote.round_id == award_round.id, Vote.token_hash == objections_votes.token_hash(token), Vote.day == today)))
