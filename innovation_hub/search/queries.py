"""From what a person typed to ranked record ids, facet counts and the words to highlight.

No query parser: the input is only ever words, so unbalanced quotes or brackets, AND/OR/NOT,
`*`, `?` and `field:` are plain text, never syntax; nothing expands wildcards or fuzzy terms.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict
from whoosh import query as Q

from ..catalogue import patent_numbers
from ..catalogue.queries import enum_arg, int_arg
from ..errors import BadRequest
from ..models import Category, District, Level, PatentKind
from . import analysis
from .index import current_index

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_PAGE = 500
RECORD_TYPES = {"achievement": "成果", "patent": "专利", "studio": "工作室"}
FACETS = ("type", "category", "kind", "level", "industry", "district", "year")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class QueryError(BadRequest):
    """A search request we cannot run; the message says why in Chinese (HTTP 400)."""


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    type: str | None = None
    category: Category | None = None
    kind: PatentKind | None = None
    level: Level | None = None
    industry: str | None = None
    district: District | None = None
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"  # or "newest"
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_args(cls, args: MultiDict, default_per_page: int = 20) -> SearchQuery:
        text = _CONTROL.sub(" ", args.get("q") or "")
        text = " ".join(text.split())
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"检索词过长（{len(text)} 个字），请缩短到 {MAX_QUERY_CHARS} 个字以内")
        record_type = (args.get("type") or "").strip() or None
        if record_type is not None:
            by_label = {label: code for code, label in RECORD_TYPES.items()}
            record_type = by_label.get(record_type, record_type)
            if record_type not in RECORD_TYPES:
                raise QueryError(
                    f"类型“{args.get('type')}”无效，可选：achievement（成果）、patent（专利）、studio（工作室）"
                )
        sort = (args.get("sort") or "relevance").strip()
        if sort not in ("relevance", "newest"):
            raise QueryError(f"排序方式“{sort}”无效，可选：relevance（相关度）、newest（最新）")
        year_from, year_to = int_arg(args, "year_from", "起始年份"), int_arg(args, "year_to", "截止年份")
        if year_from and year_to and year_from > year_to:
            raise QueryError("起始年份不能晚于截止年份")
        return cls(
            text=text, type=record_type,
            category=enum_arg(args, "category", Category, "类别"),
            kind=enum_arg(args, "kind", PatentKind, "专利类型"),
            level=enum_arg(args, "level", Level, "级别"),
            industry=(args.get("industry") or "").strip() or None,
            district=enum_arg(args, "district", District, "所在地区"),
            year_from=year_from, year_to=year_to, sort=sort,
            page=int_arg(args, "page", "页码", 1, MAX_PAGE) or 1,
            per_page=int_arg(args, "per_page", "每页条数", 1, 100) or default_per_page,
        )

    def filters(self) -> dict[str, str]:
        """The active filters as query-string values (for links that keep or drop them)."""
        out = {}
        for name in ("type", "category", "kind", "level", "industry", "district", "year_from", "year_to"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.value if hasattr(value, "value") else str(value)
        return out


@dataclass
class Hit:
    type: str
    id: int
    score: float


@dataclass
class SearchResults:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    terms: list[str] = field(default_factory=list)  # what to mark in titles and snippets
    patent_number: str | None = None  # the query read as a patent number, if it is one
    number_problem: str | None = None  # why a query shaped like a patent number is not a valid one

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def _split_terms(text: str) -> list[str]:
    """The words a person typed: punctuation, quotes, brackets and operators' symbols separate them."""
    cleaned = re.sub(r"[^\w.+#/\-]+", " ", analysis.normalise(text))
    terms = [t.strip(".-/") for t in cleaned.split()]
    return [t for t in terms if t][:MAX_TERMS]


def _as_patent_number(text: str) -> str | None:
    return _read_patent_number(text)[0]


def _read_patent_number(text: str) -> tuple[str | None, str | None]:
    """(normalised number, None), or (None, the reason) for a number with a wrong check character."""
    compact = re.sub(r"\s+", "", text)
    if not patent_numbers.looks_like_number(compact):
        return None, None
    try:
        return patent_numbers.normalise(compact, require_check=False), None
    except patent_numbers.PatentNumberError as error:
        return None, str(error)


def _term_query(term: str, exact: bool = True) -> Q.Query:
    """A record matches a term by its words, by the term as a substring (bigrams), or as a person's name.

    exact=False asks for the bigrams anywhere instead of in a row: cheaper (no positions read),
    used only to rank documents the exact query has already matched.
    """
    parts: list[Q.Query] = []
    words = list(dict.fromkeys(analysis.words(term)))
    if words:
        parts.append(Q.And([Q.Or([Q.Term(f, w) for f in ("title", "studio")]) for w in words]))
    grams = analysis.grams(term)
    for field_name in ("title_grams", "body_grams"):
        if len(grams) == 1:
            parts.append(Q.Term(field_name, grams[0]))
        elif grams:
            parts.append(Q.Phrase(field_name, grams) if exact else Q.And([Q.Term(field_name, g) for g in grams]))
    parts.append(Q.Term("people", analysis.normalise(term)))
    number = _as_patent_number(term)
    if number:
        parts.append(Q.Term("number", number, boost=100.0))
    return Q.Or(parts)


