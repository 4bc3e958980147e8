"""Check an xlsx archive before openpyxl opens it: an "Excel bomb" is a small file that inflates to gigabytes.

An xlsx is a zip archive of XML parts. openpyxl reads the whole shared-strings table into memory
and walks every row of a sheet, so a 3 MiB file whose sheet inflated to 1.1 GB of blank rows ran
for minutes at 1.2 GB of memory. Before anything is decompressed, the archive's own directory is
checked against the limits in the settings (LEDGER_MAX_*): the file's size, the number of members,
that every member is a part an xlsx holds, each member's and the total uncompressed size, and the
compression ratio. The sizes checked are the ones the reader is held to: Python's zipfile stops a
member at its declared size (and fails its checksum), so a member cannot inflate beyond them.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import LedgerError, LedgerInvalid

MIB = 1024 * 1024
RATIO_FROM = 1 * MIB  # a smaller member cannot hurt, whatever its ratio (tiny XML parts compress 10–50×)
# What Excel, WPS, LibreOffice and openpyxl put in an xlsx: the content types, relationships, document
# properties, the workbook's parts and custom XML. Anything else (a path climbing out with "..", an
# executable, a macro project) is not a ledger.
_PART = re.compile(r"(\[Content_Types\]\.xml|(_rels|docProps|xl|customXml)/[^\\:]*)")
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22


@dataclass(frozen=True)
class Limits:
    """The import's limits (config.py: LEDGER_MAX_*)."""

    rows: int  # rows of one sheet below its header, blank rows included
    file_bytes: int  # the xlsx file itself
    members: int  # files inside the archive
    member_bytes: int  # one file, uncompressed
    total_bytes: int  # all files, uncompressed
    ratio: int  # uncompressed ÷ compressed size of one file (of RATIO_FROM or more)

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(rows=config["LEDGER_MAX_ROWS"], file_bytes=config["LEDGER_MAX_FILE_BYTES"],
                   members=config["LEDGER_MAX_MEMBERS"], member_bytes=config["LEDGER_MAX_MEMBER_BYTES"],
                   total_bytes=config["LEDGER_MAX_TOTAL_BYTES"], ratio=config["LEDGER_MAX_RATIO"])


def size_text(count: int) -> str:
    """A byte count as people read it: 1.5 GB, 12.0 MB, 800 KB."""
    for unit, size in (("GB", 1024 * MIB), ("MB", MIB), ("KB", 1024)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} 字节"


def describe_part(name: str) -> str:
    """A member's name with what it is, so a refusal names what was too big."""
    if name == "xl/sharedStrings.xml":
        return f"共享字符串表（{name}）"
    if name.startswith("xl/worksheets/"):
        return f"工作表数据（{name}）"
    return f"文件“{name}”"


def check_archive(path: Path, limits: Limits) -> None:
    """Raise LedgerInvalid unless `path` is a zip archive an xlsx could be and within `limits`."""
    size = path.stat().st_size
    if size > limits.file_bytes:
        _refuse(f"文件“{path.name}”有 {size_text(size)}，超过导入上限 {size_text(limits.file_bytes)}"
                "（LEDGER_MAX_FILE_BYTES）。台账只含文字和数字，请删除图片等内容或拆分后分批导入。")
    with path.open("rb") as handle:
        declared = _declared_members(handle, size)
    if declared is None:
        raise not_a_workbook(path)
    if declared > limits.members:
        _refuse(_too_many(path, declared, limits))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as error:
        raise not_a_workbook(path) from error
    if len(members) > limits.members:  # a zip64 directory can hold more than its end record says
        _refuse(_too_many(path, len(members), limits))
    names = set()
    total = 0
    for member in members:
        name = member.filename
        if not _PART.fullmatch(name) or "/../" in f"/{name}/" or name in names:
            _refuse(f"文件“{path.name}”中有 xlsx 工作簿不应有的内容“{name[:80]}”，不是 Excel 或 WPS 保存的工作簿，"
                    "未导入。请在 Excel 或 WPS 中另存为“Excel 工作簿 (*.xlsx)”后再导入。")
        names.add(name)
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise not_a_workbook(path)
        if member.file_size > limits.member_bytes:
            _refuse(f"{describe_part(name)}解压后有 {size_text(member.file_size)}，超过上限 "
                    f"{size_text(limits.member_bytes)}（LEDGER_MAX_MEMBER_BYTES），未导入。"
                    "这样大的内容不是正常的台账，可能是“压缩炸弹”文件；确为台账时请拆分后分批导入。")
        if member.file_size >= RATIO_FROM and member.file_size > limits.ratio * max(member.compress_size, 1):
            ratio = member.file_size / max(member.compress_size, 1)
            _refuse(f"{describe_part(name)}的压缩比为 {ratio:.0f} 倍（{size_text(member.compress_size)} 解压为 "
                    f"{size_text(member.file_size)}），超过上限 {limits.ratio} 倍（LEDGER_MAX_RATIO），未导入。"
                    "正常的表格数据压缩比在 20 倍以下，这样的文件可能是“压缩炸弹”（例如含有大量空行）。")
        total += member.file_size
    if total > limits.total_bytes:
        _refuse(f"文件“{path.name}”解压后共有 {size_text(total)}，超过上限 {size_text(limits.total_bytes)}"
                "（LEDGER_MAX_TOTAL_BYTES），未导入。确为台账时请拆分后分批导入。")


def not_a_workbook(path: Path) -> LedgerInvalid:
    return LedgerInvalid([LedgerError(None, None, None, (
        f"文件“{path.name}”不是有效的 Excel 工作簿（.xlsx），无法读取。"
        "请在 Excel 或 WPS 中另存为“Excel 工作簿 (*.xlsx)”后再导入。"
    ))])


def _too_many(path: Path, count: int, limits: Limits) -> str:
    return (f"文件“{path.name}”内含 {count} 个部件，超过上限 {limits.members} 个（LEDGER_MAX_MEMBERS），未导入。"
            "Excel 保存的台账只有十几个部件，请在 Excel 或 WPS 中另存为“Excel 工作簿 (*.xlsx)”后再导入。")


def _declared_members(handle, size: int) -> int | None:
    """The member count in the zip's end record, read before zipfile parses the whole directory; None if no zip.

    A zip64 archive says 0xFFFF there and keeps the real count elsewhere: infolist() is checked too.
    """
    tail_size = min(size, _END_RECORD_SIZE + 0xFFFF)  # the record, then a comment of at most 64 KiB
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < _END_RECORD_SIZE:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


def _refuse(message: str) -> None:
    raise LedgerInvalid([LedgerError(None, None, None, message)])
