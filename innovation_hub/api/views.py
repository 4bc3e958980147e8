"""GET /api/v1/…: the public catalogue as JSON, reusing the catalogue's queries."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from ..catalogue import queries
from ..catalogue.figures import honest_figures
from ..extensions import db
from ..page_cache import cached_page
from ..request_args import flag_arg, page_arg, per_page_arg
from . import serializers

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/studios")
@cached_page
def studios():
    filters = queries.StudioFilters.from_args(request.args)
    page = db.paginate(
        queries.studios_select(filters),
        page=page_arg(request.args),
        per_page=per_page_arg(request.args, 20),
        error_out=False,
    )
    counts = queries.record_counts([s.id for s in page.items])
    return jsonify(
        total=page.total, page=page.page, per_page=page.per_page,
        items=[serializers.studio_summary(s, counts[s.id]) for s in page.items],
    )


@bp.get("/studios/<int:studio_id>")
@cached_page
def studio(studio_id: int):
    found = queries.studio_page(studio_id) or abort(404)
    return jsonify(serializers.studio_detail(*found))


@bp.get("/achievements/<int:achievement_id>")
@cached_page
def achievement(achievement_id: int):
    return jsonify(serializers.achievement_detail(queries.public_achievement(achievement_id) or abort(404)))


@bp.get("/patents/<int:patent_id>")
@cached_page
def patent(patent_id: int):
    return jsonify(serializers.patent_detail(queries.public_patent(patent_id) or abort(404)))


@bp.get("/people/<int:person_id>")
@cached_page
def person(person_id: int):
    return jsonify(serializers.person_detail(queries.person_record(person_id) or abort(404)))


@bp.get("/stats")
@cached_page
def stats():
    return jsonify(serializers.stats(queries.catalogue_stats(
        flag_arg(request.args, "include_delisted", "含已摘牌")), honest_figures()))