def _filter_query(query: SearchQuery) -> Q.Query | None:
    clauses: list[Q.Query] = []
    if query.type:
        clauses.append(Q.Term("type", query.type))
    for name in ("category", "kind", "level", "district"):
        value = getattr(query, name)
        if value is not None:
            clauses.append(Q.Term(name, value.value))
    if query.industry:
        clauses.append(Q.Term("industry", query.industry))
    if query.year_from or query.year_to:
        clauses.append(Q.NumericRange("year", query.year_from, query.year_to))
    return Q.And(clauses) if clauses else None


def highlight_terms(text: str) -> list[str]:
    """The strings to mark: each typed term as written (normalised) and its words of 2+ characters."""
    out: list[str] = []
    for term in _split_terms(text):
        out.append(analysis.normalise(term))
        out.extend(w for w in analysis.words(term) if len(w) > 1)
    return list(dict.fromkeys(t for t in out if t))


def search(query: SearchQuery) -> SearchResults:
    """Run a search: ids in rank order (one page), the exact total, facet counts, terms to mark."""
    number, number_problem = _read_patent_number(query.text) if query.text else (None, None)
    terms = _split_terms(query.text)
    if number:
        text_query = Q.Or([Q.Term("number", number, boost=100.0), _term_query(query.text)])
        rank_query = Q.Or([Q.Term("number", number, boost=100.0), _term_query(query.text, exact=False)])
    elif terms:
        text_query = Q.And([_term_query(t) for t in terms])
        rank_query = Q.And([_term_query(t, exact=False) for t in terms])
    elif query.text:
        text_query = rank_query = Q.NullQuery  # only symbols were typed: nothing can match
    else:
        text_query = rank_query = Q.Every()
    newest_first = query.sort == "newest" or not terms
    index = current_index()
    index.drain_once_per_process()  # jobs a crashed process left behind
    searcher = index.searcher()
    filter_query = _filter_query(query)
    # Every match, unscored: the exact total and the facet counts.
    matching = Q.And([text_query, filter_query]) if filter_query is not None else text_query
    docnums = list(searcher.docs_for_query(matching))
    counts = {}
    for name in FACETS:
        values = index.facet_values(searcher, name)
        counts[name] = {k: v for k, v in Counter(values[d] for d in docnums).items() if k not in ("", 0, None)}
    total = len(docnums)
    # Then only the page asked for is ranked, among exactly those matches.
    hits = []
    if total and (query.page - 1) * query.per_page < total:
        results = searcher.search(
            rank_query, filter=set(docnums), limit=min(query.page * query.per_page, total),
            sortedby="newest" if newest_first else None, reverse=newest_first, terms=False,
        )
        start = (query.page - 1) * query.per_page
        hits = [Hit(doc["type"], doc["record_id"], round(hit.score or 0.0, 4))
                for hit, doc in ((hit, hit.fields()) for hit in results[start:start + query.per_page])]
    return SearchResults(query, total, hits, counts, highlight_terms(query.text), number, number_problem)


# ------------------------------------------------------------------ 查重: records with a similar title

SIMILAR_MAX_CHARS = 200
SIMILAR_MAX_TERMS = 60  # bigrams and words each: a 200-character title cannot make a huge query
SIMILAR_POOL = 4  # candidates read per result wanted, before the shared-bigram check
# A record is similar when its title shares at least this part of the typed title's bigrams:
# "一种装置" alone (two of five bigrams of 一种新型装置) is not enough to call 一种焊接装置 the same.
SIMILAR_MIN_SHARE = 0.4


def similar(text: str, limit: int = 5, exclude: tuple[str, int] | None = None, *,
            types: tuple[str, ...] = ("achievement", "patent")) -> list[Hit]:
    """The public records whose titles are most like `text`, best first (查重 before filing).

    An OR over the title's words and bigrams, not search()'s AND: a near-duplicate with one
    word changed must still be found. `exclude` is a (type, id) left out (the record being edited).
    """
    text = " ".join(_CONTROL.sub(" ", text or "").split())[:SIMILAR_MAX_CHARS]
    grams = list(dict.fromkeys(g for g in analysis.grams(text) if len(g) > 1))[:SIMILAR_MAX_TERMS]
    if not grams or limit < 1:
        return []
    words = list(dict.fromkeys(w for w in analysis.words(text) if len(w) > 1))[:SIMILAR_MAX_TERMS]
    text_query = Q.Or([Q.Term("title", w) for w in words] + [Q.Term("title_grams", g) for g in grams])
    type_filter = Q.Or([Q.Term("type", t) for t in types])
    mask = Q.Term("key", f"{exclude[0]}:{exclude[1]}") if exclude else None
    index = current_index()
    index.drain_once_per_process()
    results = index.searcher().search(text_query, limit=limit * SIMILAR_POOL, filter=type_filter, mask=mask,
                                      terms=True)
    needed = max(1, round(len(grams) * SIMILAR_MIN_SHARE))
    hits = []
    for hit in results:
        shared = sum(1 for field_name, _term in hit.matched_terms() if field_name == "title_grams")
        if shared >= needed:
            fields = hit.fields()
            hits.append(Hit(fields["type"], fields["record_id"], round(hit.score or 0.0, 4)))
            if len(hits) == limit:
                break
    return hits
