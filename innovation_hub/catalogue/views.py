"""Public catalogue pages: home, studio/achievement/patent lists and pages, person pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Category, Level, PatentKind
from ..page_cache import cached_page
from ..request_args import flag_arg, page_arg
from . import charts, queries
from .figures import honest_figures
from .models import Patent, Person, Studio
from .queries import AchievementFilters, PatentFilters, StudioFilters

bp = Blueprint("catalogue", __name__)


@dataclass(frozen=True)
class PageParts:
    """What catalogue pages show that other features own; create_app hands them in, so the catalogue,
    which those features build on, imports none of them."""

    studio_history: Callable  # lifecycle: a studio's titles, reports and rechecks over the years
    workbook_response: Callable[..., Response]  # ledger: a list as the 台账 workbook download


def init_app(app: Flask, parts: PageParts) -> None:
    app.extensions["catalogue.pages"] = parts


def _parts() -> PageParts:
    return current_app.extensions["catalogue.pages"]


def _paginate(stmt, per_page: int | None = None):
    return db.paginate(
        stmt, page=page_arg(request.args), per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False, count=True,
    )


@bp.get("/")
@cached_page
def home():
    stats = queries.catalogue_stats(flag_arg(request.args, "include_delisted", "含已摘牌"))
    return render_template(
        "catalogue/home.html", stats=stats, charts=charts.home_charts(stats), figures=honest_figures(),
        levels=list(Level), categories=list(Category), kinds=list(PatentKind),
    )


@bp.get("/studios")
@cached_page
def studio_list():
    filters = StudioFilters.from_args(request.args)
    page = _paginate(queries.studios_select(filters))
    return render_template(
        "catalogue/studio_list.html", page=page, filters=filters,
        counts=queries.record_counts([s.id for s in page.items]),
        facets=queries.studio_facets(filters),
    )


@bp.get("/studios/export.xlsx")
def studio_export():
    filters = StudioFilters.from_args(request.args)
    studios = db.session.execute(
        queries.studios_select(filters).options(selectinload(Studio.leader).selectinload(Person.honours))
    ).scalars()
    return _parts().workbook_response("工作室台账.xlsx", studios=studios)


@bp.get("/studios/<int:studio_id>")
@cached_page
def studio_detail(studio_id: int):
    found = queries.studio_page(studio_id)
    if found is None:
        abort(404)
    studio, achievements, patents = found
    return render_template("catalogue/studio.html", studio=studio, achievements=achievements, patents=patents,
                           history=_parts().studio_history(studio.id))


@bp.get("/achievements")
@cached_page
def achievement_list():
    filters = AchievementFilters.from_args(request.args)
    page = _paginate(queries.public_achievements_select(filters))
    studio = db.session.get(Studio, filters.studio_id) if filters.studio_id else None
    facets = queries.achievement_facets(filters)
    return render_template(
        "catalogue/achievement_list.html", page=page, filters=filters, studio=studio,
        category_options=facets["category"], year_options=facets["year"],
    )


@bp.get("/achievements/export.xlsx")
def achievement_export():
    filters = AchievementFilters.from_args(request.args)
    achievements = db.session.execute(queries.public_achievements_select(filters)).scalars()
    return _parts().workbook_response("成果台账.xlsx", achievements=achievements)


@bp.get("/achievements/<int:achievement_id>")
@cached_page
def achievement_detail(achievement_id: int):
    achievement = queries.public_achievement(achievement_id)
    if achievement is None:
        abort(404)
    return render_template("catalogue/achievement.html", achievement=achievement)


@bp.get("/patents")
@cached_page
def patent_list():
    filters = PatentFilters.from_args(request.args)
    page = _paginate(queries.public_patents_select(filters))
    studio = db.session.get(Studio, filters.studio_id) if filters.studio_id else None
    return render_template(
        "catalogue/patent_list.html", page=page, filters=filters, studio=studio,
        facets=queries.patent_facets(filters),
    )


@bp.get("/patents/export.xlsx")
def patent_export():
    filters = PatentFilters.from_args(request.args)
    patents = db.session.execute(
        queries.public_patents_select(filters).options(selectinload(Patent.achievement))
    ).scalars()
    return _parts().workbook_response("专利台账.xlsx", patents=patents)


@bp.get("/patents/<int:patent_id>")
@cached_page
def patent_detail(patent_id: int):
    patent = queries.public_patent(patent_id)
    if patent is None:
        abort(404)
    return render_template("catalogue/patent.html", patent=patent)


@bp.get("/people/<int:person_id>")
@cached_page
def person_detail(person_id: int):
    record = queries.person_record(person_id)
    if record is None:
        abort(404)
    return render_template("catalogue/person.html", record=record)
