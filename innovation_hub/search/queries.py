"""From what a person typed to ranked record ids, facet counts and the words to highlight.

No query parser: the input is only ever words, so unbalanced quotes or brackets, AND/OR/NOT,
`*`, `?` and `field:` are plain text, never syntax; nothing expands wildcards or fuzzy terms.

No Whoosh searcher.search() either: its matchers skip by quality, and Whoosh 2.7.4 can loop
forever in skip_to_quality (a page hung > 30 s under write load). Every path reads each term's
documents as a set (index.term_docs) and ranks them here, under a time bound (deadline.py):
past SEARCH_TIME_LIMIT seconds a search answers with what it has and says it may be incomplete.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
import threading
import weakref
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import repeat

from flask import current_app
from werkzeug.datastructures import MultiDict

from ..catalogue import patent_numbers
from ..errors import BadRequest
from ..models import Category, District, Level, PatentKind
from ..request_args import enum_arg, int_arg
from . import analysis, changelog, deadline, numbers, pinyin, ranking, understanding
from .index import current_index, term_docs
from .understanding import Term, Understanding

MAX_QUERY_CHARS = 200
MAX_PAGE = 500
RECORD_TYPES = {"achievement": "成果", "patent": "专利", "studio": "工作室"}
FACETS = ("type", "category", "kind", "level", "industry", "district", "year")
# Every per-document column search() reads.
COLUMNS = (*FACETS, "newest", "title_len", "body_len", "studio_id", "record_id")
# Columns search() reads as value -> documents: a filter over a large set (an empty query) takes the value's.
GROUPED = ("studio_id", "type", "category", "kind", "level", "industry", "district")
FILTER_BY_GROUPS = 2000  # documents: above this a filter intersects with its value's documents
FACET_BY_BITMAPS = 1500  # documents: above this facets are counted over per-value bitmaps
CONFIRM_AMONG = 300  # candidates: this few are checked in their titles rather than by reading a word's postings
TEXTS = ("body_runs",)  # columns search() scans as one string per segment
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HAN = re.compile(r"[\u3400-\u9fff]+")
_NO_VALUE = ("", 0, None)  # a facet column's value for "none" (a patent's category, a studio's kind)
# The enum filters and every filter's title: parsing, the filters read from words and the facets use them.
FILTER_ENUMS = {"category": Category, "level": Level, "kind": PatentKind, "district": District}
FILTER_TITLES = {"type": "类型", "category": "类别", "level": "级别", "kind": "专利类型", "district": "所在地区"}


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
            category=enum_arg(args, "category", FILTER_ENUMS["category"], FILTER_TITLES["category"]),
            kind=enum_arg(args, "kind", FILTER_ENUMS["kind"], FILTER_TITLES["kind"]),
            level=enum_arg(args, "level", FILTER_ENUMS["level"], FILTER_TITLES["level"]),
            industry=(args.get("industry") or "").strip() or None,
            district=enum_arg(args, "district", FILTER_ENUMS["district"], FILTER_TITLES["district"]),
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


@dataclass(frozen=True)
class ImpliedFilter:
    """A filter read from a word of the query (先进操作法 → 类别), with the query as typed without that word."""

    name: str  # the SearchQuery field: category, level, kind, district
    title: str  # its Chinese name: 类别
    label: str  # the word: 先进操作法
    text_without: str


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
    partial: bool = False  # nothing held every term: these hold some of the query's words, most first
    missing: list[str] = field(default_factory=list)  # with partial: the words no record holds
    implied: list[ImpliedFilter] = field(default_factory=list)  # filters read from the query's words


def _read_patent_number(text: str) -> tuple[str | None, str | None]:
    """(normalised number, None), or (None, the reason) for a number with a wrong check character."""
    compact = re.sub(r"\s+", "", text)
    if not patent_numbers.looks_like_number(compact):
        return None, None
    try:
        return patent_numbers.normalise(compact, require_check=False), None
    except patent_numbers.PatentNumberError as error:
        return None, str(error)


def _docs(searcher, field_name: str, *texts: str) -> set[int]:
    """The documents that have every one of `texts` in the field."""
    sets = sorted((term_docs(searcher, field_name, t) for t in dict.fromkeys(texts)), key=len)
    return set.intersection(*sets) if sets else set()


def _is_han(text: str) -> bool:
    return bool(_HAN.fullmatch(text))


class _Reads:
    """One search's reads of the index, each once: a word's title documents serve its term and, when
    nothing matches every term, the partial matches. Each read is one simple query or one text scan,
    joined as Python sets (Whoosh's union matcher over phrase matchers cost ~170 ms at 100k records)."""

    def __init__(self, index, searcher):
        self.index, self.searcher = index, searcher
        self._titles: dict[str, set[int]] = {}
        self._phrases: dict[str, set[int]] = {}

    def title(self, piece: str) -> set[int]:
        """The documents with `piece` in the title: a Chinese word as a substring (its bigrams in a row,
        whatever jieba made of the title), a mixed token or one character as a title word."""
        if piece not in self._titles:
            if len(piece) > 1 and _is_han(piece):
                self._titles[piece] = self.phrase(piece)
            else:
                self._titles[piece] = _docs(self.searcher, "title", *analysis.words(piece))
        return self._titles[piece]

    def title_among(self, piece: str, among: set[int] | None) -> set[int]:
        """title(piece) & among; a few candidates are checked in their titles instead of reading postings."""
        if among is None or piece in self._titles or len(among) > CONFIRM_AMONG or not (
                len(piece) > 1 and _is_han(piece)):
            found = self.title(piece)
            return found if among is None else found & among
        return self._confirm(piece, among)

    def _confirm(self, text: str, docs) -> set[int]:
        """The documents among `docs` whose title holds `text` (its runs in a row)."""
        needle = analysis.run_text(text).encode()
        titles = self.index.column_reader(self.searcher, "title_runs")
        return {d for d in docs if needle in titles[d]}

    def phrase(self, text: str) -> set[int]:
        """The documents whose title holds `text` as typed (its runs in a row)."""
        if text not in self._phrases:
            grams = list(dict.fromkeys(analysis.grams(text)))
            if len(grams) <= 1:
                found = _docs(self.searcher, "title_grams", *grams)
            else:
                # The documents with every bigram, kept when the text stands in their title in a row:
                # at 10k records 6 ms where a positional phrase took 16–39 ms, the same documents.
                found = self._confirm(text, _docs(self.searcher, "title_grams", *grams))
            self._phrases[text] = found
        return self._phrases[text]

    def studio(self, pieces: tuple[str, ...]) -> set[int]:
        """The documents (studios and their records) of the studios with every piece in their name or host unit."""
        found = _studio_docs(self.index, self.searcher)
        for piece in pieces:
            found = self.title_among(piece, found) | (_docs(self.searcher, "studio", *analysis.words(piece)) & found)
            if not found:
                return set()
        return _records_of_studios(self.index, self.searcher, found)

    def body(self, text: str) -> set[int]:
        runs = analysis.runs(text)
        if not runs:
            return set()
        # The same rule as the title's bigrams: a one-character run of the term is a whole run there.
        return self.index.text_matches(self.searcher, "body_runs", " ".join(runs),
                                       run_start=len(runs[0]) == 1, run_end=len(runs[-1]) == 1)

    def parts(self, term: Term, number: str | None = None) -> tuple[dict[str, set[int]], bool]:
        """The documents a term matches, by how (ranking.PART_WEIGHTS): all its words in the title in any
        order, or in the studio's name and host unit; the term as typed in a title (a phrase of its bigrams)
        or a summary; a person's name; a patent number. Also whether every part was read: when the time is
        up, the parts read so far."""
        parts: dict[str, set[int]] = {}
        try:
            found = None
            for piece in term.pieces:  # once a few documents are left, the rest are checked in their titles
                found = self.title_among(piece, found)
                if not found:
                    break
            parts["title"] = found or set()
            if number:
                # A number's bigrams stand in no title; the number part (or its text in a summary) finds it.
                parts["number"] = _docs(self.searcher, "number", number)
                parts["people"] = set()
                parts["body"] = self.body(term.text)
                parts.update(_number_part(self.searcher, term.text))
                return parts, True
            if all(len(p) > 1 and _is_han(p) for p in term.pieces):
                # Every piece a substring of the term: a title holding the term holds them all.
                parts["title_grams"] = parts["title"] if term.pieces == (term.text,) else \
                    self._confirm(term.text, parts["title"])
            else:
                parts["title_grams"] = self.phrase(term.text)
            parts["studio"] = self.studio(term.pieces) - parts["title"]
            parts["people"] = _docs(self.searcher, "people", term.text)
            parts.update(_number_part(self.searcher, term.text))
            # Last: the one part that scans text rather than reading postings.
            parts["body"] = self.body(term.text)
            if not _matches(parts):  # a Latin term that finds nothing else may be pinyin or initials
                parts.update(_pinyin_parts(self.searcher, term.text))
        except deadline.TimeUp:
            return parts, False
        return parts, True


def _studio_docs(index, searcher) -> frozenset[int]:
    cache = _per_searcher(searcher)
    if "studios" not in cache:
        cache["studios"] = frozenset(index.grouped(searcher, "type").get("studio", ())) & _all_docs(searcher)
    return cache["studios"]


# Parts for partial patent numbers (numbers.py) and pinyin (pinyin.py), called by _Reads.parts.

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



def _records_of_studios(index, searcher, docs: set[int]) -> set[int]:
    """The documents (studios and their records) of the studios among `docs` (by name or host unit)."""
    types = index.column(searcher, "type")
    studio_ids = index.column(searcher, "studio_id")
    by_studio = index.grouped(searcher, "studio_id")
    return set().union(*(by_studio[studio_ids[d]] for d in docs if types[d] == "studio"))


def _matches(parts: dict[str, set[int]]) -> set[int]:
    return set().union(*parts.values())


def _collection(index, searcher) -> ranking.Collection:
    """What the ranking needs of the whole index, once per searcher (it depends on nothing else)."""
    cached = _per_searcher(searcher).get("collection")
    if cached is None:
        lengths = {name: index.column(searcher, name) for name in set(ranking.PART_LENGTH.values())}
        cached = _per_searcher(searcher)["collection"] = ranking.Collection.of(searcher.doc_count(), lengths)
    return cached


_searcher_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_searcher_cache_lock = threading.Lock()


def _per_searcher(searcher) -> dict:
    """What this process computed from one searcher's index alone (never a query's results): dropped
    with the searcher when a change opens a new one."""
    with _searcher_cache_lock:
        cache = _searcher_cache.get(searcher)
        if cache is None:
            cache = _searcher_cache[searcher] = {}
        return cache


def _all_docs(searcher) -> frozenset[int]:
    """Every live document (an empty query's matches): Whoosh checks each one for deletion in Python."""
    cache = _per_searcher(searcher)
    if "all" not in cache:
        cache["all"] = frozenset(searcher.reader().all_doc_ids())
    return cache["all"]


def _filter_values(query: SearchQuery) -> dict[str, str]:
    return {name: (value.value if hasattr(value, "value") else value)
            for name in ("type", "category", "kind", "level", "industry", "district")
            if (value := getattr(query, name)) is not None}


def _filtered(index, searcher, docs, query: SearchQuery):
    """`docs` narrowed by the query's filters, read from the per-document columns."""
    for name, value in _filter_values(query).items():
        if len(docs) > FILTER_BY_GROUPS:
            # A large set (an empty query's every document): the value's documents, grouped once per column.
            docs = docs & _value_docs(index, searcher, name, value)
        else:
            values = index.column(searcher, name)
            docs = {d for d in docs if values[d] == value}
    if query.year_from or query.year_to:
        years = index.column(searcher, "year")
        low, high = query.year_from or 0, query.year_to or 9999
        docs = {d for d in docs if low <= years[d] <= high}
    return docs


def _value_docs(index, searcher, name: str, value) -> frozenset[int]:
    """The documents with one value of a column, as a set made once per searcher."""
    cache = _per_searcher(searcher).setdefault("values", {})
    if (name, value) not in cache:
        cache[(name, value)] = frozenset(index.grouped(searcher, name).get(value, ()))
    return cache[(name, value)]


def _facet_counts(index, searcher, docs) -> dict[str, dict]:
    """How many of `docs` have each value of each facet. A large set is counted over one bitmap per value
    (C-speed & and bit_count): Counter over 40k documents' seven columns cost ~60 ms at 100k records."""
    if len(docs) > FACET_BY_BITMAPS:
        marks = bytearray(len(index.column(searcher, "type")))
        deque(map(marks.__setitem__, docs, repeat(1)), maxlen=0)  # a byte a document: 1 when it is among docs
        chosen = int.from_bytes(marks, "little")
        counts = {}
        for name in FACETS:
            bitmaps = _value_bitmaps(index, searcher, name)
            if bitmaps is None:
                break
            counts[name] = {value: n for value, bits in bitmaps if (n := (chosen & bits).bit_count())}
        else:
            return counts
    counts = {}
    for name in FACETS:
        values = index.column(searcher, name)
        counts[name] = {k: v for k, v in Counter(map(values.__getitem__, docs)).items() if k not in _NO_VALUE}
    return counts


def _value_bitmaps(index, searcher, name: str) -> list[tuple] | None:
    """(value, bitmap) for each value of a facet column, a byte a document (1: it has the value), made once
    per searcher; None for a column of more than 255 values (it falls back to counting)."""
    cache = _per_searcher(searcher).setdefault("bitmaps", {})
    if name not in cache:
        values = index.column(searcher, name)
        codes = {value: code for code, value in enumerate(dict.fromkeys(values))}
        bitmaps = None
        if len(codes) <= 255:
            coded = bytes(map(codes.__getitem__, values))
            bitmaps = [(value, int.from_bytes(coded.translate(bytes(int(i == code) for i in range(256))), "little"))
                       for value, code in codes.items() if value not in _NO_VALUE]
        cache[name] = bitmaps
    return cache[name]


def _hit(index, searcher, docnum: int, score: float) -> Hit:
    return Hit(index.column(searcher, "type")[docnum], index.column(searcher, "record_id")[docnum], round(score, 4))


def highlight_terms(text: str, understood: Understanding | None = None) -> list[str]:
    """The strings to mark: each term as typed (normalised) and its words of 2+ characters."""
    understood = understood or understanding.understand(text)
    out: list[str] = []
    for term in understood.terms:
        out.append(term.text)
        out.extend(p for p in term.pieces if len(p) > 1)
        out.extend(w for w in analysis.words(term.text) if len(w) > 1)
    return list(dict.fromkeys(t for t in out if t))


def _time_limit():
    return deadline.time_limit(current_app.config["SEARCH_TIME_LIMIT"])


def _without(text: str, word: str) -> str:
    """The query as typed with one word taken out (the link that undoes a filter read from the query)."""
    for candidate in (text, analysis.normalise(text)):
        if word in candidate:
            return " ".join(candidate.replace(word, " ", 1).split())
    return text


def _missing(terms, piece_docs: dict[str, set[int]]) -> list[str]:
    """The words nothing matched: a term as typed when none of its words matched, else its missing words."""
    out = []
    for term in terms:
        gone = [p for p in term.pieces if not piece_docs.get(p)]
        out.extend([term.text] if len(gone) == len(term.pieces) else gone)
    return list(dict.fromkeys(out))


def search(query: SearchQuery) -> SearchResults:
    """Run a search: ids in rank order (one page), the exact total, facet counts, terms to mark.

    Every term must match. A term that names a category, level, kind or district filters instead when
    the rest of the query finds something under it. When all terms together find nothing, the records
    that hold some of their words, most words first, marked partial with the words nothing matched.

    Bounded by SEARCH_TIME_LIMIT: the terms (and a term's parts) not read by then are left out,
    the ranking falls back to newest first, and the results say they may be incomplete.
    """
    number, number_problem = _read_patent_number(query.text) if query.text else (None, None)
    if number:  # one term: its "number" part finds the patent
        text = analysis.normalise(query.text)
        understood = Understanding((Term(text, tuple(dict.fromkeys(analysis.words(text))) or (text,)),))
    else:
        understood = understanding.understand(query.text)
    index = current_index()
    changelog.follow()  # other processes' and servers' changes first
    with _time_limit():
        searcher = index.searcher()
        reads = _Reads(index, searcher)
        complete = True
        # A term naming a filter of a kind the query does not set is read last, as a filter if it can be.
        terms, labelled = [], []
        for term in understood.terms:
            chosen = getattr(query, term.label[0]) if term.label else None
            if term.label and chosen is None:
                labelled.append(term)
            elif not (term.label and getattr(chosen, "value", chosen) == term.label[1]):  # else the filter says it
                terms.append(term)
        # Every match: the exact total and the facet counts.
        term_parts: list[dict[str, set[int]]] = []
        read_terms: list[Term] = []  # the terms read, in the order of term_parts

        def read(term: Term) -> bool:
            """Read a term's parts; False when the time ran out (its parts read so far are kept)."""
            nonlocal complete
            if deadline.expired():
                complete = False
                return False
            parts, read_all = reads.parts(term, number)
            if parts:
                term_parts.append(parts)
                read_terms.append(term)
            complete = complete and read_all
            return read_all and bool(parts)

        for term in terms:
            if not read(term):
                break
        if term_parts:
            docs = set.intersection(*sorted((_matches(p) for p in term_parts), key=len))
        elif terms or (query.text and not understood.terms):
            docs = set()  # only symbols or question words were typed, or no time was left to read a term
        else:
            docs = _all_docs(searcher)  # nothing typed, or only words that name filters
        effective, implied = query, []
        for term in labelled:
            name, value = term.label
            enum_cls = FILTER_ENUMS.get(name)
            narrower = dataclasses.replace(effective, **{name: enum_cls(value) if enum_cls else value})
            if complete and _filtered(index, searcher, docs, narrower):
                effective = narrower
                implied.append(ImpliedFilter(name, FILTER_TITLES[name], term.text, _without(query.text, term.text)))
            elif read(term):
                docs = docs & _matches(term_parts[-1])
            else:
                docs = set()
        docs = _filtered(index, searcher, docs, effective)
        partial, missing, held = False, [], None
        pieces = list(dict.fromkeys(p for term in read_terms for p in term.pieces))
        if not docs and not number and complete and len(pieces) > 1:
            # Nothing holds every term: the records that hold some of their words, most words first.
            piece_parts, piece_docs = [], {}
            try:
                for piece in pieces:
                    whole = next((i for i, t in enumerate(read_terms) if t.pieces == (piece,)), None)
                    parts = term_parts[whole] if whole is not None else reads.parts(Term(piece, (piece,)))[0]
                    piece_parts.append(parts)
                    piece_docs[piece] = _matches(parts)
                    deadline.check()
            except deadline.TimeUp:
                complete = False
            docs = _filtered(index, searcher, set().union(*piece_docs.values()), effective)
            held = ranking.terms_matched(docs, list(piece_docs.values()))
            term_parts = piece_parts
            every = {d for d, n in held.items() if n == len(pieces)}
            if every:
                # Records that hold every word, if not as one term (节能 in the title, 降耗 in the summary).
                docs, held = every, None
            else:
                partial = bool(docs)
                missing = _missing(read_terms, piece_docs) if partial else []
        counts = _facet_counts(index, searcher, docs)
        total = len(docs)
        # Then only the page asked for is put in order, among exactly those matches.
        first = (query.page - 1) * query.per_page
        wanted = min(query.page * query.per_page, total)
        hits = []
        if first < total:
            ranked = None
            newest = index.column(searcher, "newest")
            if query.sort != "newest" and term_parts:
                try:
                    ranked = ranking.rank(docs, term_parts, _collection(index, searcher), newest, wanted, held)
                except deadline.TimeUp:
                    complete = False
            if ranked is None:
                ranked = ranking.newest_first(docs, newest, wanted)
            hits = [_hit(index, searcher, docnum, score) for docnum, score in ranked[first:wanted]]
    return SearchResults(query, total, hits, counts, highlight_terms(query.text, understood), number, number_problem,
                         incomplete=not complete, partial=partial, missing=missing, implied=implied)


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
            ranked = ranking.rank(candidates, term_parts, _collection(index, searcher),
                                  index.column(searcher, "newest"), limit)
        except deadline.TimeUp:
            ranked = heapq.nlargest(limit, ((d, float(shared[d])) for d in candidates), key=lambda pair: pair[1])
        return [_hit(index, searcher, docnum, score) for docnum, score in ranked]
