"""Crafted xlsx files: shared strings as Excel saves them, and the "Excel bombs" an import must refuse.

The tests build small ones and set small limits; bench/ledger.py builds full-size ones and keeps
the default limits.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"><is><t((?: xml:space="preserve")?)>(.*?)</t></is></c>', re.S)
_SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
             b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_SST_REL = (b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def rewrite(path: Path, change: Callable[[str, bytes], bytes | None] = lambda name, data: data,
            extra: Iterable[tuple[str, bytes | Iterable[bytes]]] = ()) -> Path:
    """Rewrite the archive at `path`: each member through change(name, data) (None drops it), then `extra`.

    An extra member's content may be an iterable of chunks, streamed into the archive (a bomb of a
    gigabyte never sits in memory).
    """
    source = path.with_name(path.name + ".orig")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for name, content in extra:
            if isinstance(content, bytes):
                new.writestr(name, content)
                continue
            with new.open(name, "w", force_zip64=True) as member:
                for chunk in content:
                    member.write(chunk)
    source.unlink()
    return path


def shared_strings(path: Path, padding: Iterable[bytes] = ()) -> Path:
    """openpyxl's inline strings made one shared-strings table, as Excel and WPS save a workbook.

    `padding` (chunks of <si> items) is appended to the table, unreferenced: a huge table with a
    small sheet.
    """
    table: dict[tuple[str, str], int] = {}

    def shared(match: re.Match) -> str:
        index = table.setdefault((match.group(2), match.group(3)), len(table))
        return f'<c {match.group(1)}t="s"><v>{index}</v></c>'

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return _INLINE.sub(shared, data.decode()).encode()
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", _SST_TYPE)
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", _SST_REL)
        return data

    def table_chunks() -> Iterable[bytes]:
        yield (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(table)}">'
               .encode())
        yield "".join(f"<si><t{space}>{text}</t></si>" for space, text in table).encode()
        yield from padding
        yield b"</sst>"

    # The table is filled while the sheets are rewritten, so it is written last, as a generator.
    return rewrite(path, change, [("xl/sharedStrings.xml", table_chunks())])


def repeated(unit: bytes, total: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    """`unit` repeated to about `total` bytes, in chunks of about `chunk`."""
    block = unit * max(1, chunk // len(unit))
    for _ in range(max(1, total // len(block))):
        yield block


def blank_rows(first: int, last: int, chunk: int = 10_000) -> Iterable[bytes]:
    """The sheet rows first…last, each empty, as Excel writes rows it has formatted."""
    for start in range(first, last + 1, chunk):
        yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + chunk, last + 1))).encode()


def sheet_part(path: Path, sheet: str) -> str:
    """The archive member holding `sheet` (openpyxl names them in sheet order)."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook)
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def header_row(headers: list[str]) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(headers))
    return f'<row r="1">{cells}</row>'.encode()
