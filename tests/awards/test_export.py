"""The award export: exact sheets and columns, formula-safe text, numbers that recompute to the ranking, the
snapshot as the source during 公示, and `flask award-export`, which writes what the site downloads."""

import math
import statistics
from collections import defaultdict
from io import BytesIO

import pytest
from openpyxl import load_workbook

from innovation_hub.awards import judge_scores, lifecycle
from innovation_hub.database import write_transaction
from tests.awards import helpers
from tests.factories import gen_achievement, gen_round, gen_studio, gen_user, login

SCORE_HEADERS = ["评委编号", "成果ID", "成果名称", "指标", "满分", "权重", "得分"]
RANKING_HEADERS = ["排名", "成果ID", "成果名称", "工作室", "综合得分", "是否优秀"]
MAXES = (20, 20, 40, 20)


def varied(j, n, c):
    """Points in tenths of the maximum, different for each judge, entry and criterion."""
    return round(MAXES[c] * ((j * 37 + n * 11 + c * 7) % 10 + 1) / 10, 2)


def untied(j, n, c):
    """Varied points, each entry's scaled by its own factor: no two entries tie, in an order not theirs."""
    return round(MAXES[c] * ((j * 37 + c * 7) % 10 + 1) / 10 * (0.8, 1.0, 0.6, 0.9, 0.7)[n], 2)


def offset_ids() -> None:
    """Achievements that are never nominated, so that achievement ids and nomination ids differ."""
    studio = gen_studio("无关的工作室")
    for i in range(3):
        gen_achievement(studio, f"未参评的成果{i}")


def rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def export(runner, award_round, tmp_path):
    path = tmp_path / "评选导出.xlsx"
    result = runner.invoke(args=["award-export", str(award_round.id), str(path)])
    assert result.exit_code == 0, result.output
    return load_workbook(path), result


def recompute(workbook, trimmed: bool, trim_from: int, quota: int) -> dict[int, tuple[float, int, str]]:
    """From 评分明细 alone: each judge's weighted total, the round's mean, 百分制, competition ranks, 优秀."""
    totals: dict[tuple[int, int], float] = defaultdict(float)
    full: dict[tuple[int, int], float] = defaultdict(float)
    for judge, achievement, _title, _criterion, max_points, weight, points in rows(workbook["评分明细"])[1:]:
        totals[achievement, judge] += weight * points
        full[achievement, judge] += weight * max_points
    by_entry = defaultdict(list)
    for (achievement, _judge), total in totals.items():
        by_entry[achievement].append(total)
    marks = next(iter(full.values()))
    finals = {}
    for achievement, values in by_entry.items():
        values = sorted(values)
        if trimmed and len(values) >= trim_from:
            values = values[1:-1]
        finals[achievement] = statistics.fmean(values) * 100 / marks
    order = sorted(finals.values(), reverse=True)
    return {a: (final, order.index(final) + 1, "是" if order.index(final) + 1 <= quota else "否")
            for a, final in finals.items()}


@pytest.mark.parametrize("settings", [
    {"entries": 5, "judges": 5, "trimmed": True, "trim_from": 5, "quota": 2},
    {"entries": 4, "judges": 3, "quota": 1,  # weighted: full marks 140, so 平均 and 百分制 differ
     "criteria": (("先进性", 20, "1.5"), ("实用性", 20, "1"), ("经济效益", 40, "2"), ("社会效益", 20, "0.5"))},
])
def test_the_export_recomputes_to_the_ranking(app, runner, tmp_path, settings):
    offset_ids()
    stage = helpers.build(**settings)
    helpers.score_all(stage, untied)
    workbook, result = export(runner, stage.round, tmp_path)
    assert workbook.sheetnames == ["评分明细", "排名"]
    sheet, ranking = rows(workbook["评分明细"]), rows(workbook["排名"])
    assert sheet[0] == SCORE_HEADERS and ranking[0] == RANKING_HEADERS
    assert len(sheet) - 1 == settings["entries"] * settings["judges"] * 4  # judge × entry × criterion
    assert {r[1] for r in sheet[1:]} == {r[1] for r in ranking[1:]} == {a.id for a in stage.achievements}
    expected = recompute(workbook, settings.get("trimmed", False), settings.get("trim_from", 5), settings["quota"])
    for rank, achievement, title, studio, final, excellent in ranking[1:]:
        want_final, want_rank, want_excellent = expected[achievement]
        assert math.isclose(final, want_final, abs_tol=1e-9)
        assert (rank, excellent) == (want_rank, want_excellent)
        assert title == next(a.title for a in stage.achievements if a.id == achievement)
        assert studio == next(a.studio.name for a in stage.achievements if a.id == achievement)
    assert [r[0] for r in ranking[1:]] == list(range(1, settings["entries"] + 1))
    assert [r[1] for r in ranking[1:]] != [a.id for a in stage.achievements]  # not simply the entry order
    assert "已导出" in result.output and "评分明细" in result.output


