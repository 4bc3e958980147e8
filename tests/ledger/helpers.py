"""Ledger test helpers: build input workbooks with openpyxl, open a second site, read sheets back."""

from __future__ import annotations

import os
import zipfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

from innovation_hub import create_app
from innovation_hub.catalogue import patent_numbers
from innovation_hub.extensions import db, upgrade_schema
from innovation_hub.models import PatentKind
from tests.databases import another_database

STUDIO_HEADERS = ["名称", "级别", "领办人", "领办人荣誉", "依托单位", "行业", "所在地区", "命名年份", "成员人数",
                  "简介"]
ACHIEVEMENT_HEADERS = ["成果名称", "类别", "所属工作室", "完成人", "完成年份", "经济效益(万元)", "摘要"]
PATENT_HEADERS = ["专利号", "专利名称", "专利类型", "所属工作室", "发明人", "专利权人", "申请日", "授权日",
                  "关联成果", "摘要"]
TITLE_HEADERS = ["工作室名称", "级别", "年份", "授予单位", "文号", "状态"]

NUMBER_A = patent_numbers.make_number(2021, PatentKind.UTILITY, 123456)
NUMBER_B = patent_numbers.make_number(2020, PatentKind.INVENTION, 654321)


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one sheet per entry: {sheet name: [header row, row, …]}."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def studio_row(name="星火创新工作室", *, level="省级", leader="张卫东", honours="全国劳动模范（2015）、朝阳工匠(2019)",
               host_unit="朝阳重型机器厂", industry="机械制造", district="双塔区", year=2019, members=15,
               intro="专注重型设备检修工艺改进。") -> list:
    return [name, level, leader, honours, host_unit, industry, district, year, members, intro]


def achievement_row(title="大型轴承快速拆装工装", *, category="技术革新", studio="星火创新工作室",
                    completers="张卫东、李秀英，王强", year=2021, value=35.5, summary="缩短检修时间一半。") -> list:
    return [title, category, studio, completers, year, value, summary]


def patent_row(number=None, *, title="一种轴承拆装装置", kind="实用新型", studio="星火创新工作室",
               inventors="张卫东 李秀英", patentee="朝阳重型机器厂", filed=date(2021, 3, 5),
               granted="2021年9月10日", achievement="大型轴承快速拆装工装",
               abstract="本实用新型涉及拆装工装。") -> list:
    return [number or "ZL" + NUMBER_A, title, kind, studio, inventors, patentee, filed, granted, achievement,
            abstract]


def valid_sheets() -> dict[str, list[list]]:
    """A small valid ledger: two studios, two achievements, two patents."""
    return {
        "工作室": [
            [h + ("*" if h in ("名称", "级别") else "") for h in STUDIO_HEADERS],
            studio_row(),
            studio_row("红旗工匠工作室", level="市级", leader="刘海燕", honours="", host_unit="朝阳供电公司",
                       industry="电力", district="龙城区", year=2020, members="8", intro=""),
        ],
        "成果": [
            ACHIEVEMENT_HEADERS,
            achievement_row(),
            achievement_row("配网带电作业操作法", category="先进操作法", studio="红旗工匠工作室",
                            completers="刘海燕", year="2022", value=None, summary=""),
        ],
        "专利": [
            PATENT_HEADERS,
            patent_row(),
            patent_row(NUMBER_B, title="一种带电作业绝缘杆", kind="发明", studio="红旗工匠工作室",
                       inventors="刘海燕", filed="2020/6/1", granted=None, achievement=""),
        ],
    }


def valid_ledger(path: Path) -> Path:
    return write_workbook(path, valid_sheets())


@contextmanager
def second_site(instance: Path, monkeypatch):
    """Another app on its own instance folder with its schema created, its app context pushed."""
    original = os.environ.get("INNOVATION_HUB_INSTANCE")
    monkeypatch.setenv("INNOVATION_HUB_INSTANCE", str(instance))
    with another_database() as database:
        other = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, **database})
        if original is not None:
            monkeypatch.setenv("INNOVATION_HUB_INSTANCE", original)
        with other.app_context():
            upgrade_schema()
            try:
                yield other
            finally:
                db.session.remove()
                db.engine.dispose()


def sheet_values(path_or_bytes, sheet: str) -> list[tuple]:
    """All rows of one sheet as values (normal mode, so cell types can be checked too)."""
    workbook = load_workbook(path_or_bytes)
    return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]


def sheet_xml(path: Path, index: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")
