"""From what a person typed to ranked record ids, facet counts and the words to highlight.

No query parser: the input is only ever words, so unbalanced quotes or brackets, AND/OR/NOT,
`*`, `?` and `field:` are plain text, never syntax; nothing expands wildcards or fuzzy terms.

No Whoosh searcher.search() either: its matchers skip by quality, and Whoosh 2.7.4 can loop
forever in skip_to_quality (a page hung > 30 s under write load). Every path reads each term's
documents as a set (index.term_docs) and ranks them here, under a time bound (deadline.py):
past SEARCH_TIME_LIMIT seconds a search answers with what it has and says it may be incomplete.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from werkzeug.datastructures import MultiDict

from ..catalogue import patent_numbers
from ..catalogue.queries import enum_arg, int_arg
from ..errors import BadRequest
from ..models import Category, District, Level, PatentKind
from . import analysis, changelog, deadline, numbers, pinyin
from .index import current_index, term_docs

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_PAGE = 500
RECORD_TYPES = {"achievement": "成果", "patent": "专利", "studio": "工作室"}
FACETS = ("type", "category", "kind", "level", "industry", "district", "year")
# Every per-document column search() reads.
COLUMNS = (*FACETS, "newest", "title_len", "body_len", "studio_id", "record_id")
GROUPED = ("studio_id",)  # columns search() reads as value -> documents
TEXTS = ("body_runs",)  # columns search() scans as one string per segment
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
    incomplete: bool = False  # the time bound cut the search short: these are the matches found by then

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


# The ranking: BM25 with each field's match counted once (titles are short, so a term's frequency
# says little), weighed by field: title matches outrank summary matches (DESIGN.md), a person's
# name and a patent number are exact. Scored in Python over the sets the matching already read:
# Whoosh's scorer re-read every posting of the terms (250–450 ms at 100k records).
PART_WEIGHTS = {"title": 3.0, "studio": 0.5, "title_grams": 3.0, "body": 1.0, "people": 2.0, "number": 100.0,
                # i13-forms: pinyin parts (read only when a term finds nothing else) and partial numbers,
                # which rank below a whole number (100) and above any word's match.
                "title_pinyin": 1.5, "people_pinyin": 1.0, "number_grams": 10.0}
PART_LENGTH = {"title": "title_len", "title_grams": "title_len", "title_pinyin": "title_len", "body": "body_len"}
BM25_K1, BM25_B = 1.2, 0.75
TIE_MARGIN = 2e-6  # scores that round to the same 6 decimals lie within 1e-6 of each other


def _docs(searcher, field_name: str, *texts: str) -> set[int]:
    """The documents that have every one of `texts` in the field."""
    sets = sorted((term_docs(searcher, field_name, t) for t in dict.fromkeys(texts)), key=len)
    return set.intersection(*sets) if sets else set()


def _term_parts(index, searcher, term: str) -> tuple[dict[str, set[int]], bool]:
    """The documents a term matches, by how: its words in the title (or the studio's name and host
    unit), the term as a substring of a title (a phrase of its bigrams) or of a summary, a person's name,
    a patent number. Each part is one simple query; parts are joined as Python sets, where Whoosh's
    union matcher over phrase matchers cost ~170 ms at 100k records.

    Also whether every part was read: when the time is up, the parts read so far.
    """
    parts: dict[str, set[int]] = {}
    try:
        words = list(dict.fromkeys(analysis.words(term)))
        if words:
            in_title = [_docs(searcher, "title", w) for w in words]
            parts["title"] = set.intersection(*in_title)
            in_host_unit = [_docs(searcher, "studio", w) for w in words]  # only studios' documents have it
            parts["studio"] = _records_of_studios(index, searcher, set.intersection(
                *(t | s for t, s in zip(in_title, in_host_unit, strict=True)))) - parts["title"]
        grams = list(dict.fromkeys(analysis.grams(term)))
        runs = analysis.runs(term)
        needle = " ".join(runs)  # analysis.run_text(term)
        if len(grams) == 1:
            parts["title_grams"] = _docs(searcher, "title_grams", grams[0])
        elif grams:
            # The documents with every bigram, kept when the term stands in their title in a row:
            # at 10k records 6 ms where a positional phrase took 16–39 ms, the same documents.
            candidates = _docs(searcher, "title_grams", *grams)
            text = index.column_reader(searcher, "title_runs")
            parts["title_grams"] = {d for d in candidates if needle.encode() in text[d]}
        parts["people"] = _docs(searcher, "people", analysis.normalise(term))
        number = _as_patent_number(term)
        if number:
            parts["number"] = _docs(searcher, "number", number)
        if runs:
            # The same rule as the title's bigrams: a one-character run of the term is a whole run there.
            # Last: the one part that scans text rather than reading postings.
            parts["body"] = index.text_matches(searcher, "body_runs", needle,
                                               run_start=len(runs[0]) == 1, run_end=len(runs[-1]) == 1)
        parts.update(_number_part(searcher, term))
        if not _matches(parts):
            parts.update(_pinyin_parts(searcher, term))
    except deadline.TimeUp:
        return parts, False
    return parts, True


# ---- i13-forms: parts for partial patent numbers (numbers.py) and pinyin (pinyin.py), called by _term_parts

def _number_part(searcher, term: str) -> dict[str, set[int]]:
    """The patents whose number holds the term's 6–12 digits in a row."""
    digits = numbers.query_digits(term)
    if digits is None:
        return {}
    return {"number_grams": set().union(*(_docs(searcher, "number_grams", *terms)
                                          for terms in numbers.query_alternatives(digits)))}


