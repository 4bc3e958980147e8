"""A round's score sheet (评分明细) and ranking (排名) as one formula-safe xlsx workbook: the site's downloads
and `flask award-export` both call build_workbook()."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..sheets import Column, SheetSpec
from . import queries, snapshot
from .models import AwardRound, RoundState
from .services import AwardError, label

if TYPE_CHECKING:
    from openpyxl import Workbook

S = RoundState
RESULT_STATES = (S.SCORING, S.CLOSED, S.PUBLICITY, S.FINAL)  # a ranking exists from scoring on
FROZEN_STATES = (S.PUBLICITY, S.FINAL)  # the stored snapshot is the result in force


def _column(header: str, export, width: int = 12, number_format: str | None = None) -> Column:
    # Exported, never imported: no parser, no required-column tint.
    return Column(header, header, False, None, export, width, number_format)


SCORE_SHEET = SheetSpec("评分明细", (
    _column("评委编号", lambda r: r.judge_number, 10),
    _column("成果ID", lambda r: r.achievement_id, 10),
    _column("成果名称", lambda r: r.title, 40),
    _column("指标", lambda r: r.criterion, 14),
    _column("满分", lambda r: r.max_points, 8),
    _column("权重", lambda r: r.weight, 8),
    _column("得分", lambda r: r.points, 8, "0.00"),
))

RANKING_SHEET = SheetSpec("排名", (
    _column("排名", lambda e: e["rank"], 8),
    _column("成果ID", lambda e: e["achievement_id"], 10),
    _column("成果名称", lambda e: e["title"], 40),
    _column("工作室", lambda e: e["studio"], 30),
    # Full precision, shown with two decimals: the figure recomputes exactly from 评分明细.
    _column("综合得分", lambda e: e["final"], 10, "0.00"),
    _column("是否优秀", lambda e: "是" if e["excellent"] else "否", 10),
))

SHEETS = {"scores": (SCORE_SHEET,), "ranking": (RANKING_SHEET,), "all": (SCORE_SHEET, RANKING_SHEET)}
NAMES = {"scores": "评分明细", "ranking": "排名", "all": "评分与排名"}


def require_results(award_round: AwardRound) -> None:
    if award_round.state not in RESULT_STATES:
        raise AwardError(f"{label(award_round)}当前处于“{award_round.state.label}”阶段，"
                         "专家评审开始后才有评分和排名")


def result_of(award_round: AwardRound) -> tuple[dict, object | None]:
    """The round's result as snapshot data, and the snapshot it comes from (None: computed now).

    During 公示 and after 表彰 the stored snapshot is the result; before (or after 公示 was withdrawn) it is
    the live ranking (queries.ranking), in the same shape.
    """
    require_results(award_round)
    if award_round.state in FROZEN_STATES:
        frozen = snapshot.latest(award_round, award_round.state)
        if frozen is not None:
            return frozen.data, frozen
    return snapshot.build(award_round, award_round.state), None


def build_workbook(award_round: AwardRound, which: str = "all") -> Workbook:
    """The workbook of `which` (scores, ranking or all); AwardError before scoring has started."""
    # openpyxl only when a workbook is made: importing it costs ~0.25 s on every worker's start.
    from ..workbooks import add_sheet, new_workbook, write_rows

    require_results(award_round)
    workbook = new_workbook()
    for spec in SHEETS[which]:
        records = queries.score_sheet(award_round) if spec is SCORE_SHEET else result_of(award_round)[0]["entries"]
        write_rows(add_sheet(workbook, spec), spec, records)
    return workbook


def write_workbook(award_round: AwardRound, path: str | os.PathLike) -> Workbook:
    """Save both sheets to `path` atomically (a failed export leaves no half file)."""
    from ..workbooks import save_atomically

    workbook = build_workbook(award_round)
    save_atomically(workbook, path)
    return workbook


def filename(award_round: AwardRound, which: str) -> str:
    return f"{award_round.name}-{NAMES[which]}.xlsx"
