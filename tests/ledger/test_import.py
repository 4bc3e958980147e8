"""Ledger import: a valid file, every error reported, dry run, idempotence, the command line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from innovation_hub.catalogue import bulk, patent_numbers
from innovation_hub.catalogue.models import Achievement, Patent, Person, Studio
from innovation_hub.catalogue.services import CatalogueError
from innovation_hub.extensions import db
from innovation_hub.ledger.importer import LedgerInvalid, import_ledger
from innovation_hub.models import PatentKind

from .helpers import (
    ACHIEVEMENT_HEADERS,
    NUMBER_A,
    PATENT_HEADERS,
    STUDIO_HEADERS,
    achievement_row,
    patent_row,
    studio_row,
    valid_ledger,
    valid_sheets,
    write_workbook,
)


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in (Studio, Achievement, Patent, Person))


def test_valid_workbook_imports(app, client, tmp_path):
    sheets = valid_sheets()
    sheets["工作室"][0][5] = " 行业＊ "  # a full-width required mark and spaces around the header
    report = import_ledger(write_workbook(tmp_path / "台账.xlsx", sheets))

    assert (report.studios.created, report.achievements.created, report.patents.created) == (2, 2, 2)
    assert report.updated == 0
    assert "工作室：新增 2 个" in report.describe()
    studio = db.session.execute(select(Studio).where(Studio.name == "星火创新工作室")).scalar_one()
    answer = client.get(f"/api/v1/studios/{studio.id}").get_json()
    assert answer["level"] == "省级" and answer["named_year"] == 2019
    assert answer["leader"]["name"] == "张卫东"
    assert answer["leader"]["honours"] == [{"title": "全国劳动模范", "year": 2015}, {"title": "朝阳工匠", "year": 2019}]
    assert answer["titles"] == [
        {"level": "省级", "conferred_by": "", "year": 2019, "doc_number": "", "state": "有效", "revoked_on": None}]
    assert [a["title"] for a in answer["achievements"]] == ["大型轴承快速拆装工装"]
    achievement = client.get(answer["achievements"][0]["url"].replace("/achievements", "/api/v1/achievements"))
    assert [p["name"] for p in achievement.get_json()["completers"]] == ["张卫东", "李秀英", "王强"]
    assert achievement.get_json()["value_wan"] == 35.5
    patent = db.session.execute(select(Patent).where(Patent.number == NUMBER_A)).scalar_one()
    assert patent.inventors[1].name == "李秀英" and patent.achievement.title == "大型轴承快速拆装工装"
    assert (patent.filing_date, patent.grant_date) == (date(2021, 3, 5), date(2021, 9, 10))
    other = db.session.execute(select(Studio).where(Studio.name == "红旗工匠工作室")).scalar_one()
    assert other.members == 8 and other.leader.honours == []


def bad_sheets() -> dict[str, list[list]]:
    sheets = valid_sheets()
    sheets["工作室"].append(studio_row("缺单位工作室", host_unit=None, year="1900"))  # row 4
    sheets["成果"] += [
        achievement_row("新型焊接工艺", category="技术创新"),  # row 4
        achievement_row("管道检测仪", studio="不存在的工作室"),  # row 5
        achievement_row("节能改造", value=-3),  # row 6
        achievement_row("大型轴承快速拆装工装"),  # row 7, duplicate of row 2
    ]
    wrong_check = NUMBER_A[:-1] + str((int(NUMBER_A[-1]) + 1) % 10)
    sheets["专利"] += [
        patent_row(wrong_check),  # row 4
        patent_row(patent_numbers.make_number(2021, PatentKind.UTILITY, 1), filed="2021-13-01"),  # row 5
        patent_row(patent_numbers.make_number(2021, PatentKind.DESIGN, 2), kind="发明"),  # row 6
        patent_row(patent_numbers.make_number(2021, PatentKind.UTILITY, 3), granted="2020.1.1"),  # row 7
        patent_row(patent_numbers.make_number(2021, PatentKind.UTILITY, 4), achievement="别人的成果"),  # row 8
        patent_row(NUMBER_A),  # row 9, duplicate of row 2
    ]
    return sheets


EXPECTED_BAD = [
    ("工作室", 4, "依托单位", "必填，不能为空"),
    ("工作室", 4, "命名年份", "年份 1900 超出范围"),
    ("成果", 4, "类别", "“技术创新”不是有效的类别（可选：技术革新、技术攻关、发明创造、先进操作法）"),
    ("成果", 5, "所属工作室", "工作室“不存在的工作室”既不在“工作室”表中，也不在数据库中"),
    ("成果", 6, "经济效益(万元)", "经济效益不能为负数"),
    ("成果", 7, "成果名称", "与第 2 行重复"),
    ("专利", 4, "专利号", "校验位错误"),
    ("专利", 5, "申请日", "“2021-13-01”不是有效的日期"),
    ("专利", 6, "专利类型", "表示外观设计专利，与专利类型“发明”不符"),
    ("专利", 7, "授权日", "早于申请日"),
    ("专利", 8, "关联成果", "“别人的成果”不是工作室“星火创新工作室”的成果"),
    ("专利", 9, "专利号", "与第 2 行重复"),
]


def test_every_bad_row_is_reported_and_nothing_written(app, tmp_path):
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(write_workbook(tmp_path / "bad.xlsx", bad_sheets()))

    errors = caught.value.errors
    assert [(e.sheet, e.row, e.column) for e in errors] == [x[:3] for x in EXPECTED_BAD]
    text = caught.value.describe()
    for sheet, row, column, message in EXPECTED_BAD:
        assert f"工作表“{sheet}” 第 {row} 行 “{column}”列：" in text
        assert message in text
    assert ("工作表“成果” 第 4 行 “类别”列：“技术创新”不是有效的类别"
            "（可选：技术革新、技术攻关、发明创造、先进操作法）") in text.splitlines()
    assert text.splitlines()[-1] == f"共 {len(EXPECTED_BAD)} 处错误，未导入任何数据。"
    assert counts() == (0, 0, 0, 0)


def test_a_service_error_rolls_back_every_row(app, tmp_path, monkeypatch):
    real = bulk.checked_patent_number

    def failing(data):
        if data.title == "一种带电作业绝缘杆":
            raise CatalogueError("模拟的写入错误")
        return real(data)

    monkeypatch.setattr(bulk, "checked_patent_number", failing)
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(valid_ledger(tmp_path / "l.xlsx"))
    assert str(caught.value.errors[0]) == "工作表“专利” 第 3 行：模拟的写入错误"
    assert counts() == (0, 0, 0, 0)


def test_dry_run_writes_nothing_and_reports_counts(app, runner, tmp_path):
    result = runner.invoke(args=["import", str(valid_ledger(tmp_path / "l.xlsx")), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "试运行" in result.output and "未写入任何数据" in result.output
    assert "工作室：新增 2 个" in result.output and "专利：新增 2 件" in result.output
    assert counts() == (0, 0, 0, 0)


def test_dry_run_on_a_filled_site_counts_updates(app, tmp_path):
    path = valid_ledger(tmp_path / "l.xlsx")
    import_ledger(path)
    sheets = valid_sheets()
    sheets["成果"][1][5] = 40  # 经济效益 changed
    report = import_ledger(write_workbook(tmp_path / "changed.xlsx", sheets), dry_run=True)
    assert (report.achievements.updated, report.achievements.unchanged, report.created) == (1, 1, 0)
    value = db.session.execute(select(Achievement.value_wan).where(Achievement.title == "大型轴承快速拆装工装"))
    assert float(value.scalar_one()) == 35.5


def updated_ats() -> dict:
    return {
        (model.__name__, row.id): row.updated_at
        for model in (Studio, Achievement, Patent, Person)
        for row in db.session.execute(select(model)).scalars()
    }


def test_importing_twice_changes_nothing(app, tmp_path):
    path = valid_ledger(tmp_path / "l.xlsx")
    import_ledger(path)
    before = updated_ats()
    db.session.remove()

    report = import_ledger(path)

    assert (report.created, report.updated) == (0, 0)
    assert (report.studios.unchanged, report.achievements.unchanged, report.patents.unchanged) == (2, 2, 2)
    assert "新增 0 个，更新 0 个" in report.describe()
    db.session.remove()
    assert updated_ats() == before


def test_an_edited_row_is_updated(app, tmp_path):
    import_ledger(valid_ledger(tmp_path / "l.xlsx"))
    sheets = valid_sheets()
    sheets["成果"][1][3] = "李秀英、张卫东"  # completers reordered
    report = import_ledger(write_workbook(tmp_path / "edited.xlsx", sheets))
    assert (report.achievements.updated, report.created) == (1, 0)
    achievement = db.session.execute(select(Achievement).where(Achievement.title == "大型轴承快速拆装工装"))
    assert [p.name for p in achievement.scalar_one().completers] == ["李秀英", "张卫东"]


def test_cell_forms_are_accepted(app, tmp_path):
    sheets = valid_sheets()
    sheets["工作室"][1][3] = "全国劳动模范(2015)，朝阳工匠 2019、技术能手,五一劳动奖章（２０１７年）"
    sheets["工作室"][1][7] = 2019.0
    sheets["工作室"][2][7] = "２０２０"
    sheets["成果"][1][3] = "张卫东,李秀英  王强"
    sheets["成果"][1][5] = "1,234.567"
    sheets["专利"][1][0] = "zl " + NUMBER_A.replace(".", " ")
    sheets["专利"][1][6] = "2021.3.5"
    sheets["专利"][2][6] = 20200601
    sheets["工作室"].insert(2, [None] * 10)  # a blank row is skipped, later rows keep their numbers
    import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))

    studio = db.session.execute(select(Studio).where(Studio.name == "星火创新工作室")).scalar_one()
    assert [(h.title, h.year) for h in studio.leader.honours] == [
        ("全国劳动模范", 2015), ("五一劳动奖章", 2017), ("朝阳工匠", 2019), ("技术能手", None)]
    assert db.session.execute(select(Studio.named_year).where(Studio.name == "红旗工匠工作室")).scalar() == 2020
    achievement = db.session.execute(select(Achievement).where(Achievement.title == "大型轴承快速拆装工装"))
    achievement = achievement.scalar_one()
    assert [p.name for p in achievement.completers] == ["张卫东", "李秀英", "王强"]
    assert str(achievement.value_wan) == "1234.57"
    dates = db.session.execute(select(Patent.filing_date).order_by(Patent.id)).scalars().all()
    assert dates == [date(2021, 3, 5), date(2020, 6, 1)]


def test_blank_row_keeps_excel_row_numbers(app, tmp_path):
    sheets = valid_sheets()
    sheets["成果"].insert(2, [None] * 7)
    sheets["成果"][3][1] = "未知类别"  # now on Excel row 4
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [("成果", 4, "类别")]


def test_missing_sheet_and_header_are_reported(app, tmp_path):
    sheets = valid_sheets()
    del sheets["专利"]
    sheets["成果"][0] = [h for h in ACHIEVEMENT_HEADERS if h != "类别"]
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    text = caught.value.describe()
    assert "缺少工作表“专利”" in text
    assert "工作表“成果” 第 1 行：缺少必填列“类别”" in text


def test_bad_file_on_the_command_line(app, runner, tmp_path):
    sheets = {"工作室": [STUDIO_HEADERS, studio_row(level="部级")], "成果": [ACHIEVEMENT_HEADERS],
              "专利": [PATENT_HEADERS]}
    result = runner.invoke(args=["import", str(write_workbook(tmp_path / "bad.xlsx", sheets))])

    assert result.exit_code == 1
    assert "工作表“工作室” 第 2 行 “级别”列：“部级”不是有效的级别（可选：国家级、省级、市级）" in result.stderr
    assert "共 1 处错误，未导入任何数据。" in result.stderr
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("content", [b"name,level\nfoo,bar\n", b"PK\x03\x04 broken zip", b""])
def test_a_file_that_is_not_xlsx_gets_a_chinese_message(app, runner, tmp_path, content):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    result = runner.invoke(args=["import", str(path)])

    assert result.exit_code == 1
    assert "文件“台账.xlsx”不是有效的 Excel 工作簿（.xlsx）" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_blank_template_imports_nothing(app, tmp_path):
    from innovation_hub.ledger.exporter import build_workbook

    path = tmp_path / "模板.xlsx"
    build_workbook().save(path)
    report = import_ledger(path)
    assert (report.created, report.updated, report.studios.unchanged) == (0, 0, 0)


def test_title_sheet_merges_history_and_is_checked(app, client, tmp_path):
    sheets = valid_sheets()
    sheets["工作室称号"] = [
        ["工作室名称", "级别", "年份", "授予单位", "文号", "状态"],
        ["星火创新工作室", "市级", 2015, "朝阳市总工会", "朝工发〔2015〕12号", None],
        ["星火创新工作室", "省级", 2019, "辽宁省总工会", "", "有效"],
        ["星火创新工作室", "国家级", 2023, "", "", "撤销"],
    ]
    import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    studio = db.session.execute(select(Studio).where(Studio.name == "星火创新工作室")).scalar_one()
    assert [(t.level.label, t.year, t.conferred_by, t.state.label) for t in studio.titles] == [
        ("市级", 2015, "朝阳市总工会", "有效"), ("省级", 2019, "辽宁省总工会", "有效"), ("国家级", 2023, "", "撤销")]
    assert (studio.level.label, studio.named_year) == ("省级", 2019)

    sheets["工作室称号"] += [
        ["无此工作室", "市级", 2015, "", "", ""],  # row 5
        ["红旗工匠工作室", "国家级", 2021, "", "", "暂停"],  # row 6
        ["红旗工匠工作室", "省级", 2021, "", "", "有效"],  # row 7: outranks the 市级 2020 of its 工作室 row
        ["星火创新工作室", "省级", 2019, "", "", ""],  # row 8: duplicate of row 3
    ]
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(write_workbook(tmp_path / "bad.xlsx", sheets))
    assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [
        ("工作室", 3, "级别"), ("工作室称号", 5, "工作室名称"), ("工作室称号", 6, "状态"), ("工作室称号", 8, "年份")]
    assert "有效的最高称号是省级（2021）" in caught.value.errors[0].message


def test_progress_wraps_validation_and_writing(app, tmp_path):
    from contextlib import nullcontext

    seen = []

    def progress(iterable, length, label):
        seen.append((label, length))
        return nullcontext(iterable)

    import_ledger(valid_ledger(tmp_path / "l.xlsx"), progress=progress)
    assert seen == [("校验“工作室”", 2), ("校验“成果”", 2), ("校验“专利”", 2),
                    ("写入“工作室”", 2), ("写入“成果”", 2), ("写入“专利”", 2)]


def test_honour_titles_keep_their_brackets(app, tmp_path):
    sheets = valid_sheets()
    sheets["工作室"][1][3] = "十佳（职工）创新能手（2018）、岗位能手（二〇一八）"
    import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    leader = db.session.execute(select(Studio).where(Studio.name == "星火创新工作室")).scalar_one().leader
    assert sorted((h.title, h.year or 0) for h in leader.honours) == [
        ("十佳（职工）创新能手", 2018), ("岗位能手（二〇一八）", 0)]


def test_empty_header_row_is_reported_once(app, tmp_path):
    sheets = valid_sheets()
    sheets["成果"] = [[None], achievement_row()]
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(write_workbook(tmp_path / "l.xlsx", sheets))
    assert [str(e) for e in caught.value.errors] == ["工作表“成果” 第 1 行：第 1 行应为表头（列名），现为空行"]
