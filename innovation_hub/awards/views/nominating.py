"""The studio's award pages (推荐申报): open rounds, eligible achievements, nominations and their state."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...accounts.models import Role
from ...security import roles_required

bp = Blueprint("nominating", __name__, url_prefix="/studio/awards")


@bp.get("/")
@roles_required(Role.STUDIO)
def home():
    return render_template("awards/studio/home.html")
