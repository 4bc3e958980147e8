"""Open an xlsx for its cell values: openpyxl's read-only workbook, with shared strings and rows read by expat.

openpyxl (3.1) builds an ElementTree element for every node and runs its descriptors for every
shared string: 100k ledger rows took 6 s to read. Here openpyxl still reads the workbook, its
sheet list and styles (which cells are dates), but the shared-strings table and each sheet's rows
are read with expat's callbacks straight into Python values, giving what
iter_rows(values_only=True) gives, 3–4 times faster. Only <sheetData> is looked at, and a DTD is
refused (as defusedxml does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS

CHUNK = 1 << 16  # bytes fed to the parser at a time: rows are handed on as they complete


def open_workbook(path: Path):
    """The workbook at `path`, read-only, values of formulas as last saved; close it after use."""
    reader = _Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def is_data_sheet(sheet) -> bool:
    """A sheet of cells (not a chart sheet)."""
    return isinstance(sheet, Sheet)


def _parser(start, end, text) -> expat.XMLParserType:
    def no_dtd(*_args) -> None:
        raise ValueError("a DTD in a workbook part")

    parser = expat.ParserCreate(namespace_separator=" ")  # names arrive as "namespace local"
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def read_shared_strings(source) -> list[str]:
    """The text of each item of a shared-strings part, as openpyxl's read_string_table gives it.

    An item's text is its <t>, or its runs' <t>s joined; phonetic guides (<rPh>) are left out.
    """
    strings: list[str] = []
    parts: list[str] = []
    depth = {"t": 0, "rPh": 0}

    def start(name: str, _attrs) -> None:
        local = _local(name)
        if local == "si":
            parts.clear()
        elif local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local == "si":
            strings.append("".join(parts).replace("x005F_", ""))
        elif local in depth:
            depth[local] -= 1

    def text(data: str) -> None:
        if depth["t"] and not depth["rPh"]:
            parts.append(data)

    _parser(start, end, text).ParseFile(source)
    return strings


class Sheet(ReadOnlyWorksheet):
    """A read-only sheet that reads its rows with expat and does not look for its stored size.

    openpyxl reads a sheet up to its <dimension> element to learn its size when it is opened; a
    sheet without one was read to its end before any row limit could stop it. The stored size is
    not needed (and some writers store a wrong one): rows come with their own numbers.
    """

    def _get_size(self):
        pass

    def numbered_rows(self) -> Iterator[tuple[int, tuple]]:
        """(Excel row number, values from column A) of each row the sheet stores, in order.

        Rows the sheet does not store (blank ones) are skipped, not filled in; a row's values end
        with its last stored cell.
        """
        book = self.parent
        cells = _Cells(self._shared_strings, book._date_formats, book._timedelta_formats, book.epoch)
        parser = _parser(cells.start, cells.end, cells.text)
        with self._get_source() as source:
            while chunk := source.read(CHUNK):
                parser.Parse(chunk, False)
                yield from cells.take()
            parser.Parse(b"", True)
        yield from cells.take()


class _Cells:
    """expat callbacks that turn <sheetData> into (row number, values) as openpyxl's WorkSheetParser would.

    Elements are told apart by their full name in the main namespace, as openpyxl does; <row>, <c>,
    <v> and <is> occur only in <sheetData>.
    """

    def __init__(self, strings: list[str], date_styles: set[int], timedelta_styles: set[int], epoch):
        self.strings, self.epoch = strings, epoch
        self.date_styles, self.timedelta_styles = date_styles, timedelta_styles
        self.done: list[tuple[int, tuple]] = []
        self.row = 0  # the current row's number
        self.values: dict[int, object] = {}  # column (1 = A) -> value, of the current row
        self.column = 0
        self.kind, self.style, self.inline = "n", 0, False
        self.parts: list[str] | None = None  # text of the current <v>, or of an inline string's <t>s
        self.collecting = False  # inside that <v> or <t>
        self.phonetic = 0
        main = SHEET_MAIN_NS + " "
        self.starts = {main + "row": self._row, main + "c": self._cell, main + "v": self._v, main + "is": self._is,
                       main + "t": self._t, main + "rPh": self._phonetic}
        self.ends = {main + "row": self._row_end, main + "c": self._cell_end, main + "v": self._text_end,
                     main + "t": self._text_end, main + "rPh": self._phonetic_end}

    def take(self) -> list[tuple[int, tuple]]:
        done, self.done = self.done, []
        return done

    def start(self, name: str, attrs: dict) -> None:
        handler = self.starts.get(name)
        if handler is not None:
            handler(attrs)

    def end(self, name: str) -> None:
        handler = self.ends.get(name)
        if handler is not None:
            handler()

    def text(self, data: str) -> None:
        if self.collecting and not self.phonetic:
            self.parts.append(data)

    def _row(self, attrs: dict) -> None:
        number = attrs.get("r")
        self.row = int(float(number)) if number else self.row + 1
        self.values, self.column = {}, 0

    def _cell(self, attrs: dict) -> None:
        reference = attrs.get("r")
        self.column = _column(reference) if reference else self.column + 1
        self.kind, self.style, self.inline = attrs.get("t", "n"), int(attrs.get("s") or 0), False
        self.parts = None

    def _v(self, _attrs: dict) -> None:
        if self.kind != "inlineStr":
            self.parts, self.collecting = [], True

    def _is(self, _attrs: dict) -> None:
        self.inline, self.parts = True, []

    def _t(self, _attrs: dict) -> None:
        self.collecting = self.inline

    def _phonetic(self, _attrs: dict) -> None:
        self.phonetic += 1

    def _phonetic_end(self) -> None:
        self.phonetic -= 1

    def _text_end(self) -> None:
        self.collecting = False

    def _cell_end(self) -> None:
        value = self._value()
        if value is not None:
            self.values[self.column] = value

    def _row_end(self) -> None:
        values = self.values
        width = max(values, default=0)
        self.done.append((self.row, tuple(values.get(column) for column in range(1, width + 1))))

    def _value(self):
        kind, parts = self.kind, self.parts
        if kind == "inlineStr":
            return "".join(parts) if self.inline and parts is not None else None
        text = "".join(parts) if parts else None
        if text is None:
            return None
        if kind == "n":
            number = float(text) if "." in text or "E" in text or "e" in text else int(text)
            if self.style in self.date_styles:
                try:
                    return from_excel(number, self.epoch, timedelta=self.style in self.timedelta_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # openpyxl's value for a date cell out of range
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A)


def _column(reference: str) -> int:
    """The column number (A = 1) of a cell reference such as "AB12"."""
    number = 0
    for char in reference:
        if char.isdigit():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


class _Reader(ExcelReader):
    """openpyxl's read-only reader, with shared strings read by read_shared_strings and sheets opened as Sheet."""

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
            worksheet = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)
