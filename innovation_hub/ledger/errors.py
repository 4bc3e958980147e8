"""Ledger import errors: each names its sheet, Excel row and column in Chinese."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerError:
    """One problem in a ledger workbook; sheet, row and column are None when they do not apply."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ""
        if self.sheet:
            where = f"工作表“{self.sheet}”"
            if self.row:
                where += f" 第 {self.row} 行"
            if self.column:
                where += f" “{self.column}”列"
        return f"{where}：{self.message}" if where else self.message


class LedgerInvalid(Exception):
    """The workbook cannot be imported; nothing was written."""

    def __init__(self, errors: list[LedgerError]):
        self.errors = list(errors)
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [str(error) for error in self.errors]
        lines.append(f"共 {len(self.errors)} 处错误，未导入任何数据。")
        return "\n".join(lines)