def _pinyin_parts(searcher, term: str) -> dict[str, set[int]]:
    """A Latin-letter term as pinyin or initials of titles (studio names) and of people's names; in a
    title, also as several words' pinyin typed in a row (pinyin.split)."""
    text = pinyin.query_text(term)
    if text is None:
        return {}
    parts = {name: _docs(searcher, name, text) for name in ("title_pinyin", "people_pinyin")}
    if not parts["title_pinyin"]:
        reader = searcher.reader()
        pieces = pinyin.split(text, lambda piece: ("title_pinyin", piece) in reader)
        if pieces:
            parts["title_pinyin"] = _docs(searcher, "title_pinyin", *pieces)
    return parts

# ---- end i13-forms


def _records_of_studios(index, searcher, docs: set[int]) -> set[int]:
    """The documents (studios and their records) of the studios among `docs` (by name or host unit)."""
    types = index.column(searcher, "type")
    studio_ids = index.column(searcher, "studio_id")
    by_studio = index.grouped(searcher, "studio_id")
    return set().union(*(by_studio[studio_ids[d]] for d in docs if types[d] == "studio"))


def _matches(parts: dict[str, set[int]]) -> set[int]:
    return set().union(*parts.values())


def _rank(index, searcher, docs: list[int], term_parts: list[dict[str, set[int]]],
          limit: int) -> list[tuple[int, float]]:
    """The `limit` best of `docs` by score, then newest."""
    wanted = set(docs)
    total_docs = max(1, searcher.doc_count())
    averages = {}
    for column in set(PART_LENGTH.values()):
        values = index.column(searcher, column)
        averages[column] = (sum(values) / len(values) or 1.0) if values else 1.0
    scores: dict[int, float] = dict.fromkeys(wanted, 0.0)
    for parts in term_parts:
        for name, matched in parts.items():
            if not matched:
                continue
            deadline.check()
            n = len(matched)
            weight = PART_WEIGHTS[name] * math.log(1 + (total_docs - n + 0.5) / (n + 0.5)) * (BM25_K1 + 1)
            column = PART_LENGTH.get(name)
            if column is None:
                for d in matched & wanted:
                    scores[d] += weight / (1 + BM25_K1)
            else:
                lengths, average = index.column(searcher, column), averages[column]
                k, b = BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B / average
                for d in matched & wanted:
                    scores[d] += weight / (1 + k + b * lengths[d])
    newest = index.column(searcher, "newest")
    candidates = scores
    if len(scores) > limit:
        # Only what can be among the best is put in order by the full key: a score more than
        # TIE_MARGIN below the limit-th best rounds lower than it (14 ms → 1 ms over 13k matches).
        floor = heapq.nlargest(limit, scores.values())[-1] - TIE_MARGIN
        candidates = [d for d, score in scores.items() if score >= floor]
    # Scores rounded, so that floating-point noise does not split a tie; then newest first.
    best = heapq.nlargest(limit, candidates, key=lambda d: (round(scores[d], 6), newest[d], d))
    return [(d, scores[d]) for d in best]


def _filtered(index, searcher, docs, query: SearchQuery):
    """`docs` narrowed by the query's filters, read from the per-document columns."""
    wanted = {name: getattr(query, name) for name in ("type", "category", "kind", "level", "industry", "district")}
    for name, value in wanted.items():
        if value is not None:
            value = value.value if hasattr(value, "value") else value
            values = index.column(searcher, name)
            docs = [d for d in docs if values[d] == value]
    if query.year_from or query.year_to:
        years = index.column(searcher, "year")
        low, high = query.year_from or 0, query.year_to or 9999
        docs = [d for d in docs if low <= years[d] <= high]
    return docs


def _hit(index, searcher, docnum: int, score: float) -> Hit:
    return Hit(index.column(searcher, "type")[docnum], index.column(searcher, "record_id")[docnum], round(score, 4))


def highlight_terms(text: str) -> list[str]:
    """The strings to mark: each typed term as written (normalised) and its words of 2+ characters."""
    out: list[str] = []
    for term in _split_terms(text):
        out.append(analysis.normalise(term))
        out.extend(w for w in analysis.words(term) if len(w) > 1)
    return list(dict.fromkeys(t for t in out if t))


def _time_limit():
    return deadline.time_limit(current_app.config["SEARCH_TIME_LIMIT"])


