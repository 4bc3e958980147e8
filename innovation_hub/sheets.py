"""What an xlsx sheet holds, column by column (header, how a cell is read and written): the ledger's
template and the awards' exports describe their sheets with these; workbooks.py writes them.

No openpyxl here: a sheet spec is imported at start-up, the spreadsheet library only when a file is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    parse: Callable[[Any], Any]
    export: Callable[[Any], Any]
    width: int = 12
    number_format: str | None = None
    choices: tuple[str, ...] = ()  # an in-cell drop-down list of the Chinese labels
    aliases: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)
