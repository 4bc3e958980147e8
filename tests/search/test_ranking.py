"""The ranking on hand-made document sets: no index, no app (innovation_hub/search/ranking.py)."""

from __future__ import annotations

import random

import pytest

from innovation_hub.search import ranking
from innovation_hub.search.ranking import Collection

DOCS = 1000  # documents in the hand-made collection


def collection(title_len=None, body_len=None) -> Collection:
    """A collection of DOCS documents, every title 10 and every summary 100 characters unless given."""
    titles = [10] * DOCS
    bodies = [100] * DOCS
    for d, n in (title_len or {}).items():
        titles[d] = n
    for d, n in (body_len or {}).items():
        bodies[d] = n
    return Collection.of(DOCS, {"title_len": titles, "body_len": bodies})


NEWEST = [20200101] * DOCS


def order(docs, term_parts, coll=None, newest=NEWEST, held=None, limit=10):
    return [d for d, _ in ranking.rank(docs, term_parts, coll or collection(), newest, limit, held)]


def test_a_title_match_outranks_a_summary_match():
    # doc 1 has the word in its title, doc 2 only in its summary; both sets the same size
    parts = [{"title": {1, 5, 6}, "title_grams": {1, 5, 6}, "body": {2, 7, 8}}]
    assert order({1, 2}, parts) == [1, 2]


def test_more_query_words_matched_beats_fewer():
    words = [{"title": {1, 2}}, {"title": {1}}, {"body": {1, 2}}]
    assert order({1, 2}, words) == [1, 2]


def test_the_terms_held_order_comes_before_the_score():
    # doc 2 scores higher on its one (rare) word, doc 1 holds two common ones: held first
    terms = [{"title": {1, 3, 4, 5, 6, 7, 8, 9}}, {"body": {1} | set(range(10, 400))},
             {"title": {2}, "title_grams": {2}}]
    held = ranking.terms_matched({1, 2}, [ranking_set(p) for p in terms])
    assert held == {1: 2, 2: 1}
    assert order({1, 2}, terms) == [2, 1]  # by score alone
    assert order({1, 2}, terms, held=held) == [1, 2]


def ranking_set(parts):
    return set().union(*parts.values())


def test_equal_scores_are_ordered_newest_first_then_by_document():
    newest = list(NEWEST)
    newest[3], newest[4] = 20240101, 20230101
    parts = [{"title": {1, 2, 3, 4}}]
    assert order({1, 2, 3, 4}, parts, newest=newest) == [3, 4, 2, 1]


def test_a_shorter_field_counts_for_more():
    parts = [{"title": {1, 2}}]
    assert order({1, 2}, parts, collection(title_len={1: 40, 2: 6})) == [2, 1]
    assert order({1, 2}, parts, collection(title_len={1: 6, 2: 40})) == [1, 2]


def test_a_rarer_word_counts_for_more():
    parts = [{"title": {1}}, {"title": set(range(2, 500))}]
    assert order({1, 2}, parts) == [1, 2]


@pytest.fixture
def pinyin_part(monkeypatch):
    """A low-weight part, as a pinyin field would be: added to the one table of parts."""
    monkeypatch.setitem(ranking.PART_WEIGHTS, "pinyin", 0.3)


def test_a_low_weight_part_ranks_below_a_chinese_title_match(pinyin_part):
    # doc 1: the Chinese word in its title (a common word); doc 2: only the pinyin, on a rarer set
    parts = [{"title": {1} | set(range(10, 60)), "pinyin": {2, 3}}]
    assert order({1, 2}, parts) == [1, 2]


def test_an_unknown_part_is_an_error_not_a_silent_zero():
    with pytest.raises(KeyError):
        ranking.rank({1}, [{"no_such_part": {1}}], collection(), NEWEST, 10)


def test_only_the_limit_is_returned_and_ties_across_the_cut_are_kept_in_order():
    newest = list(NEWEST)
    for d in range(1, 31):
        newest[d] = 20000000 + d
    parts = [{"title": set(range(1, 31))}]
    first = order(set(range(1, 31)), parts, newest=newest, limit=20)
    assert first == list(range(30, 10, -1))


def test_newest_first():
    newest = list(NEWEST)
    newest[5] = 20250101
    assert [d for d, _ in ranking.newest_first({4, 5, 6}, newest, 2)] == [5, 6]


def test_scoring_only_the_contenders_gives_the_same_order_as_scoring_every_match(monkeypatch):
    monkeypatch.setattr(ranking, "REGIONS_FROM", 0)
    rng = random.Random(13)
    for _ in range(30):
        coll = collection({d: rng.randint(4, 40) for d in range(DOCS)}, {d: rng.randint(0, 400) for d in range(DOCS)})
        newest = [rng.choice((20200101, 20210101, 20220101)) for _ in range(DOCS)]
        term_parts = [{name: set(rng.sample(range(DOCS), rng.randint(0, 600))) for name in
                       rng.sample(["title", "title_grams", "body", "studio", "people"], rng.randint(1, 4))}
                      for _ in range(rng.randint(1, 2))]
        docs = set().union(*(set().union(*parts.values()) for parts in term_parts))
        limit = rng.choice((1, 10, 20, 60))
        exact = ranking.best(ranking.scores(docs, term_parts, coll), limit, newest)
        assert ranking.rank(docs, term_parts, coll, newest, limit) == exact
        assert len(ranking.contenders(docs, term_parts, coll, newest, limit)) <= len(docs)
    assert len(ranking.contenders(set(range(DOCS)), [{"body": set(range(DOCS))}], collection(
        body_len={d: d for d in range(DOCS)}), NEWEST, 10)) == 10  # the ten shortest summaries


def test_matches_that_cannot_reach_the_best_are_not_contenders():
    rng = random.Random(7)
    coll = collection({d: rng.randint(4, 40) for d in range(DOCS)}, {d: rng.randint(20, 400) for d in range(DOCS)})
    titled = set(range(0, DOCS, 20))  # 50 documents with the word in their titles; all in their summaries
    parts = [{"title": titled, "title_grams": titled, "body": set(range(DOCS))}]
    taken = ranking.contenders(set(range(DOCS)), parts, coll, NEWEST, 10)
    # A summary-only match scores below every title match: none is even looked at. Of the titled ones,
    # those with 10 others both shorter in title and in summary cannot be among the ten best either.
    assert taken < titled
    assert ranking.rank(set(range(DOCS)), parts, coll, NEWEST, 10) == ranking.best(
        ranking.scores(set(range(DOCS)), parts, coll), 10, NEWEST)
