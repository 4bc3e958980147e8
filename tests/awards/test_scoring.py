"""Award scoring rules on hand-computed examples: totals, normalisation, means, vote, ranking, quota, spread."""

import math

import pytest

from innovation_hub.awards.scoring import Criterion, Mark, Method, disputed, rank_entries

# The usual four criteria: full marks 20 + 20 + 40 + 20 = 100; 经济效益 (40) is the heaviest.
FOUR = (Criterion(1, "先进性", 20, 1.0), Criterion(2, "实用性", 20, 1.0),
        Criterion(3, "经济效益", 40, 1.0), Criterion(4, "社会效益", 20, 1.0))
# One criterion out of 100: a judge's points are its total, which keeps the arithmetic of the examples short.
ONE = (Criterion(1, "总分", 100, 1.0),)


def marks(judge_id, entry_id, *points):
    """One judge's marks on one entry, criterion ids 1, 2, … in the order given."""
    return [Mark(judge_id, entry_id, i + 1, p) for i, p in enumerate(points)]


def totals(table):
    """Marks on ONE from {entry_id: {judge_id: total}}."""
    return [m for entry_id, per_judge in table.items() for judge_id, total in per_judge.items()
            for m in marks(judge_id, entry_id, total)]


def by_entry(ranking):
    return {r.entry_id: r for r in ranking.entries}


def test_weighted_total_uses_unequal_weights():
    # Full marks 3 × 10 + 0.5 × 20 = 40. Points 8 and 12 give 3 × 8 + 0.5 × 12 = 24 + 6 = 30 (unweighted: 20),
    # which is 30 × 100 / 40 = 75 on the 100 scale.
    criteria = (Criterion(1, "先进性", 10, 3.0), Criterion(2, "实用性", 20, 0.5))
    ranking = rank_entries(criteria, marks(1, 7, 8, 12), Method())
    (result,) = ranking.entries
    assert ranking.full_marks == 40
    assert result.judge_totals == {1: 30}
    assert result.aggregate == 30 and result.expert_100 == 75 and result.final == 75


def test_plain_mean_of_judge_totals():
    # Entry 1: (20+18+30+12) = 80, (15+15+28+12) = 70, (20+20+36+14) = 90 → mean 80. Entry 2: 81 and 84 → 82.5.
    ms = marks(1, 1, 20, 18, 30, 12) + marks(2, 1, 15, 15, 28, 12) + marks(3, 1, 20, 20, 36, 14)
    ms += marks(1, 2, 20, 20, 31, 10) + marks(2, 2, 18, 18, 36, 12)
    results = by_entry(rank_entries(FOUR, ms, Method()))
    assert results[1].judge_totals == {1: 80, 2: 70, 3: 90}
    assert results[1].aggregate == 80 and results[1].dropped == ()
    assert results[2].aggregate == 82.5
    assert [r.entry_id for r in rank_entries(FOUR, ms, Method()).entries] == [2, 1]


def test_trimmed_mean_needs_trim_from_judges():
    # 4 judges < trim_from 5: plain mean (60 + 70 + 80 + 100) / 4 = 77.5 (trimmed it would be 75).
    result = rank_entries(ONE, totals({1: {1: 60, 2: 70, 3: 80, 4: 100}}), Method(trimmed=True)).entries[0]
    assert result.aggregate == 77.5 and result.dropped == ()


def test_trimmed_mean_with_exactly_trim_from_judges():
    # 5 judges: drop judge 5 (100) and judge 1 (50) → (70 + 80 + 90) / 3 = 80 (plain mean: 78).
    result = rank_entries(ONE, totals({1: {1: 50, 2: 70, 3: 80, 4: 90, 5: 100}}), Method(trimmed=True)).entries[0]
    assert result.aggregate == 80
    assert result.dropped == (5, 1)  # (top, bottom)