def test_the_score_sheet_holds_submitted_scores_only(app, runner, tmp_path):
    offset_ids()
    stage = helpers.build(entries=2, judges=2)
    first = helpers.assignments(stage.round, stage.judges[0])
    for a in first:
        judge_scores.save_scores(stage.judges[0], a, {c.id: 10 for c in stage.round.criteria}, submit=True)
    draft = helpers.assignments(stage.round, stage.judges[1])[0]
    judge_scores.save_scores(stage.judges[1], draft, {c.id: 5 for c in stage.round.criteria})
    workbook, _ = export(runner, stage.round, tmp_path)
    sheet = rows(workbook["评分明细"])[1:]
    assert len(sheet) == 2 * 4 and {r[0] for r in sheet} == {1}
    assert sheet[0] == [1, stage.achievements[0].id, "参评成果1", "先进性", 20, 1, 10]


def test_text_that_looks_like_a_formula_stays_text(app, runner, tmp_path):
    stage = helpers.build(entries=1, judges=1)
    with write_transaction():
        stage.achievements[0].title = "=HYPERLINK(\"http://example.com\",\"点我\")"
        stage.studios[0].name = "+工作室"
    helpers.score_all(stage)
    workbook, _ = export(runner, stage.round, tmp_path)
    for sheet, column in (("评分明细", 3), ("排名", 3), ("排名", 4)):
        cell = workbook[sheet].cell(row=2, column=column)
        assert cell.data_type == "s" and cell.value.startswith(("=", "+"))
    assert workbook["排名"].cell(row=2, column=3).value == stage.achievements[0].title


def test_during_publicity_the_ranking_comes_from_the_snapshot(app, runner, tmp_path):
    stage = helpers.build(entries=3, judges=2, quota=1)
    helpers.score_all(stage, varied)
    lifecycle.close_scoring(stage.admin, stage.round)
    lifecycle.publish(stage.admin, stage.round)
    published = {a.id: a.title for a in stage.achievements}
    with write_transaction():
        for achievement in stage.achievements:
            achievement.title = "改名后的" + achievement.title
    workbook, _ = export(runner, stage.round, tmp_path)
    assert {r[1]: r[2] for r in rows(workbook["排名"])[1:]} == published
    assert {r[2] for r in rows(workbook["评分明细"])[1:]} == set(published.values())


def test_before_publicity_the_ranking_is_live(app, runner, tmp_path):
    stage = helpers.build(entries=2, judges=1)
    helpers.score_all(stage)
    with write_transaction():
        stage.achievements[0].title = "现在的名字"
    workbook, _ = export(runner, stage.round, tmp_path)
    assert "现在的名字" in {r[2] for r in rows(workbook["排名"])[1:]}


def test_unknown_or_unready_rounds_are_refused_with_a_chinese_message(app, runner, tmp_path):
    path = tmp_path / "x.xlsx"
    for round_id in ("999", "abc"):
        result = runner.invoke(args=["award-export", round_id, str(path)])
        assert result.exit_code != 0 and f"没有编号为 {round_id} 的评选" in result.output
    admin = gen_user()
    draft = gen_round(admin)
    result = runner.invoke(args=["award-export", str(draft.id), str(path)])
    assert result.exit_code != 0 and "专家评审开始后才有评分和排名" in result.output
    assert not path.exists()


def test_the_downloads_are_the_commands_workbook(app, client, runner, tmp_path):
    offset_ids()
    stage = helpers.build(entries=3, judges=2)
    helpers.score_all(stage, varied)
    written, _ = export(runner, stage.round, tmp_path)
    login(client, stage.admin.username)
    base = f"/admin/awards/{stage.round.id}/export"
    response = client.get(f"{base}/all.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    downloaded = load_workbook(BytesIO(response.data))
    assert downloaded.sheetnames == written.sheetnames
    for name in written.sheetnames:
        assert rows(downloaded[name]) == rows(written[name])
    scores = load_workbook(BytesIO(client.get(f"{base}/scores.xlsx").data))
    ranking = load_workbook(BytesIO(client.get(f"{base}/ranking.xlsx").data))
    assert scores.sheetnames == ["评分明细"] and ranking.sheetnames == ["排名"]
    assert rows(ranking["排名"]) == rows(written["排名"])
    assert client.get(f"{base}/other.xlsx").status_code == 404
