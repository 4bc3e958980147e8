"""Excel bombs and oversized ledgers: refused before they are read, with a message naming what was too big."""

from __future__ import annotations

import pytest
from openpyxl.styles import PatternFill
from sqlalchemy import func, select

from innovation_hub.catalogue.models import Achievement, Patent, Person, Studio
from innovation_hub.extensions import db
from innovation_hub.ledger.importer import LedgerInvalid, import_ledger
from innovation_hub.search.models import IndexJob

from . import bombs
from .helpers import ACHIEVEMENT_HEADERS, achievement_row, valid_ledger, valid_sheets, write_workbook

MIB = 1024 * 1024


def nothing_written() -> bool:
    return all(db.session.execute(select(func.count()).select_from(model)).scalar() == 0
               for model in (Studio, Achievement, Patent, Person, IndexJob))


def refused(runner, path) -> str:
    """The command's error output; it must exit 1 having written nothing."""
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert nothing_written()
    return result.stderr


def test_an_oversized_sheet_is_refused(app, runner, tmp_path):
    app.config["LEDGER_MAX_MEMBER_BYTES"] = 20_000
    sheets = valid_sheets()
    sheets["成果"] += [achievement_row(f"成果{i}", summary="摘要" * 20) for i in range(200)]
    path = write_workbook(tmp_path / "大表.xlsx", sheets)

    error = refused(runner, path)
    assert "工作表数据（xl/worksheets/sheet2.xml）解压后有" in error
    assert "超过上限 19.5 KB（LEDGER_MAX_MEMBER_BYTES）" in error


def test_a_huge_shared_strings_table_is_refused(app, runner, tmp_path):
    """A small sheet whose shared-strings table inflates far beyond it (1.1 GB was accepted before)."""
    app.config["LEDGER_MAX_MEMBER_BYTES"] = 2 * MIB
    padding = bombs.repeated(b"<si><t>" + "填充".encode() * 400 + b"</t></si>", 3 * MIB)
    path = bombs.shared_strings(valid_ledger(tmp_path / "字符串.xlsx"), padding)

    error = refused(runner, path)
    assert "共享字符串表（xl/sharedStrings.xml）解压后有 3.0 MB，超过上限 2.0 MB" in error


def test_a_high_compression_ratio_is_refused(app, runner, tmp_path):
    """The default limits: 2 MiB of identical blank rows compress about 400 times."""
    path = valid_ledger(tmp_path / "炸弹.xlsx")
    part = bombs.sheet_part(path, "成果")
    flood = bombs.repeated(b'<row r="3" spans="1:7"/>', 2 * MIB)
    bombs.rewrite(path, lambda name, data: None if name == part else data,
                  [(part, [bombs.SHEET_HEAD.encode(), bombs.header_row(ACHIEVEMENT_HEADERS), *flood,
                           bombs.SHEET_TAIL.encode()])])

    error = refused(runner, path)
    assert f"工作表数据（{part}）的压缩比为" in error
    assert "超过上限 100 倍（LEDGER_MAX_RATIO）" in error


def test_too_many_members_are_refused(app, runner, tmp_path):
    app.config["LEDGER_MAX_MEMBERS"] = 20
    path = bombs.rewrite(valid_ledger(tmp_path / "部件.xlsx"),
                         extra=[(f"xl/media/image{i}.png", b"\x89PNG") for i in range(30)])

    error = refused(runner, path)
    assert "内含 41 个部件，超过上限 20 个（LEDGER_MAX_MEMBERS）" in error


@pytest.mark.parametrize("name", ["../../etc/cron.d/job", "/etc/passwd", "payload.exe", "xl/..\\..\\evil.bat"])
def test_a_member_an_xlsx_does_not_hold_is_refused(app, runner, tmp_path, name):
    path = bombs.rewrite(valid_ledger(tmp_path / "l.xlsx"), extra=[(name, b"#!/bin/sh\n")])

    error = refused(runner, path)
    assert "中有 xlsx 工作簿不应有的内容" in error


