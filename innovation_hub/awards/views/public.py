"""The public award pages: rounds, 公示, objections (异议), the public vote, results, certificate checks;
and the JSON API (/api/v1/awards)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("awards", __name__, url_prefix="/awards")
api_bp = Blueprint("awards_api", __name__, url_prefix="/api/v1/awards")


@bp.get("/")
def round_list():
    return render_template("awards/public/round_list.html")