def test_trimmed_mean_drops_one_each_among_equal_totals():
    # 6 judges: 90 by judges 1 and 3, 60 by judges 4 and 6. One of each goes: at the top the highest judge id (3),
    # at the bottom the lowest (4). Kept: 90 (j1) + 70 (j2) + 85 (j5) + 60 (j6) = 305 → 76.25.
    # (Plain mean 455 / 6 = 75.83; dropping every 90 and 60 would give 77.5.)
    table = {1: {1: 90, 2: 70, 3: 90, 4: 60, 5: 85, 6: 60}}
    result = rank_entries(ONE, totals(table), Method(trimmed=True, trim_from=5)).entries[0]
    assert result.aggregate == 76.25
    assert result.dropped == (3, 4)
    assert result.all_judges_total == 455  # tie-break 1 counts the dropped judges too


def test_normalisation_evens_out_a_lenient_and_a_harsh_judge():
    # Lenient judge 1: A 75, B 65 (mean 70, sd 5). Harsh judge 2: A 65, B 35 (mean 50, sd 15).
    # All four totals 75, 65, 65, 35: M = 240 / 4 = 60; deviations 15, 5, 5, −25 → variance 900 / 4 = 225, S = 15.
    # Both judges put A one sd above their mean (z = +1) and B one below (z = −1):
    # A → 60 + 15 = 75 from both, B → 60 − 15 = 45 from both. Without normalisation: A 70, B 50.
    table = {1: {1: 75, 2: 65}, 2: {1: 65, 2: 35}}
    results = by_entry(rank_entries(ONE, totals(table), Method(normalise=True)))
    assert results[1].adjusted_totals == {1: pytest.approx(75), 2: pytest.approx(75)}
    assert results[2].adjusted_totals == {1: pytest.approx(45), 2: pytest.approx(45)}
    assert results[1].aggregate == pytest.approx(75) and results[2].aggregate == pytest.approx(45)
    # The raw totals stay beside them, and the spread is measured on those.
    assert results[1].judge_totals == {1: 75, 2: 65} and results[1].spread == 10
    plain = by_entry(rank_entries(ONE, totals(table), Method()))
    assert plain[1].aggregate == 70 and plain[2].aggregate == 50


def test_normalisation_shifts_a_judge_without_spread():
    # Judge 1: A 80, B 60 (mean 70, sd 10). Judge 2: A 50, B 50 (sd 0). Judge 3: only C, 70 (one entry).
    # All five totals 80, 60, 50, 50, 70: M = 310 / 5 = 62; deviations 18, −2, −12, −12, 8
    # → variance (324 + 4 + 144 + 144 + 64) / 5 = 136, S = √136.
    # Judges 2 and 3 have no spread to scale: shifted only, t − mean_j + M = 62. Judge 1: 62 ± √136 (z = ±1).
    table = {1: {1: 80, 2: 50}, 2: {1: 60, 2: 50}, 3: {3: 70}}
    results = by_entry(rank_entries(ONE, totals(table), Method(normalise=True)))
    assert results[1].adjusted_totals[2] == pytest.approx(62) and results[2].adjusted_totals[2] == pytest.approx(62)
    assert results[3].adjusted_totals == {3: pytest.approx(62)}
    assert results[1].adjusted_totals[1] == pytest.approx(62 + math.sqrt(136))
    assert results[2].adjusted_totals[1] == pytest.approx(62 - math.sqrt(136))


