"""Safe xlsx writing from sheet specs (the ledger's, the awards' exports): text is always text (never a formula),
dates are dates, headers are styled."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .sheets import SheetSpec

# Text starting with one of these is run as a formula by a spreadsheet (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")


def set_value(cell, value: Any, number_format: str | None = None) -> None:
    """Write `value` into `cell`; text always becomes a string cell, whatever it starts with.

    openpyxl turns any string starting with "=" into a formula cell and "#N/A" into an error
    cell (DESIGN.md), so the type is forced back to "s" after assigning; a leading formula
    character also gets Excel's quote prefix so Excel shows and edits it as text.
    """
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
        return
    cell.value = value
    if value is not None and number_format:
        cell.number_format = number_format


def new_workbook() -> Workbook:
    """An empty workbook without openpyxl's default sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(workbook: Workbook, spec: SheetSpec) -> Worksheet:
    """A sheet with the template's header row: bold, required columns tinted, frozen, sized."""
    sheet = workbook.create_sheet(spec.name)
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        set_value(cell, column.header)
        cell.font = _HEADER_FONT
        cell.alignment = _HEADER_ALIGNMENT
        if column.required:
            cell.fill = _REQUIRED_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            # A drop-down of the labels; Excel rejects a typed value outside the list.
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="无效的值", error=f"请从列表中选择{column.header}",
            )
            validation.add(f"{letter}2:{letter}1048576")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    return sheet


def write_rows(sheet: Worksheet, spec: SheetSpec, records: Iterable) -> int:
    """Append one row per record with the spec's formatters; return how many were written."""
    count = 0
    for row, record in enumerate(records, start=2):
        for index, column in enumerate(spec.columns, start=1):
            set_value(sheet.cell(row=row, column=index), column.export(record), column.number_format)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{count + 1}"
    return count


def save_atomically(workbook: Workbook, path: str | os.PathLike) -> None:
    """Save next to `path` and rename, so a failed export never leaves half a file behind."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        workbook.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
