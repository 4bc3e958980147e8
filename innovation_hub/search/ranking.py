"""The ranking: BM25 over the document sets a query's terms matched, part by part, then newest first.

Pure functions over plain data (sets of document numbers, per-document lengths, averages, the document
count): nothing here reads the index, so the order is unit-tested on hand-made sets (tests/search/
test_ranking.py). queries.py reads the sets and the columns and calls rank().

Each match is counted once per part (titles are short, so a term's frequency says little) and weighed
by the part: title matches outrank summary matches (DESIGN.md), a person's name and a patent number are
exact. PART_WEIGHTS is the one table of parts: a new way of matching (pinyin, a number's digits) adds
its weight here, and its length column to PART_LENGTH when a longer field should count for less.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, groupby

from . import deadline

PART_WEIGHTS = {
    "title": 3.0,  # every word of the term in the title, in any order
    "title_grams": 3.0,  # the term as typed stands in the title (its bigrams in a row)
    "studio": 0.5,  # the record's studio has the term in its name or host unit
    "body": 1.0,  # the term as typed stands in the summary, abstract or intro
    "people": 2.0,  # the term is a completer's, inventor's or leader's name
    "number": 100.0,  # the term is the patent's application number
    "number_grams": 10.0,  # 6+ digits of the number in a row: below a whole number, above any word
    # pinyin or initials (pinyin.py), read only for a Latin term that finds nothing else: below Chinese words
    "title_pinyin": 1.5,
    "people_pinyin": 1.0,
}
# Parts whose matches count for less in a longer field: part -> the length column queries.py reads.
PART_LENGTH = {"title": "title_len", "title_grams": "title_len", "title_pinyin": "title_len", "body": "body_len"}
BM25_K1, BM25_B = 1.2, 0.75
TIE_MARGIN = 2e-6  # scores that round to the same 6 decimals lie within 1e-6 of each other


@dataclass(frozen=True)
class Collection:
    """What the scores need to know of the whole index: its size, and each length column with its average."""

    doc_count: int
    lengths: Mapping[str, Sequence[int]]  # column -> length by document number
    averages: Mapping[str, float]  # column -> average length over all documents

    @classmethod
    def of(cls, doc_count: int, lengths: Mapping[str, Sequence[int]]) -> Collection:
        averages = {name: (sum(values) / len(values) or 1.0) if len(values) else 1.0
                    for name, values in lengths.items()}
        return cls(max(1, doc_count), lengths, averages)


def part_weight(name: str, matched: int, doc_count: int) -> float:
    """A part's weight times the term's inverse document frequency in that part (BM25's idf)."""
    idf = math.log(1 + (doc_count - matched + 0.5) / (matched + 0.5))
    return PART_WEIGHTS[name] * idf * (BM25_K1 + 1)


def scores(docs, term_parts: Sequence[Mapping[str, set[int]]], collection: Collection) -> dict[int, float]:
    """Each of `docs`' score: the sum over terms and parts of the part's weight, length-normalised."""
    wanted = docs if isinstance(docs, (set, frozenset)) else set(docs)
    out: dict[int, float] = dict.fromkeys(wanted, 0.0)
    for parts in term_parts:
        for name, matched in parts.items():
            if not matched:
                continue
            deadline.check()
            weight = part_weight(name, len(matched), collection.doc_count)
            column = PART_LENGTH.get(name)
            hit = matched & wanted if len(matched) > len(wanted) else wanted & matched
            if column is None:
                for d in hit:
                    out[d] += weight / (1 + BM25_K1)
            else:
                lengths = collection.lengths[column]
                k, b = BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B / collection.averages[column]
                for d in hit:
                    out[d] += weight / (1 + k + b * lengths[d])
    return out


def terms_matched(docs, term_docs: Sequence[set[int]]) -> dict[int, int]:
    """How many of the terms (each given as the documents it matches) each of `docs` holds."""
    wanted = docs if isinstance(docs, (set, frozenset)) else set(docs)
    out = dict.fromkeys(wanted, 0)
    for matched in term_docs:
        for d in (matched & wanted if len(matched) > len(wanted) else wanted & matched):
            out[d] += 1
    return out


def best(scored: Mapping[int, float], limit: int, newest: Sequence[int],
         held: Mapping[int, int] | None = None) -> list[tuple[int, float]]:
    """The `limit` best documents: most terms held first (when `held` is given), then score, then newest.

    Scores are rounded so that floating-point noise does not split a tie; between equal scores the
    newest record comes first, then the later document.
    """
    if limit <= 0 or not scored:
        return []
    if held is None:
        candidates = scored
        if len(scored) > limit:
            # Only what can be among the best is put in order by the full key: a score more than
            # TIE_MARGIN below the limit-th best rounds lower than it (14 ms → 1 ms over 13k matches).
            floor = heapq.nlargest(limit, scored.values())[-1] - TIE_MARGIN
            candidates = [d for d, score in scored.items() if score >= floor]
        top = heapq.nlargest(limit, candidates, key=lambda d: (round(scored[d], 6), newest[d], d))
    else:
        top = heapq.nlargest(limit, scored, key=lambda d: (held.get(d, 0), round(scored[d], 6), newest[d], d))
    return [(d, scored[d]) for d in top]


def rank(docs, term_parts: Sequence[Mapping[str, set[int]]], collection: Collection, newest: Sequence[int],
         limit: int, held: Mapping[int, int] | None = None) -> list[tuple[int, float]]:
    """The `limit` best of `docs` by score (after the number of terms held, when given), then newest."""
    if held is None and len(docs) > REGIONS_FROM:
        docs = contenders(docs, term_parts, collection, newest, limit)
    return best(scores(docs, term_parts, collection), limit, newest, held)


REGIONS_FROM = 1000  # matches: from this many, only the contenders of each region are scored
MAX_REGION_PARTS = 8  # parts of all terms that matched: more, and every match is scored


def contenders(docs, term_parts: Sequence[Mapping[str, set[int]]], collection: Collection, newest: Sequence[int],
               limit: int) -> set[int]:
    """The documents of `docs` that can be among the `limit` best: a superset of rank()'s answer.

    The documents that matched the same parts (a region) differ only in the lengths of the fields their
    parts are normalised by: with one such field, the shortest `limit` of them (with all tied at the cut)
    can be among the best, no other; with two, those that fewer than `limit` others beat in both
    lengths. Regions are made best first, and those whose best possible score is below `limit`
    documents already scored are never made. Found with set operations and C-speed keys, where scoring
    every one of 40k matches of a common word cost ~40 ms at 100k records.
    """
    named = [(name, matched) for parts in term_parts for name, matched in parts.items() if matched]
    if len(named) > MAX_REGION_PARTS:
        return docs
    # The most a part can add to a score (its field's length 0); parts heaviest first.
    parts = sorted(((part_weight(name, len(matched), collection.doc_count)
                     / (1 + (BM25_K1 * (1 - BM25_B) if name in PART_LENGTH else BM25_K1)), name, matched)
                    for name, matched in named), key=lambda part: -part[0])
    rest = [sum(most for most, _name, _matched in parts[i:]) for i in range(len(parts) + 1)]
    # The documents are split part by part into regions (those that matched the same parts), the split
    # with the best possible score first, and each split's set made only when it comes up: once
    # `limit` documents already scored are surely above the best the next split could reach, no
    # document left can be among the best. A word's 36k summary-only matches, when 9k have it in their
    # titles, are then never even put in a set (30 → 10 ms a common word at 100k records).
    splits = [(-rest[0], 0, (), docs if isinstance(docs, set) else set(docs), None, True)]
    out: set[int] = set()
    best_scores: list[float] = []  # a heap of the `limit` best scores among the documents taken so far
    seen = 1
    while splits:
        negative_bound, _, held, within, matched, inside = heapq.heappop(splits)
        if len(best_scores) == limit and -negative_bound < best_scores[0] - TIE_MARGIN:
            break
        if matched is not None:
            within = (within & matched) if inside else (within - matched)
        if not within:
            continue
        depth = len(held)  # the parts decided so far, one (name, matched or not) each
        if depth < len(parts):
            most, name, part = parts[depth]
            held_bound = -negative_bound - rest[depth]
            for part_inside in (True, False):
                seen += 1
                heapq.heappush(splits, (-(held_bound + (most if part_inside else 0.0) + rest[depth + 1]), seen,
                                        (*held, (name, part_inside)), within, part, part_inside))
            continue
        taken = _region_contenders({n for n, present in held if present}, within, collection, newest, limit)
        out |= taken
        for score in heapq.nlargest(limit, scores(taken, term_parts, collection).values()):
            if len(best_scores) < limit:
                heapq.heappush(best_scores, score)
            elif score > best_scores[0]:
                heapq.heapreplace(best_scores, score)
    return out


def _region_contenders(held_parts: set[str], region: set[int], collection: Collection, newest: Sequence[int],
                       limit: int) -> set[int]:
    """The documents of one region (all matched exactly `held_parts`) that can be among its `limit` best."""
    columns = sorted({PART_LENGTH[name] for name in held_parts if name in PART_LENGTH})
    if len(region) <= limit or len(columns) > 2:
        return region
    if len(columns) == 2:
        # Matched in the title and the summary. In order of the first length: a document is left out
        # when `limit` others, no longer in the first, are shorter in the second (each scores more).
        out: set[int] = set()
        # Grouped by the shorter field (the title): fewer distinct lengths, fewer groups.
        first, second = (collection.lengths[c] for c in sorted(columns, key=collection.averages.__getitem__))
        smallest: list[int] = []  # the `limit` smallest second lengths so far
        for _length, group in groupby(sorted(region, key=first.__getitem__), key=first.__getitem__):
            group = list(group)
            group_lengths = list(map(second.__getitem__, group))
            smallest = sorted(chain(smallest, sorted(group_lengths)[:limit]))[:limit]  # C sorts: no Python step
            cut = smallest[-1] if len(smallest) == limit else math.inf
            out.update(compress(group, map(cut.__ge__, group_lengths)))
        return out
    if columns:
        return _shortest(region, collection.lengths[columns[0]], limit)
    cut = newest[heapq.nlargest(limit, region, key=newest.__getitem__)[-1]]  # equal scores: the newest
    return {d for d in region if newest[d] >= cut}


def _shortest(docs, lengths: Sequence[int], limit: int) -> set[int]:
    """The `limit` documents of `docs` with the smallest length, and every one tied with the last of them."""
    if len(docs) <= limit:
        return set(docs)
    cut = lengths[heapq.nsmallest(limit, docs, key=lengths.__getitem__)[-1]]
    return {d for d in docs if lengths[d] <= cut}


def newest_first(docs, newest: Sequence[int], limit: int) -> list[tuple[int, float]]:
    """The `limit` newest of `docs` (sort=newest, an empty query, or no time left to score)."""
    return [(d, 0.0) for d in heapq.nlargest(limit, docs, key=lambda d: (newest[d], d))]
