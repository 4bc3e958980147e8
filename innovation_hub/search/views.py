"""The search page and GET /api/v1/search: parse, search, load the rows from SQL in rank order."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from ..paging import Page
from . import RECORD_TYPES, SearchQuery, SearchResults, entities, highlight, search, snippet
from .hits import api_hit_rows, hit_records
from .queries import FILTER_ENUMS

bp = Blueprint("search", __name__)
api_bp = Blueprint("search_api", __name__, url_prefix="/api/v1")


@dataclass
class ShownHit:
    """One hit as shown: the record loaded from SQL, its title and snippet marked."""

    type: str
    id: int
    score: float
    record: object
    title: Markup
    snippet: Markup
    url: str
    studio_name: str
    studio_url: str | None


_ENDPOINTS = {
    "achievement": ("catalogue.achievement_detail", "achievement_id"),
    "patent": ("catalogue.patent_detail", "patent_id"),
    "studio": ("catalogue.studio_detail", "studio_id"),
}


def _load(results: SearchResults) -> list[ShownHit]:
    """The hits' records in rank order, a query per record type; stale hits are skipped."""
    records = hit_records(results)
    shown = []
    for hit in results.hits:
        record = records.get((hit.type, hit.id))
        if record is None:
            continue  # removed or withdrawn since the index saw it; its outbox job is on the way
        endpoint, arg = _ENDPOINTS[hit.type]
        studio = record if hit.type == "studio" else record.studio
        body = {"achievement": "summary", "patent": "abstract", "studio": "intro"}[hit.type]
        shown.append(ShownHit(
            type=hit.type, id=hit.id, score=hit.score, record=record,
            title=highlight(record.name if hit.type == "studio" else record.title, results.terms),
            snippet=snippet(getattr(record, body) or "", results.terms),
            url=url_for(endpoint, **{arg: hit.id}),
            studio_name=studio.name if hit.type != "studio" else studio.host_unit,
            studio_url=url_for("catalogue.studio_detail", studio_id=studio.id) if hit.type != "studio" else None,
        ))
    return shown


def _api_hits(results: SearchResults) -> list[dict]:
    """The hits as the API shows them, in rank order; stale hits are skipped as in _load. Their titles are not
    marked: the API does not send them."""
    shown = api_hit_rows(results)
    out = []
    for hit in results.hits:
        if (hit.type, hit.id) not in shown:
            continue  # removed or withdrawn since the index saw it; its outbox job is on the way
        title, body, studio_name = shown[(hit.type, hit.id)]
        endpoint, arg = _ENDPOINTS[hit.type]
        out.append({"type": hit.type, "id": hit.id, "title": title, "url": url_for(endpoint, **{arg: hit.id}),
                    "studio": studio_name, "snippet": str(snippet(body or "", results.terms)), "score": hit.score})
    return out


def _facets_json(results: SearchResults) -> dict:
    out = {}
    for name, counts in results.facets.items():
        enum_cls = FILTER_ENUMS.get(name)
        if enum_cls:
            out[name] = {enum_cls(k).label: n for k, n in counts.items()}
        elif name == "year":
            out[name] = {str(k): n for k, n in sorted(counts.items(), reverse=True)}
        else:
            out[name] = dict(counts)
    return out


@api_bp.get("/search")
def api_search():
    query = SearchQuery.from_args(request.args)
    results = search(query)
    return jsonify(
        query=query.text, total=results.total, page=query.page, per_page=query.per_page,
        hits=_api_hits(results),
        facets=_facets_json(results),
        incomplete=results.incomplete,  # the time bound cut the search short (SEARCH_TIME_LIMIT)
        partial=results.partial,  # no record holds every word: these hold some, most first
        missing=results.missing,  # with partial: the words no record holds
        # Filters read from the query's words (先进操作法 → 类别): the word filters instead of being searched.
        implied_filters=[{"filter": f.name, "title": f.title, "label": f.label, "query_without": f.text_without}
                         for f in results.implied],
        entities=[e.as_json() for e in _entities(query)],  # the people, studios and units the query names
    )


def _entities(query: SearchQuery) -> list[entities.Entity]:
    """The cards above the first page of results."""
    return entities.find(query.text) if query.page == 1 else []


@bp.get("/search")
def search_page():
    query = SearchQuery.from_args(request.args, current_app.config["PER_PAGE"])
    results = search(query)
    hits = _load(results)
    page = Page(hits, query.page, query.per_page, results.total)
    return render_template(
        "search/results.html", query=query, results=results, hits=hits, page=page,
        facets=_facets_json(results), record_types=RECORD_TYPES, entities=_entities(query),
        suggestions=suggestions(query, results) if not results.total else [],
    )


def suggestions(query: SearchQuery, results: SearchResults) -> list[tuple[str, str]]:
    """(text, URL) ways out of an empty result: drop a filter, drop a word, browse."""
    out = []
    words = query.text.split()
    if query.filters():
        out.append(("去掉所有筛选条件再搜", url_for("search.search_page", q=query.text)))
    if len(words) > 1:
        for word in words:
            rest = " ".join(w for w in words if w != word)
            out.append((f"去掉“{word}”，搜“{rest}”", url_for("search.search_page", q=rest, **query.filters())))
    if results.number_problem:
        out.append(("核对专利号的位数和校验位后再搜，或浏览全部专利", url_for("catalogue.patent_list")))
    out.append(("按类别浏览全部成果", url_for("catalogue.achievement_list")))
    out.append(("浏览全部创新工作室", url_for("catalogue.studio_list")))
    return out