def test_public_vote_combines_with_the_expert_score():
    # w = 0.7. Votes 200, 50, 0: the top entry is scaled to 100 → 100, 25, 0.
    # Final: A 80 × 0.7 + 100 × 0.3 = 86; B 90 × 0.7 + 25 × 0.3 = 70.5; C 70 × 0.7 + 0 = 49. B beats A on experts only.
    table = {1: {1: 80}, 2: {1: 90}, 3: {1: 70}}
    ranking = rank_entries(ONE, totals(table), Method(vote_weight=0.7), votes={1: 200, 2: 50})
    results = by_entry(ranking)
    assert [results[e].vote_scaled for e in (1, 2, 3)] == [100, 25, 0]
    assert [results[e].final for e in (1, 2, 3)] == [pytest.approx(86), pytest.approx(70.5), pytest.approx(49)]
    assert [r.entry_id for r in ranking.entries] == [1, 2, 3]
    # No votes at all: every vote_scaled is 0. No public vote: final is the expert score and vote_scaled None.
    silent = by_entry(rank_entries(ONE, totals(table), Method(vote_weight=0.7)))
    assert silent[2].vote_scaled == 0 and silent[2].final == pytest.approx(63)
    plain = by_entry(rank_entries(ONE, totals(table), Method(), votes={1: 200}))
    assert plain[1].vote_scaled is None and plain[1].final == 80 and plain[1].votes == 200


def test_tie_break_1_the_sum_of_all_judges_totals():
    # Both means are 80; entry 1 has two judges (sum 160), entry 2 three (sum 240): entry 2 first,
    # although on 经济效益 entry 1 leads (40 + 40 = 80 against 20 × 3 = 60): tie-break 1 comes before tie-break 2.
    ms = marks(1, 1, 15, 15, 40, 10) + marks(2, 1, 15, 15, 40, 10)
    ms += marks(1, 2, 20, 20, 20, 20) + marks(2, 2, 20, 20, 20, 20) + marks(3, 2, 20, 20, 20, 20)
    ranking = rank_entries(FOUR, ms, Method())
    assert [(r.entry_id, r.rank) for r in ranking.entries] == [(2, 1), (1, 2)]
    assert [(r.all_judges_total, r.top_criterion_total) for r in ranking.entries] == [(240, 60), (160, 80)]


def test_tie_break_2_the_heaviest_criterion():
    # Both totals 80 (one judge each, so tie-break 1 is 80 too); on 经济效益 entry 1 has 30, entry 2 has 40.
    ms = marks(1, 1, 20, 20, 30, 10) + marks(1, 2, 15, 15, 40, 10)
    ranking = rank_entries(FOUR, ms, Method())
    assert [(r.entry_id, r.rank) for r in ranking.entries] == [(2, 1), (1, 2)]
    assert ranking.entries[0].top_criterion_total == 40


def test_tie_break_2_takes_the_first_of_equally_heavy_criteria():
    # 1 × 50 and 2 × 25 weigh the same: the first criterion decides. Totals 40 + 2 × 10 = 60 and 20 + 2 × 20 = 60;
    # on criterion 1 entry 1 has 40, entry 2 has 20 (on criterion 2 it would be the other way round).
    criteria = (Criterion(1, "先进性", 50, 1.0), Criterion(2, "实用性", 25, 2.0))
    ranking = rank_entries(criteria, marks(1, 1, 40, 10) + marks(1, 2, 20, 20), Method())
    assert [(r.entry_id, r.rank) for r in ranking.entries] == [(1, 1), (2, 2)]


def test_a_full_tie_shares_the_rank_and_skips_the_next():
    ranking = rank_entries(ONE, totals({1: {1: 90}, 2: {1: 80}, 3: {1: 80}, 4: {1: 70}}), Method())
    assert [(r.entry_id, r.rank) for r in ranking.entries] == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_float_noise_neither_breaks_nor_makes_a_tie():
    # Entry 1: 0.1, 0.2, 0.3 → mean 0.19999999999999998, sum 0.6. Entry 2: 0.2 three times → mean 0.20000000000000004,
    # sum 0.6000000000000001. Equal on all three keys once rounded to 6 decimals: they share rank 1.
    ranking = rank_entries(ONE, totals({1: {1: 0.1, 2: 0.2, 3: 0.3}, 2: {1: 0.2, 2: 0.2, 3: 0.2}}), Method())
    assert [(r.entry_id, r.rank) for r in ranking.entries] == [(1, 1), (2, 1)]


