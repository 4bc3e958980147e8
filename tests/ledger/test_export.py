"""Ledger export: round trip into a fresh site, formula injection, list downloads, the template."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from urllib.parse import quote

from openpyxl import load_workbook
from sqlalchemy import select

from innovation_hub.catalogue import patent_numbers
from innovation_hub.catalogue.models import Achievement, Patent, Person, Studio
from innovation_hub.catalogue.services import PatentData, TitleData, upsert_patent
from innovation_hub.extensions import db
from innovation_hub.ledger.exporter import build_workbook
from innovation_hub.ledger.importer import import_ledger
from innovation_hub.models import Category, District, Level, PatentKind, RecordStatus, TitleState
from tests.factories import gen_achievement, gen_patent, gen_studio

from .helpers import (
    ACHIEVEMENT_HEADERS,
    PATENT_HEADERS,
    STUDIO_HEADERS,
    TITLE_HEADERS,
    second_site,
    sheet_values,
    sheet_xml,
)

FORMULA = '=HYPERLINK("http://x")'


def build_catalogue() -> None:
    """Studios with a title history, honours, completers, patents of each kind, one draft."""
    history = [
        TitleData(Level.CITY, 2015, "朝阳市总工会", "朝工发〔2015〕12号"),
        TitleData(Level.PROVINCIAL, 2019, "辽宁省总工会", "辽工发〔2019〕8号"),
        TitleData(Level.NATIONAL, 2022, "中华全国总工会", "总工发〔2022〕3号", TitleState.REVOKED),
    ]
    star = gen_studio("星火创新工作室", leader="张卫东", host_unit="朝阳重型机器厂", titles=history,
                      honours=[("全国劳动模范", 2015), ("朝阳工匠", 2019), ("技术能手", None)],
                      intro=FORMULA + "\n第二行；-负号开头的说明见下")
    grid = gen_studio("红旗工匠工作室", level=Level.NATIONAL, leader="刘海燕", host_unit="朝阳供电公司",
                      industry="电力", district=District.LINGYUAN, honours=(), members=None, intro="")
    lapsed = gen_studio("停办工作室", leader="赵刚", host_unit="凌源钢铁", district=District.KAZUO,
                        titles=[TitleData(Level.CITY, 2016, "朝阳市总工会", "", TitleState.REVOKED)])
    namesake = gen_studio("同名领办人工作室", leader="张卫东", host_unit="北票煤业", district=District.BEIPIAO,
                          honours=[("五一劳动奖章", 2020)])
    bearing = gen_achievement(star, "大型轴承快速拆装工装", category=Category.BREAKTHROUGH, year=2020,
                              completers=("张卫东", "李秀英", "王强"), value="120.35", summary="+86 热线记录")
    welding = gen_achievement(star, "新型焊接工艺", year=2021, completers=("王强", "张卫东"), value=None)
    draft = gen_achievement(star, "未审核成果", status=RecordStatus.SUBMITTED)
    live = gen_achievement(grid, "配网带电作业操作法", category=Category.OPERATION, year=2022,
                           completers=("刘海燕",), value="0.50")
    gen_achievement(namesake, "煤矸石分选法", category=Category.INVENTION, completers=("张卫东", "孙莉"))
    gen_patent(star, "一种轴承拆装装置", kind=PatentKind.INVENTION, year=2020, inventors=("张卫东", "李秀英"),
               achievement=bearing, grant_date=date(2022, 5, 6))
    gen_patent(star, "一种焊枪夹具", inventors=("王强",), achievement=welding)
    gen_patent(star, "一种未公开成果的配套装置", inventors=("李秀英",), achievement=draft)
    gen_patent(grid, "绝缘杆外观", kind=PatentKind.DESIGN, year=2021, inventors=("刘海燕", "周敏"),
               achievement=live, filing_date=date(2021, 6, 1))
    gen_patent(grid, "未审核专利", status=RecordStatus.SUBMITTED)
    old = "98112345"
    upsert_patent(PatentData(
        number=f"{old}{patent_numbers.check_character(old)}", title="一种老式卡具", kind=PatentKind.INVENTION,
        studio_name=lapsed.name, inventors=["赵刚"], filing_date=date(1998, 4, 2), grant_date=date(2001, 1, 9),
    ))


def strip_ids(value):
    """The answer without ids and urls, which differ between two sites."""
    if isinstance(value, dict):
        return {k: strip_ids(v) for k, v in value.items() if k not in ("id", "url")}
    if isinstance(value, list):
        return [strip_ids(v) for v in value]
    return value


def catalogue_answers(client) -> dict:
    """Every public API answer of this site, keyed by natural key."""
    def get(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return strip_ids(response.get_json())

    out = {"stats": client.get("/api/v1/stats").get_json()}
    for studio in db.session.execute(select(Studio)).scalars():
        out["studio", studio.name] = get(f"/api/v1/studios/{studio.id}")
    approved = Achievement.status == RecordStatus.APPROVED
    for achievement in db.session.execute(select(Achievement).where(approved)).scalars():
        out["achievement", achievement.studio.name, achievement.title] = get(f"/api/v1/achievements/{achievement.id}")
    for patent in db.session.execute(select(Patent).where(Patent.status == RecordStatus.APPROVED)).scalars():
        out["patent", patent.number] = get(f"/api/v1/patents/{patent.id}")
    for person in db.session.execute(select(Person)).scalars():
        response = client.get(f"/api/v1/people/{person.id}")
        if response.status_code == 200:  # people known only from unpublished records are not public
            out["person", person.name, person.host_unit] = strip_ids(response.get_json())
    return out


def test_export_then_import_into_an_empty_site_gives_the_same_catalogue(app, client, runner, tmp_path,
                                                                         monkeypatch):
    build_catalogue()
    source = catalogue_answers(client)
    path = tmp_path / "台账.xlsx"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    assert "工作室 4 个，成果 4 项，专利 5 件" in result.output

    with second_site(tmp_path / "other", monkeypatch) as other:
        result = other.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        assert "工作室：新增 4 个" in result.output
        target = catalogue_answers(other.test_client())

    assert source.keys() == target.keys()
    for key in source:
        assert source[key] == target[key], key
    star = source["studio", "星火创新工作室"]
    assert (star["level"], star["named_year"]) == ("省级", 2019)
    assert [(t["level"], t["year"], t["state"]) for t in star["titles"]] == [
        ("市级", 2015, "有效"), ("省级", 2019, "有效"), ("国家级", 2022, "撤销")]
    assert star["titles"][0]["doc_number"] == "朝工发〔2015〕12号"
    assert star["intro"].startswith(FORMULA)
    assert source["studio", "停办工作室"]["level"] is None
    assert [p["name"] for p in source["achievement", "星火创新工作室", "大型轴承快速拆装工装"]["completers"]] == [
        "张卫东", "李秀英", "王强"]
    assert ("person", "张卫东", "北票煤业") in source and ("person", "张卫东", "朝阳重型机器厂") in source
    assert source["stats"]["patents_by_kind"] == {"发明": 2, "实用新型": 2, "外观设计": 1}


def test_exported_ledger_reimports_unchanged(app, tmp_path):
    build_catalogue()
    path = tmp_path / "台账.xlsx"
    from innovation_hub.ledger.exporter import export_ledger

    export_ledger(path)
    report = import_ledger(path)
    assert (report.created, report.updated) == (0, 0)


def test_text_that_looks_like_a_formula_stays_text(app, tmp_path):
    studio = gen_studio("公式工作室", intro=FORMULA)
    gen_achievement(studio, "-减号开头", summary="@提及\t制表")
    path = tmp_path / "台账.xlsx"
    build_workbook(studios=[studio], achievements=list(studio.achievements)).save(path)

    workbook = load_workbook(path)
    intro = workbook["工作室"]["J2"]
    assert (intro.data_type, intro.value, intro.quotePrefix) == ("s", FORMULA, True)
    title, summary = workbook["成果"]["A2"], workbook["成果"]["G2"]
    assert (title.data_type, title.value, title.quotePrefix) == ("s", "-减号开头", True)
    assert (summary.data_type, summary.value, summary.quotePrefix) == ("s", "@提及\t制表", True)
    assert "<f>" not in sheet_xml(path, 1) and "<f " not in sheet_xml(path, 1)
    assert "<f>" not in sheet_xml(path, 2)


def test_formula_text_round_trips_through_import(app, tmp_path):
    from innovation_hub.ledger.exporter import export_ledger

    gen_studio("公式工作室", intro=FORMULA)
    path = tmp_path / "台账.xlsx"
    export_ledger(path)
    assert "<f>" not in sheet_xml(path, 1)
    db.session.execute(select(Studio)).scalar_one().intro = "已改动"
    db.session.commit()

    report = import_ledger(path)
    assert report.studios.updated == 1
    assert db.session.execute(select(Studio.intro)).scalar_one() == FORMULA


def test_template_layout(app):
    workbook = build_workbook()
    assert workbook.sheetnames == ["工作室", "成果", "专利"]
    for name, headers in (("工作室", STUDIO_HEADERS), ("成果", ACHIEVEMENT_HEADERS), ("专利", PATENT_HEADERS)):
        sheet = workbook[name]
        assert [c.value for c in sheet[1]] == headers
        assert all(c.font.b for c in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["A"].width >= 20


def test_full_export_has_the_title_sheet_and_typed_cells(app, tmp_path):
    build_catalogue()
    path = tmp_path / "台账.xlsx"
    from innovation_hub.ledger.exporter import export_ledger

    assert export_ledger(path) == {"studios": 4, "achievements": 4, "patents": 5}
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["工作室", "成果", "专利", "工作室称号"]
    assert [c.value for c in workbook["工作室称号"][1]] == TITLE_HEADERS
    studios = sheet_values(path, "工作室")
    # Honours in the order the person page lists them (by year; one without a year first).
    assert studios[1][:4] == ("星火创新工作室", "省级", "张卫东", "全国劳动模范（2015）、朝阳工匠（2019）、技术能手")
    assert studios[1][7] == 2019 and isinstance(studios[1][7], int)
    achievements = workbook["成果"]
    assert achievements["D2"].value == "张卫东、李秀英、王强"
    assert (achievements["F2"].value, achievements["F2"].data_type) == (120.35, "n")
    patents = workbook["专利"]
    first = db.session.execute(select(Patent.number).order_by(Patent.id)).scalars().first()
    assert patents["A2"].value == "ZL" + first
    assert patents["G2"].is_date and patents["G2"].number_format == "yyyy-mm-dd"
    assert patents["I4"].value is None  # the related achievement is not public
    assert {row[5] for row in sheet_values(path, "工作室称号")[1:]} == {"有效", "撤销"}


def _download(client, url: str, filename: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"filename*=UTF-8''{quote(filename)}" in response.headers["Content-Disposition"]
    return load_workbook(BytesIO(response.data))


def test_list_downloads_hold_only_the_filtered_records(app, client):
    national = gen_studio("国家级工作室", level=Level.NATIONAL)
    city = gen_studio("市级工作室", level=Level.CITY)
    gen_achievement(national, "发明甲", category=Category.INVENTION)
    gen_achievement(city, "革新乙", category=Category.INNOVATION)
    gen_achievement(city, "发明丙", category=Category.INVENTION, status=RecordStatus.SUBMITTED)
    gen_patent(national, "外观甲", kind=PatentKind.DESIGN)
    gen_patent(city, "实用乙", kind=PatentKind.UTILITY)

    workbook = _download(client, "/studios/export.xlsx?level=national", "工作室台账.xlsx")
    assert workbook.sheetnames == ["工作室"]
    assert [row[0] for row in workbook["工作室"].iter_rows(min_row=2, values_only=True)] == ["国家级工作室"]

    workbook = _download(client, "/achievements/export.xlsx?category=invention", "成果台账.xlsx")
    assert workbook.sheetnames == ["成果"]
    assert [row[0] for row in workbook["成果"].iter_rows(min_row=2, values_only=True)] == ["发明甲"]

    workbook = _download(client, "/patents/export.xlsx?kind=design", "专利台账.xlsx")
    assert workbook.sheetnames == ["专利"]
    assert [row[1] for row in workbook["专利"].iter_rows(min_row=2, values_only=True)] == ["外观甲"]