def search(query: SearchQuery) -> SearchResults:
    """Run a search: ids in rank order (one page), the exact total, facet counts, terms to mark.

    Bounded by SEARCH_TIME_LIMIT: the terms (and a term's parts) not read by then are left out,
    the ranking falls back to newest first, and the results say they may be incomplete.
    """
    number, number_problem = _read_patent_number(query.text) if query.text else (None, None)
    terms = _split_terms(query.text)
    index = current_index()
    changelog.follow()  # other processes' and servers' changes first
    with _time_limit():
        searcher = index.searcher()
        complete = True
        # Every match: the exact total and the facet counts.
        term_parts: list[dict[str, set[int]]] = []
        for text in [query.text] if number else terms:  # a number's "number" part finds the patent
            if deadline.expired():
                complete = False
                break
            parts, read_all = _term_parts(index, searcher, text)
            if parts:
                term_parts.append(parts)
            if not read_all:
                complete = False
                break
        if number:
            docs = _matches(term_parts[0]) if term_parts else set()
        elif terms:
            docs = set.intersection(*sorted((_matches(p) for p in term_parts), key=len)) if term_parts else set()
        elif query.text:
            docs = set()  # only symbols were typed: nothing can match
        else:
            docs = set(searcher.reader().all_doc_ids())
        docs = _filtered(index, searcher, docs, query)
        counts = {}
        for name in FACETS:
            values = index.column(searcher, name)
            counts[name] = {k: v for k, v in Counter(map(values.__getitem__, docs)).items() if k not in ("", 0, None)}
        total = len(docs)
        # Then only the page asked for is put in order, among exactly those matches.
        first = (query.page - 1) * query.per_page
        wanted = min(query.page * query.per_page, total)
        hits = []
        if first < total:
            ranked = None
            if query.sort != "newest" and term_parts:
                try:
                    ranked = _rank(index, searcher, docs, term_parts, wanted)
                except deadline.TimeUp:
                    complete = False
            if ranked is None:
                newest = index.column(searcher, "newest")
                ranked = [(d, 0.0) for d in heapq.nlargest(wanted, docs, key=lambda d: (newest[d], d))]
            hits = [_hit(index, searcher, docnum, score) for docnum, score in ranked[first:wanted]]
    return SearchResults(query, total, hits, counts, highlight_terms(query.text), number, number_problem,
                         incomplete=not complete)


# ------------------------------------------------------------------ 查重: records with a similar title

SIMILAR_MAX_CHARS = 200
SIMILAR_MAX_TERMS = 60  # bigrams and words each: a 200-character title cannot make a huge query
# A record is similar when its title shares at least this part of the typed title's bigrams:
# "一种装置" alone (two of five bigrams of 一种新型装置) is not enough to call 一种焊接装置 the same.
SIMILAR_MIN_SHARE = 0.4


def similar(text: str, limit: int = 5, exclude: tuple[str, int] | None = None, *,
            types: tuple[str, ...] = ("achievement", "patent")) -> list[Hit]:
    """The public records whose titles are most like `text`, best first (查重 before filing).

    An OR over the title's words and bigrams, not search()'s AND: a near-duplicate with one
    word changed must still be found. Each term's documents are read as a set and ranked by
    search()'s own BM25, never by a Whoosh matcher (see the module's docstring). `exclude` is a
    (type, id) left out (the record being edited). Bounded by SEARCH_TIME_LIMIT like search():
    past it, what the terms read so far found.
    """
    text = " ".join(_CONTROL.sub(" ", text or "").split())[:SIMILAR_MAX_CHARS]
    grams = list(dict.fromkeys(g for g in analysis.grams(text) if len(g) > 1))[:SIMILAR_MAX_TERMS]
    if not grams or limit < 1:
        return []
    words = list(dict.fromkeys(w for w in analysis.words(text) if len(w) > 1))[:SIMILAR_MAX_TERMS]
    index = current_index()
    changelog.follow()
    with _time_limit():
        searcher = index.searcher()
        gram_docs: list[set[int]] = []
        term_parts: list[dict[str, set[int]]] = []
        try:
            for gram in grams:
                gram_docs.append(term_docs(searcher, "title_grams", gram))
            for word in words:
                term_parts.append({"title": term_docs(searcher, "title", word)})
        except deadline.TimeUp:
            pass
        needed = max(1, round(len(grams) * SIMILAR_MIN_SHARE))
        shared = Counter()
        for docs in gram_docs:
            shared.update(docs)
        record_types = index.column(searcher, "type")
        excluded = term_docs(searcher, "key", f"{exclude[0]}:{exclude[1]}") if exclude else set()
        candidates = [d for d, n in shared.items() if n >= needed and record_types[d] in types and d not in excluded]
        if not candidates:
            return []
        term_parts.extend({"title_grams": docs} for docs in gram_docs)
        try:
            ranked = _rank(index, searcher, candidates, term_parts, limit)
        except deadline.TimeUp:
            ranked = heapq.nlargest(limit, ((d, float(shared[d])) for d in candidates), key=lambda pair: pair[1])
        return [_hit(index, searcher, docnum, score) for docnum, score in ranked]