def test_a_tie_across_the_quota_makes_both_excellent_and_warns():
    # Ranks 1, 2, 2, 4 with quota 2: three entries are 优秀, one over the quota.
    ranking = rank_entries(ONE, totals({1: {1: 90}, 2: {1: 80}, 3: {1: 80}, 4: {1: 70}}), Method(quota=2))
    assert [r.entry_id for r in ranking.excellent] == [1, 2, 3]
    assert ranking.warnings == (
        "第 2 名有 2 项并列（总分、全体评委总分和最重指标得分均相同），优秀数超出名额 1 项，请评审委员会确定",
    )


def test_a_tie_that_fits_or_lies_below_the_quota_adds_nothing():
    table = {1: {1: 90}, 2: {1: 80}, 3: {1: 80}, 4: {1: 70}}
    exact = rank_entries(ONE, totals(table), Method(quota=3))  # ranks 1, 2, 2: exactly three
    assert [r.entry_id for r in exact.excellent] == [1, 2, 3] and exact.warnings == ()
    below = rank_entries(ONE, totals({1: {1: 90}, 2: {1: 85}, 3: {1: 80}, 4: {1: 80}}), Method(quota=2))
    assert [(r.rank, r.excellent) for r in below.entries] == [(1, True), (2, True), (3, False), (3, False)]
    assert below.warnings == ()


def test_incomplete_judge_sets_are_ignored_and_reported():
    # Judge 2 skipped 社会效益 on entry 10; judge 3 scored only 先进性 on entry 20, its only judge.
    ms = marks(1, 10, 20, 20, 30, 10) + marks(2, 10, 10, 10, 10) + marks(3, 20, 18)
    ranking = rank_entries(FOUR, ms, Method())
    results = by_entry(ranking)
    assert ranking.incomplete == ((2, 10), (3, 20))
    assert results[10].judge_totals == {1: 80} and results[10].aggregate == 80 and results[10].all_judges_total == 80
    assert results[20].rank is None and results[20].final is None
    assert [r.entry_id for r in ranking.entries] == [10, 20]


def test_an_entry_without_marks_is_unranked_and_listed_last():
    ranking = rank_entries(ONE, totals({2: {1: 60}}), Method(quota=10, vote_weight=0.5), votes={1: 40, 2: 10},
                           entry_ids=[1, 2, 3])
    assert [(r.entry_id, r.rank, r.excellent) for r in ranking.entries] == [(2, 1, True), (1, None, False),
                                                                           (3, None, False)]
    unmarked = by_entry(ranking)[1]
    assert unmarked.final is None and unmarked.expert_100 is None and unmarked.judge_totals == {}
    # Its votes still set the scale: entry 2's 10 votes are 10 / 40 × 100 = 25 → final 60 × 0.5 + 25 × 0.5 = 42.5.
    assert unmarked.vote_scaled == 100 and by_entry(ranking)[2].final == 42.5


def test_spread_and_disputed_entries_widest_first():
    # Spreads: entry 1 90 − 70 = 20; entry 2 one judge → 0; entry 3 95 − 60 = 35; entry 4 88 − 80 = 8.
    table = {1: {1: 70, 2: 90}, 2: {1: 85}, 3: {1: 60, 2: 65, 3: 95}, 4: {1: 80, 2: 88}}
    ranking = rank_entries(ONE, totals(table), Method())
    assert {r.entry_id: r.spread for r in ranking.entries} == {1: 20, 2: 0, 3: 35, 4: 8}
    assert [r.entry_id for r in disputed(ranking.entries, 20)] == [3, 1]  # 20 itself counts
    assert [r.entry_id for r in disputed(ranking.entries, 8)] == [3, 1, 4]


def test_method_rejects_a_trim_that_leaves_no_judge():
    with pytest.raises(ValueError):
        Method(trimmed=True, trim_from=2)
