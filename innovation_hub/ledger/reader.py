"""Read a ledger workbook into rows of cleaned cell values keyed by the template's columns."""

from __future__ import annotations

import logging
import os
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .errors import LedgerError, LedgerInvalid
from .template import SHEETS, SheetSpec, clean, header_key

log = logging.getLogger(__name__)
MAX_ROWS = 100_000  # a ledger is a few thousand rows; more is a wrong file or a formatted-to-the-end sheet


@dataclass
class SheetRows:
    spec: SheetSpec
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, {column key: cleaned value or None})


def read_ledger(path: str | os.PathLike) -> dict[str, SheetRows]:
    """The template's sheets found in the workbook, by sheet name; raise LedgerInvalid on a bad file."""
    if not Path(path).is_file():
        raise LedgerInvalid([LedgerError(None, None, None, f"文件“{Path(path).name}”不存在")])
    with warnings.catch_warnings():
        # Workbooks saved by Excel or WPS carry data-validation extensions, conditional formats or
        # no default style, and openpyxl warns that it drops them. The ledger reads cell values
        # only, so those warnings tell the user nothing (and pytest would turn them into errors).
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        workbook = _open(path)
        try:
            return _read_sheets(workbook)
        finally:
            workbook.close()


def _open(path: str | os.PathLike):
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a non-xlsx file: openpyxl raises BadZipFile, KeyError, InvalidFileException…
        log.debug("cannot open %s", path, exc_info=True)
        raise LedgerInvalid([LedgerError(None, None, None, (
            f"文件“{Path(path).name}”不是有效的 Excel 工作簿（.xlsx），无法读取。"
            "请在 Excel 或 WPS 中另存为“Excel 工作簿 (*.xlsx)”后再导入。"
        ))]) from error


def _read_sheets(workbook) -> dict[str, SheetRows]:
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
            rows = _read_sheet(sheet, spec, errors)
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


def _read_sheet(sheet, spec: SheetSpec, errors: list[LedgerError]) -> SheetRows | None:
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
        cells = {key: clean(values[index]) if index < len(values) else None for key, index in positions.items()}
        if all(value is None for value in cells.values()):
            continue  # a blank row
        if len(out) >= MAX_ROWS:
            errors.append(LedgerError(spec.name, number, None, f"行数超过 {MAX_ROWS} 行，请拆分后分批导入"))
            return None
        out.append((number, cells))
    return SheetRows(spec, out)
