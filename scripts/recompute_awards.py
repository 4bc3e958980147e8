"""Recompute an award round's ranking from its exported score sheet, without the site's code.

    python scripts/recompute_awards.py SCORES.xlsx RESULTS.json

SCORES.xlsx is what `flask --app innovation_hub award-export ROUND_ID SCORES.xlsx` writes (sheet
评分明细); RESULTS.json is GET /api/v1/awards/<round_id>/results, read only for the round's published
method (trimmed mean, normalisation, vote weight), its quota and, when it has a public vote, the vote
counts (they are not in the score sheet). Prints the recomputed ranking as JSON and exits 1 when it
differs from RESULTS.json (rank, 优秀, or a figure by more than 0.01).

Written from DESIGN.md's rules alone (it imports only openpyxl), so it checks the site's arithmetic
instead of repeating it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict

from openpyxl import load_workbook

SHEET = "评分明细"
COLUMNS = ("评委编号", "成果ID", "成果名称", "指标", "满分", "权重", "得分")


def read_sheet(path: str) -> list[dict]:
    sheet = load_workbook(path, read_only=True)[SHEET]
    rows = sheet.iter_rows(values_only=True)
    header = tuple(next(rows))
    if header[:len(COLUMNS)] != COLUMNS:
        sys.exit(f"{SHEET} 的表头应为 {COLUMNS}，实际为 {header}")
    return [dict(zip(COLUMNS, row[:len(COLUMNS)], strict=True)) for row in rows if row and row[0] is not None]


def judge_totals(rows: list[dict]) -> tuple[dict[int, dict[str, float]], dict[str, tuple[float, float]]]:
    """{entry: {judge: Σ weight × points}} for judges who scored every criterion; and the criteria."""
    criteria = {r["指标"]: (float(r["满分"]), float(r["权重"])) for r in rows}
    marks: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for r in rows:
        marks[(int(r["成果ID"]), str(r["评委编号"]))][r["指标"]] = float(r["得分"])
    totals: dict[int, dict[str, float]] = defaultdict(dict)
    for (entry, judge), points in marks.items():
        if set(points) == set(criteria):
            totals[entry][judge] = sum(criteria[c][1] * p for c, p in points.items())
    return totals, criteria


def normalised(totals: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Each judge's totals as z-scores, rescaled to the mean and spread of all totals."""
    everything = [t for by_judge in totals.values() for t in by_judge.values()]
    mean_all = sum(everything) / len(everything)
    sd_all = math.sqrt(sum((t - mean_all) ** 2 for t in everything) / len(everything))
    by_judge: dict[str, list[float]] = defaultdict(list)
    for by in totals.values():
        for judge, t in by.items():
            by_judge[judge].append(t)
    stats = {}
    for judge, values in by_judge.items():
        m = sum(values) / len(values)
        sd = math.sqrt(sum((v - m) ** 2 for v in values) / len(values))
        stats[judge] = (m, sd if len(values) > 1 and round(sd, 6) > 0 else None)
    out: dict[int, dict[str, float]] = {}
    for entry, by in totals.items():
        out[entry] = {}
        for judge, t in by.items():
            m, sd = stats[judge]
            out[entry][judge] = mean_all + (t - m) / sd * sd_all if sd else t - m + mean_all
    return out


def recompute(rows: list[dict], method: dict, quota: int, votes: dict[int, int]) -> list[dict]:
    raw, criteria = judge_totals(rows)
    full_marks = sum(mx * w for mx, w in criteria.values())
    heaviest = max(criteria, key=lambda c: round(criteria[c][0] * criteria[c][1], 6))
    adjusted = normalised(raw) if method.get("normalise") else raw
    top_votes = max(votes.values(), default=0)
    w = method.get("vote_weight") if method.get("public_vote") else None
    entries = []
    for entry, by_judge in adjusted.items():
        values = sorted(by_judge.values())
        if method.get("trimmed") and len(values) >= int(method.get("trim_from", 5)):
            values = values[1:-1]
        aggregate = sum(values) / len(values)
        expert = aggregate * 100 / full_marks
        final = expert
        if w is not None:
            final = expert * w + (votes.get(entry, 0) / top_votes * 100 if top_votes else 0) * (1 - w)
        heavy = sum(float(r["得分"]) for r in rows if int(r["成果ID"]) == entry and r["指标"] == heaviest
                    and str(r["评委编号"]) in raw[entry])
        entries.append({"id": entry, "aggregate": aggregate, "final": final,
                        "key": (round(final, 6), round(sum(raw[entry].values()), 6), round(heavy, 6))})
    entries.sort(key=lambda e: e["key"], reverse=True)
    for i, e in enumerate(entries):  # equal on all three keys: a shared rank (1, 2, 2, 4)
        e["rank"] = entries[i - 1]["rank"] if i and e["key"] == entries[i - 1]["key"] else i + 1
        e["excellent"] = e["rank"] <= quota
    for e in entries:
        del e["key"]
    return entries


def differences(mine: list[dict], published: list[dict]) -> list[str]:
    theirs = {int(e["id"]): e for e in published}
    out = []
    ours = {e["id"] for e in mine}
    if set(theirs) != ours:
        out.append(f"成果不一致：重算多出 {sorted(ours - set(theirs))}，缺少 {sorted(set(theirs) - ours)}")
    for e in mine:
        t = theirs.get(e["id"])
        if t is None:
            continue
        for name in ("rank", "excellent"):
            if t[name] != e[name]:
                out.append(f"成果 {e['id']} 的 {name}：重算 {e[name]}，发布 {t[name]}")
        for name in ("aggregate", "final"):
            if abs(float(t[name]) - e[name]) > 0.01:
                out.append(f"成果 {e['id']} 的 {name}：重算 {e[name]:.4f}，发布 {t[name]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scores")
    parser.add_argument("results")
    args = parser.parse_args()
    with open(args.results, encoding="utf-8") as f:
        published = json.load(f)
    votes = {int(e["id"]): int(e.get("votes") or 0) for e in published["entries"]}
    mine = recompute(read_sheet(args.scores), published["method"], int(published["round"]["quota"]), votes)
    print(json.dumps(mine, ensure_ascii=False, indent=1))
    problems = differences(mine, published["entries"])
    for line in problems:
        print(line, file=sys.stderr)
    verdict = "与发布结果一致" if not problems else f"{len(problems)} 处不一致"
    print(f"{len(mine)} 项成果重算，{verdict}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
