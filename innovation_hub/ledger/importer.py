"""Import a ledger (台账) workbook: validate every row first, then write all of it or nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, IntegrityError

from ..catalogue.bulk import RecordError, upsert_all
from ..catalogue.patent_numbers import PatentNumberError
from ..catalogue.services import CatalogueError, UpsertResult
from ..database import write_transaction
from ..extensions import db
from ..models import RecordStatus
from .deletion import delete_missing as delete_missing_records
from .deletion import find_missing
from .errors import LedgerError, LedgerInvalid
from .reader import read_ledger
from .validation import Plan, validate

__all__ = ["ImportReport", "LedgerError", "LedgerInvalid", "import_ledger"]


@dataclass
class ImportReport:
    """What an import wrote (or, for a dry run, would write), sheet by sheet."""

    studios: UpsertResult = field(default_factory=UpsertResult)
    achievements: UpsertResult = field(default_factory=UpsertResult)
    patents: UpsertResult = field(default_factory=UpsertResult)
    titles: int = 0  # rows of the optional 工作室称号 sheet merged into the studios
    dry_run: bool = False
    # Records of the catalogue absent from the file (ledger/deletion.py): always counted, deleted only
    # with delete_missing. `deleted` says whether they were (or, in a dry run, would be).
    missing: dict = field(default_factory=dict)
    deleted: bool = False
    proof_files: list[str] = field(default_factory=list)  # files of deleted records, removed after commit

    def sheet_counts(self) -> dict:
        """{"工作室": {"created", "updated", "unchanged"}, …} for the web page and the job row."""
        return {name: {"created": r.created, "updated": r.updated, "unchanged": r.unchanged}
                for name, r in (("工作室", self.studios), ("成果", self.achievements), ("专利", self.patents))}

    @property
    def created(self) -> int:
        return self.studios.created + self.achievements.created + self.patents.created

    @property
    def updated(self) -> int:
        return self.studios.updated + self.achievements.updated + self.patents.updated

    def describe(self) -> str:
        if self.dry_run:
            lines = ["试运行：校验通过，未写入任何数据。正式导入将会："]
            verbs = ("新增", "更新", "不变")
        else:
            lines = ["导入完成，全部数据已写入："]
            verbs = ("新增", "更新", "未变")
        for name, unit, result in (
            ("工作室", "个", self.studios), ("成果", "项", self.achievements), ("专利", "件", self.patents)
        ):
            counts = (result.created, result.updated, result.unchanged)
            lines.append(f"  {name}：" + "，".join(f"{verb} {n} {unit}" for verb, n in zip(verbs, counts, strict=True)))
        if self.titles:
            lines.append(f"  工作室称号：{self.titles} 条已合并到工作室")
        lines += self.describe_missing()
        return "\n".join(lines)

    def describe_missing(self) -> list[str]:
        m = self.missing
        if not m:
            return []
        found = f"工作室 {m['studios']} 个，成果 {m['achievements']} 项，专利 {m['patents']} 件"
        if self.deleted:
            lines = [f"  文件中没有的记录{'将被' if self.dry_run else '已'}删除：{found}"]
        elif m["studios"] or m["achievements"] or m["patents"]:
            lines = [f"  文件中没有、可删除的记录：{found}（未删除；加 --delete-missing 才删除）"]
        else:
            lines = []
        for reason, kept in m["kept"].items():
            lines.append(f"  文件中没有但不能删除、予以保留：{reason} {kept['count']} 个（{'、'.join(kept['names'])}"
                         f"{'…' if kept['count'] > len(kept['names']) else ''}）")
        return lines


class _DryRunDone(Exception):
    """Raised inside the write transaction of a dry run so that it rolls back."""


def _each(progress: Callable | None, items: list, label: str):
    return progress(items, length=len(items), label=label) if progress is not None else nullcontext(items)


def import_ledger(path: str | os.PathLike, dry_run: bool = False, progress: Callable | None = None,
                  delete_missing: bool = False) -> ImportReport:
    """Import the workbook at `path`; raise LedgerInvalid (nothing written) when any row is wrong.

    A dry run validates the same way and then runs the whole write in a transaction that is
    rolled back, so its counts are exactly what a real import would do. The records absent from
    the file are counted either way; `delete_missing` deletes them in the same transaction.
    The command line and the web page (ledger/services.py) both come here.
    """
    sheets = read_ledger(path)
    plan = validate(sheets, progress=_wrap(progress))
    report = ImportReport(titles=plan.title_rows, dry_run=dry_run, deleted=delete_missing)
    session = db.session()
    if dry_run and session.info.get("in_write"):
        # Inside an outer transaction our rollback would not be ours to make.
        raise RuntimeError("a dry-run import cannot join an open write transaction")
    try:
        with write_transaction():
            _write(plan, report, progress)
            missing = find_missing(plan)
            report.missing = missing.counts()
            if delete_missing:
                report.proof_files = _delete(missing)
            if dry_run:
                raise _DryRunDone
    except _DryRunDone:
        pass
    return report


def _delete(missing) -> list[str]:
    try:
        return delete_missing_records(missing)
    except (IntegrityError, DataError) as error:
        # A table of a feature this module does not know still refers to a record: keep everything.
        raise LedgerInvalid([LedgerError(None, None, None, (
            "删除文件中没有的记录时，数据库拒绝删除（仍有其他数据引用这些记录），未导入任何数据"
        ))]) from error


def _wrap(progress: Callable | None) -> Callable:
    return lambda items, label: _each(progress, items, label)


_SHEETS = {"studio": "工作室", "achievement": "成果", "patent": "专利"}


def _write(plan: Plan, report: ImportReport, progress: Callable | None) -> None:
    """All rows in one bulk upsert (catalogue/bulk.py: the services' rules, a few statements per sheet)."""
    rows = {"studio": plan.studios, "achievement": plan.achievements, "patent": plan.patents}
    try:
        result = upsert_all(
            [data for _, data in plan.studios], [data for _, data in plan.achievements],
            [data for _, data in plan.patents], status=RecordStatus.APPROVED,
            progress=lambda kind, items: _each(progress, items, f"写入“{_SHEETS[kind]}”"),
        )
    except RecordError as error:
        number = rows[error.kind][error.index][0]
        raise LedgerInvalid([LedgerError(_SHEETS[error.kind], number, None, str(error))]) from error
    except (CatalogueError, PatentNumberError) as error:
        raise LedgerInvalid([LedgerError(None, None, None, str(error))]) from error
    except (IntegrityError, DataError) as error:
        raise LedgerInvalid([LedgerError(None, None, None, (
            "数据库拒绝写入（与同时写入的数据冲突或超出长度），未导入任何数据，请稍后重试"
        ))]) from error
    report.studios, report.achievements, report.patents = result.studios, result.achievements, result.patents
