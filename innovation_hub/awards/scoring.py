"""Award rules: judges' weighted totals, normalisation, (trimmed) means, public vote, ranking and the 优秀 quota.

Pure functions over plain data: no Flask, no database. Figures keep full float precision; floats are compared
only after rounding to PRECISION decimals, so float noise can neither break a tie nor make one.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

PRECISION = 6


def _key(value: float) -> float:
    return round(value, PRECISION)


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    max_points: float
    weight: float = 1.0


@dataclass(frozen=True)
class Mark:
    """One submitted score of one judge on one criterion of one entry."""

    judge_id: int
    entry_id: int
    criterion_id: int
    points: float


@dataclass(frozen=True)
class Method:
    trimmed: bool = False
    trim_from: int = 5  # fewest judges an entry needs before its top and bottom totals are dropped
    normalise: bool = False
    quota: int = 10  # how many entries are 优秀
    vote_weight: float | None = None  # w, the experts' share of the final score; None: the round has no public vote

    def __post_init__(self) -> None:
        if self.trim_from < 3:
            raise ValueError("trim_from must be at least 3: dropping two totals of fewer judges leaves none")
        if self.quota < 0:
            raise ValueError("quota must not be negative")
        if self.vote_weight is not None and not 0 <= self.vote_weight <= 1:
            raise ValueError("vote_weight must lie between 0 and 1")


@dataclass(frozen=True)
class EntryResult:
    entry_id: int
    judge_totals: dict[int, float]  # raw weighted totals of the judges with a complete set of marks, by judge id
    adjusted_totals: dict[int, float]  # the normalised totals, or the raw ones when the round does not normalise
    dropped: tuple[int, ...]  # judges left out of the trimmed mean: (the top one, the bottom one), or ()
    aggregate: float | None  # the expert score on the criteria's own scale; None: no complete judge total
    expert_100: float | None
    votes: int
    vote_scaled: float | None  # None when the round has no public vote
    final: float | None
    all_judges_total: float  # tie-break 1: sum of the raw totals, dropped judges included
    top_criterion_total: float  # tie-break 2: sum of the counted judges' points on the heaviest criterion
    spread: float  # max - min of the raw totals: how much the judges disagree (0 with fewer than two)
    rank: int | None  # competition ranking (1, 2, 2, 4); None: unranked
    excellent: bool


@dataclass(frozen=True)
class Ranking:
    entries: list[EntryResult]  # by rank, equal ranks by entry id; unranked entries last, by entry id
    full_marks: float
    incomplete: tuple[tuple[int, int], ...]  # (judge_id, entry_id) pairs missing a criterion: ignored
    warnings: tuple[str, ...]

    @property
    def excellent(self) -> list[EntryResult]:
        return [r for r in self.entries if r.excellent]


def weighted_total(pairs: Iterable[tuple[float, float]]):
    """Σ weight × points over (weight, points) pairs: one judge's total on one entry, or full marks.

    Floats are summed exactly rounded (math.fsum); Decimals (the judge's page, which shows what was typed) exactly,
    as Decimals.
    """
    products = [weight * points for weight, points in pairs]
    if any(isinstance(p, Decimal) for p in products):
        return sum(products, Decimal(0))
    return math.fsum(products)


def full_marks(criteria: Sequence[Criterion]) -> float:
    """The best possible weighted total of one judge."""
    return weighted_total((c.weight, c.max_points) for c in criteria)


def _normalised(totals: Mapping[int, Mapping[int, float]]) -> dict[int, dict[int, float]]:
    """Each judge's totals as z-scores, rescaled to the mean and population sd of all judge totals of the round."""
    by_judge: dict[int, dict[int, float]] = defaultdict(dict)
    for entry_id, per_judge in totals.items():
        for judge_id, total in per_judge.items():
            by_judge[judge_id][entry_id] = total
    everything = [t for per_judge in totals.values() for t in per_judge.values()]
    if not everything:
        return {}
    round_mean, round_sd = statistics.fmean(everything), statistics.pstdev(everything)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for judge_id, per_entry in by_judge.items():
        mean, sd = statistics.fmean(per_entry.values()), statistics.pstdev(per_entry.values())
        for entry_id, total in per_entry.items():
            if len(per_entry) < 2 or _key(sd) == 0:
                # No spread to measure this judge's scale by (z would divide by zero, or blow float noise up to
                # ±1): remove only its leniency or harshness, so its entries sit at the round's mean.
                out[entry_id][judge_id] = total - mean + round_mean
            else:
                out[entry_id][judge_id] = round_mean + (total - mean) / sd * round_sd
    return out


def _aggregate(adjusted: Mapping[int, float], method: Method) -> tuple[float | None, tuple[int, ...]]:
    """The expert score from the judges' totals, and the judges the trimmed mean dropped."""
    if not adjusted:
        return None, ()
    if not method.trimmed or len(adjusted) < method.trim_from:
        return statistics.fmean(adjusted.values()), ()
    # Among equal totals the highest judge id is dropped at the top and the lowest at the bottom:
    # one each, whatever the order the marks came in.
    order = sorted(adjusted, key=lambda judge_id: (_key(adjusted[judge_id]), judge_id))
    return statistics.fmean(adjusted[j] for j in order[1:-1]), (order[-1], order[0])


def _ranked(results: list[EntryResult], quota: int) -> tuple[list[EntryResult], list[str]]:
    """Competition ranks by final, tie-break 1, tie-break 2; 优秀 up to the quota, ties at the boundary included."""
    def key(r: EntryResult) -> tuple[float, float, float]:
        return -_key(r.final or 0.0), -_key(r.all_judges_total), -_key(r.top_criterion_total)

    scored = sorted((r for r in results if r.final is not None), key=lambda r: (key(r), r.entry_id))
    ranked: list[EntryResult] = []
    for i, r in enumerate(scored):
        rank = ranked[-1].rank if ranked and key(ranked[-1]) == key(r) else i + 1
        ranked.append(replace(r, rank=rank, excellent=rank <= quota))
    warnings = []
    excellent = [r for r in ranked if r.excellent]
    if len(excellent) > quota:  # only a tie can cross the boundary: the last shared rank within the quota
        boundary = excellent[-1].rank
        tied = sum(1 for r in ranked if r.rank == boundary)
        warnings.append(f"第 {boundary} 名有 {tied} 项并列（总分、全体评委总分和最重指标得分均相同），"
                        f"优秀数超出名额 {len(excellent) - quota} 项，请评审委员会确定")
    unranked = sorted((r for r in results if r.final is None), key=lambda r: r.entry_id)
    return ranked + unranked, warnings


def rank_entries(criteria: Sequence[Criterion], marks: Iterable[Mark], method: Method,
                 votes: Mapping[int, int] | None = None, entry_ids: Iterable[int] | None = None) -> Ranking:
    """The round's results in rank order; entry_ids lists entries to show even without marks."""
    weights = {c.id: c.weight for c in criteria}
    if not criteria or len(weights) != len(criteria):
        raise ValueError("a round needs criteria with distinct ids")
    best = full_marks(criteria)
    if best <= 0:
        raise ValueError("full marks must be positive")
    # The heaviest criterion for tie-break 2: max() keeps the first of equal ones, i.e. the given order decides.
    top = max(criteria, key=lambda c: _key(full_marks([c])))
    votes = dict(votes or {})
    if any(v < 0 for v in votes.values()):
        raise ValueError("vote counts must not be negative")

    given: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)  # (entry, judge) -> criterion -> points
    for m in marks:
        if m.criterion_id not in weights:
            raise ValueError(f"criterion {m.criterion_id} is not one of the round's")
        if m.criterion_id in given[m.entry_id, m.judge_id]:
            raise ValueError(f"judge {m.judge_id} has two marks on criterion {m.criterion_id} of entry {m.entry_id}")
        given[m.entry_id, m.judge_id][m.criterion_id] = m.points
    totals: dict[int, dict[int, float]] = defaultdict(dict)  # entry -> judge -> raw weighted total
    top_points: dict[int, list[float]] = defaultdict(list)
    incomplete = []
    for (entry_id, judge_id), points in sorted(given.items()):
        if len(points) < len(weights):
            incomplete.append((judge_id, entry_id))
            continue
        totals[entry_id][judge_id] = weighted_total((c.weight, points[c.id]) for c in criteria)
        top_points[entry_id].append(points[top.id])
    adjusted = _normalised(totals) if method.normalise else totals

    entries = {entry_id for entry_id, _ in given} | set(entry_ids or ()) | set(votes)
    most_votes = max((votes.get(e, 0) for e in entries), default=0)
    w = method.vote_weight
    results = []
    for entry_id in entries:
        raw = dict(sorted(totals.get(entry_id, {}).items()))
        adj = dict(sorted(adjusted.get(entry_id, {}).items()))
        aggregate, dropped = _aggregate(adj, method)
        expert_100 = None if aggregate is None else aggregate * 100 / best
        n_votes = votes.get(entry_id, 0)
        vote_scaled = None if w is None else (n_votes * 100 / most_votes if most_votes else 0.0)
        if expert_100 is None or w is None or vote_scaled is None:
            final = expert_100
        else:
            final = expert_100 * w + vote_scaled * (1 - w)
        results.append(EntryResult(
            entry_id=entry_id, judge_totals=raw, adjusted_totals=adj, dropped=dropped,
            aggregate=aggregate, expert_100=expert_100, votes=n_votes, vote_scaled=vote_scaled, final=final,
            all_judges_total=math.fsum(raw.values()), top_criterion_total=math.fsum(top_points.get(entry_id, ())),
            spread=max(raw.values()) - min(raw.values()) if raw else 0.0, rank=None, excellent=False,
        ))
    ordered, warnings = _ranked(results, method.quota)
    return Ranking(ordered, best, tuple(incomplete), tuple(warnings))


def disputed(results: Iterable[EntryResult], threshold: float) -> list[EntryResult]:
    """Entries whose judges' raw totals lie at least `threshold` apart, the widest spread first."""
    hits = [r for r in results if _key(r.spread) >= _key(threshold)]
    return sorted(hits, key=lambda r: (-_key(r.spread), r.entry_id))
