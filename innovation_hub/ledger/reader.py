"""Read a ledger workbook into rows of cleaned cell values keyed by the template's columns."""

from __future__ import annotations

import logging
import os
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from flask import current_app
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .archive import Limits, check_archive, not_a_workbook
from .errors import LedgerError, LedgerInvalid
from .template import SHEETS, SheetSpec, clean, header_key

log = logging.getLogger(__name__)


@dataclass
class SheetRows:
    spec: SheetSpec
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, {column key: cleaned value or None})


def read_ledger(path: str | os.PathLike, limits: Limits | None = None) -> dict[str, SheetRows]:
    """The template's sheets found in the workbook, by sheet name; raise LedgerInvalid on a bad file.

    `limits` default to the app's settings (LEDGER_MAX_*); the archive is checked against them
    before openpyxl opens it.
    """
    path = Path(path)
    if not path.is_file():
        raise LedgerInvalid([LedgerError(None, None, None, f"文件“{path.name}”不存在")])
    limits = limits or Limits.from_config(current_app.config)
    check_archive(path, limits)
    with warnings.catch_warnings():
        # Workbooks saved by Excel or WPS carry data-validation extensions, conditional formats or
        # no default style, and openpyxl warns that it drops them. The ledger reads cell values
        # only, so those warnings tell the user nothing (and pytest would turn them into errors).
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        workbook = _open(path)
        try:
            return _read_sheets(workbook, limits.rows)
        finally:
            workbook.close()


class _Sheet(ReadOnlyWorksheet):
    """A read-only sheet that does not look for its stored size when it is opened.

    openpyxl reads a sheet up to its <dimension> element to learn its size; a sheet without one is
    read to its end, before any row limit can stop it. The ledger ignores the stored size anyway
    (reset_dimensions: some writers store a wrong one) and reads what is there.
    """

    def _get_size(self):
        pass


class _Reader(ExcelReader):
    """openpyxl's read-only reader with faster shared strings and sheets opened as _Sheet."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = read_shared_strings(source)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _open(path: Path):
    try:
        reader = _Reader(path, read_only=True, data_only=True)
        reader.read()
        return reader.wb
    except Exception as error:  # a non-xlsx file: openpyxl raises BadZipFile, KeyError, InvalidFileException…
        log.debug("cannot open %s", path, exc_info=True)
        raise not_a_workbook(path) from error


def read_shared_strings(source) -> list[str]:
    """The text of each item of a shared-strings part, as openpyxl's read_string_table gives it.

    An item's text is its <t>, or its runs' <t>s joined; phonetic guides (<rPh>) are left out.
    Parsed with expat's callbacks instead of an element per node. A DTD is refused, as defusedxml does.
    """
    strings: list[str] = []
    parts: list[str] = []
    depth = {"t": 0, "rPh": 0}

    def start(name: str, _attrs) -> None:
        local = name.rpartition(" ")[2]
        if local == "si":
            parts.clear()
        elif local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = name.rpartition(" ")[2]
        if local == "si":
            strings.append("".join(parts).replace("x005F_", ""))
        elif local in depth:
            depth[local] -= 1

    def text(data: str) -> None:
        if depth["t"] and not depth["rPh"]:
            parts.append(data)

    def no_dtd(*_args) -> None:
        raise ValueError("a DTD in a shared-strings part")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ParseFile(source)
    return strings


def _read_sheets(workbook, max_rows: int) -> dict[str, SheetRows]:
    by_name = {unicodedata.normalize("NFKC", title).strip(): title for title in workbook.sheetnames}
    found: dict[str, SheetRows] = {}
    errors: list[LedgerError] = []
    for spec in SHEETS:
        title = by_name.get(spec.name)
        if title is None:
            if spec.required:
                errors.append(LedgerError(None, None, None, (
                    f"缺少工作表“{spec.name}”（台账须包含工作表：工作室、成果、专利）"
                )))
            continue
        sheet = workbook[title]
        if not hasattr(sheet, "iter_rows"):
            errors.append(LedgerError(spec.name, None, None, "不是数据表（可能是图表页）"))
            continue
        try:
            rows = _read_sheet(sheet, spec, errors, max_rows)
        except LedgerInvalid:
            raise
        except Exception as error:  # a damaged sheet part: any XML or value error
            log.debug("cannot read sheet %s", spec.name, exc_info=True)
            raise LedgerInvalid([LedgerError(spec.name, None, None, "工作表内容已损坏，无法读取")]) from error
        if rows is not None:
            found[spec.name] = rows
    if errors:
        raise LedgerInvalid(errors)
    return found


def _header_map(spec: SheetSpec, header: tuple, errors: list[LedgerError]) -> dict[str, int] | None:
    """{column key: 0-based index} from the header row; None when a required header is missing."""
    wanted = {}
    for column in spec.columns:
        for text in (column.header, *column.aliases):
            wanted[header_key(text)] = column
    positions: dict[str, int] = {}
    ok = True
    for index, cell in enumerate(header):
        column = wanted.get(header_key(cell)) if cell is not None else None
        if column is None:
            continue  # an extra column (备注 …) is allowed and ignored
        if column.key in positions:
            first = get_column_letter(positions[column.key] + 1)
            errors.append(LedgerError(spec.name, 1, column.header, (
                f"此列出现了两次（第 {first} 列和第 {get_column_letter(index + 1)} 列）"
            )))
            ok = False
        positions[column.key] = index
    for column in spec.columns:
        if column.required and column.key not in positions:
            errors.append(LedgerError(spec.name, 1, None, f"缺少必填列“{column.header}”（表头应在第 1 行）"))
            ok = False
    return positions if ok else None


def _read_sheet(sheet, spec: SheetSpec, errors: list[LedgerError], max_rows: int) -> SheetRows | None:
    sheet.reset_dimensions()  # some writers store a wrong size; read what is really there
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    if all(clean(cell) is None for cell in header):
        errors.append(LedgerError(spec.name, 1, None, "第 1 行应为表头（列名），现为空行"))
        return None
    positions = _header_map(spec, header, errors)
    if positions is None:
        return None
    out = []
    for number, values in enumerate(rows, start=2):
        if number > max_rows + 1:
            # Counted by Excel's row number, blank rows too: a sheet "formatted to the end" or a bomb of
            # a million empty rows is refused here, after max_rows rows, instead of being walked.
            errors.append(LedgerError(spec.name, number, None, (
                f"超过 {max_rows} 行（表头以下的空行也计算在内，LEDGER_MAX_ROWS），未导入。"
                "请删除表末尾多余的空行（选中这些行后“删除行”），或拆分后分批导入"
            )))
            return None
        cells = {key: clean(values[index]) if index < len(values) else None for key, index in positions.items()}
        if all(value is None for value in cells.values()):
            continue  # a blank row
        out.append((number, cells))
    return SheetRows(spec, out)
