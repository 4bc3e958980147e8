"""Read a ledger workbook into rows of cleaned cell values keyed by the template's columns."""

from __future__ import annotations

import logging
import os
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from openpyxl.utils import get_column_letter

from ..sheets import SheetSpec
from .archive import Limits, check_archive, not_a_workbook
from .errors import LedgerError, LedgerInvalid
from .template import SHEETS, clean, header_key
from .xlsx import is_data_sheet, open_workbook

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


def _open(path: Path):
    try:
        return open_workbook(path)
    except Exception as error:  # a non-xlsx file: openpyxl raises BadZipFile, KeyError, InvalidFileException…
        log.debug("cannot open %s", path, exc_info=True)
        raise not_a_workbook(path) from error


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
        if not is_data_sheet(sheet):
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
    rows = sheet.numbered_rows()
    number, header = next(rows, (1, ()))
    if number != 1 or all(clean(cell) is None for cell in header):
        errors.append(LedgerError(spec.name, 1, None, "第 1 行应为表头（列名），现为空行"))
        return None
    positions = _header_map(spec, header, errors)
    if positions is None:
        return None
    out = []
    for number, values in rows:
        if number > max_rows + 1:
            # Counted by Excel's row number, blank rows too: a sheet "formatted to the end" or a bomb of
            # a million empty rows is refused at the first row past the limit, not walked.
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
