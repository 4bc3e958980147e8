"""The judge's pages (评审): assigned entries, the score form, conflicts (回避)."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...accounts.models import Role
from ...security import roles_required

bp = Blueprint("judging", __name__, url_prefix="/judge")


@bp.get("/")
@roles_required(Role.JUDGE)
def home():
    return render_template("awards/judge/home.html")