def test_the_total_uncompressed_size_is_limited(app, runner, tmp_path):
    app.config["LEDGER_MAX_TOTAL_BYTES"] = 100_000
    path = bombs.rewrite(valid_ledger(tmp_path / "l.xlsx"),
                         extra=[(f"customXml/item{i}.xml", bytes(range(256)) * 200) for i in range(3)])

    error = refused(runner, path)
    assert "解压后共有" in error and "超过上限 97.7 KB（LEDGER_MAX_TOTAL_BYTES）" in error


def test_the_file_size_is_limited(app, runner, tmp_path):
    app.config["LEDGER_MAX_FILE_BYTES"] = 1000
    error = refused(runner, valid_ledger(tmp_path / "l.xlsx"))
    assert "超过导入上限 1000 字节（LEDGER_MAX_FILE_BYTES）" in error


@pytest.mark.parametrize("content", [b"PK\x05\x06" + b"\0" * 18, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500])
def test_not_a_zip_is_refused(app, runner, tmp_path, content):
    """An empty zip, and an old .xls (or an encrypted xlsx: both are OLE files) renamed .xlsx."""
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    assert "不是有效的 Excel 工作簿（.xlsx）" in refused(runner, path)


def test_blank_rows_count_against_the_row_limit(app, tmp_path):
    """A sheet formatted far below its data: the styled empty rows count, and reading stops at the limit."""
    app.config["LEDGER_MAX_ROWS"] = 100
    sheets = valid_sheets()
    path = write_workbook(tmp_path / "l.xlsx", sheets)
    import_ledger(path, dry_run=True)  # 2 rows: within the limit

    from openpyxl import load_workbook

    workbook = load_workbook(path)
    fill = PatternFill("solid", fgColor="FFFF00")
    for row in range(4, 2000):
        workbook["成果"].cell(row=row, column=1).fill = fill
    workbook.save(path)
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(path)
    assert [str(e) for e in caught.value.errors] == [
        "工作表“成果” 第 102 行：超过 100 行（表头以下的空行也计算在内，LEDGER_MAX_ROWS），未导入。"
        "请删除表末尾多余的空行（选中这些行后“删除行”），或拆分后分批导入"]
    assert nothing_written()


def test_a_million_blank_rows_stop_at_the_default_limit(app, tmp_path):
    """One cell on Excel's last row, under the default limit (100,000): refused at that row, nothing walked."""
    path = valid_ledger(tmp_path / "l.xlsx")
    part = bombs.sheet_part(path, "专利")

    def last_row(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        return data.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is>'
                                              b"</c></row></sheetData>")

    bombs.rewrite(path, last_row)
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(path)
    assert [(e.sheet, e.row) for e in caught.value.errors] == [("专利", 1_048_576)]
    assert nothing_written()


def test_a_flood_of_blank_row_elements_is_refused(app, tmp_path):
    """Blank rows that do not compress well enough for the ratio check (each has its own number)."""
    app.config["LEDGER_MAX_ROWS"] = 1000
    path = valid_ledger(tmp_path / "l.xlsx")
    part = bombs.sheet_part(path, "成果")
    flood = [bombs.SHEET_HEAD.encode(), bombs.header_row(ACHIEVEMENT_HEADERS), *bombs.blank_rows(2, 50_000),
             bombs.SHEET_TAIL.encode()]
    bombs.rewrite(path, lambda name, data: None if name == part else data, [(part, flood)])
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(path)
    assert [(e.sheet, e.row) for e in caught.value.errors] == [("成果", 1002)]


def test_reading_stops_at_the_row_limit(app, tmp_path):
    """Nothing past the limit is read, even to learn the sheet's size: here it is not even XML."""
    app.config["LEDGER_MAX_ROWS"] = 1000
    path = valid_ledger(tmp_path / "l.xlsx")
    part = bombs.sheet_part(path, "成果")
    rest = [b"<row r='x'><<<not xml" * 1000]
    bombs.rewrite(path, lambda name, data: None if name == part else data, [(part, [
        bombs.SHEET_HEAD.encode(), bombs.header_row(ACHIEVEMENT_HEADERS), *bombs.blank_rows(2, 5000), *rest])])
    with pytest.raises(LedgerInvalid) as caught:
        import_ledger(path)
    assert [(e.sheet, e.row) for e in caught.value.errors] == [("成果", 1002)]
