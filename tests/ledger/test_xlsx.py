"""The ledger's xlsx reader gives the values openpyxl's read-only iter_rows(values_only=True) gives."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from openpyxl import Workbook, load_workbook

from innovation_hub.ledger.xlsx import open_workbook

from . import bombs

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CRAFTED_SHEET = (
    f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}"><dimension ref="A1:A1"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
    '<row r="3"><c r="A3" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 文本 </t>'
    '</r><rPh sb="0" eb="1"><t>フ</t></rPh></is></c>'
    '<c r="B3" t="str"><f>A1&amp;"x"</f><v>公式结果</v></c><c r="C3" t="e"><v>#N/A</v></c>'
    '<c r="D3" t="b"><v>1</v></c><c r="E3" t="d"><v>2021-03-05T10:30:00</v></c><c r="F3"><v>1.5E3</v></c>'
    '<c r="G3" t="s"/><c r="H3"><v></v></c></row>'
    '<row><c><v>7</v></c><c><v>-2.25</v></c><x:c r="E4"><x:v>8</x:v></x:c></row>'
    '<row r="6" spans="1:3" s="2" customFormat="1"/>'
    '<row r="7"><c r="AB7" t="inlineStr"><is><t>远列</t></is></c></row>'
    '</sheetData></worksheet>'
)
CRAFTED_STRINGS = (
    f'<sst xmlns="{MAIN}"><si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r><rPh sb="0" eb="1"><t>イ</t>'
    '</rPh></si><si><t>_x005F_x000D_转义</t></si></sst>'
)


def rows_of(path, title):
    """(openpyxl's rows without trailing blanks, numbered; ours) for one sheet."""
    theirs = load_workbook(path, read_only=True, data_only=True)[title]
    theirs.reset_dimensions()
    expected = []
    for number, row in enumerate(theirs.iter_rows(values_only=True), start=1):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        if row:
            expected.append((number, tuple(row)))
    workbook = open_workbook(path)
    try:
        ours = [(number, values) for number, values in workbook[title].numbered_rows() if values]
    finally:
        workbook.close()
    return expected, ours


def test_cells_written_by_openpyxl_read_the_same(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成果"
    sheet.append(["文字", 2019, 12.5, True, date(2021, 3, 5), datetime(2021, 3, 5, 8, 15), time(9, 30)])
    sheet.append([None, "=SUM(A1:B1)", 0, False, "２０２０", -1, "  空格  "])
    sheet.cell(row=5, column=10, value="第 J 列")
    path = tmp_path / "类型.xlsx"
    workbook.save(path)

    expected, ours = rows_of(path, "成果")
    assert ours == expected
    assert ours[0][1][4] == datetime(2021, 3, 5)


def test_crafted_parts_read_the_same(tmp_path):
    """Rich and phonetic text, formulas' cached values, errors, booleans, ISO dates, rows and cells without r."""
    workbook = Workbook()
    workbook.active.title = "成果"
    workbook.active["A1"] = "占位"
    path = tmp_path / "手工.xlsx"
    workbook.save(path)
    bombs.shared_strings(path)
    part = bombs.sheet_part(path, "成果")

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            return CRAFTED_SHEET.encode()
        if name == "xl/sharedStrings.xml":
            return CRAFTED_STRINGS.encode()
        return data

    bombs.rewrite(path, change)
    expected, ours = rows_of(path, "成果")
    assert ours == expected
    assert ours[0] == (1, ("甲", "乙丙", "_x000D_转义"))
    assert ours[1][1][:6] == ("富 文本 ", "公式结果", "#N/A", True, datetime(2021, 3, 5, 10, 30), 1500.0)
    assert [number for number, _ in ours] == [1, 3, 4, 7]


def test_a_dtd_is_refused(tmp_path):
    path = tmp_path / "dtd.xlsx"
    Workbook().save(path)
    bombs.shared_strings(path)
    bombs.rewrite(path, lambda name, data: (b'<!DOCTYPE sst [<!ENTITY a "aaaa">]><sst xmlns="' + MAIN.encode()
                                            + b'"><si><t>&a;</t></si></sst>') if name == "xl/sharedStrings.xml"
                  else data)
    with pytest.raises(ValueError) as caught:
        open_workbook(path)
    assert "DTD" in str(caught.value.__cause__)
