"""The administrator's award pages (评选管理): rounds, criteria, nominations, judges, assignment, progress,
ranking, 公示, objections, finalisation, exports."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...accounts.models import Role
from ...security import roles_required

bp = Blueprint("awards_admin", __name__, url_prefix="/admin/awards")


@bp.get("/")
@roles_required(Role.ADMIN)
def round_list():
    return render_template("awards/admin/round_list.html")
