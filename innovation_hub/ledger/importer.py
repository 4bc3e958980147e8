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
        return "\n".join(lines)


class _DryRunDone(Exception):
    """Raised inside the write transaction of a dry run so that it rolls back."""


def _each(progress: Callable | None, items: list, label: str):
    return progress(items, length=len(items), label=label) if progress is not None else nullcontext(items)


def import_ledger(path: str | os.PathLike, dry_run: bool = False, progress: Callable | None = None) -> ImportReport:
    """Import the workbook at `path`; raise LedgerInvalid (nothing written) when any row is wrong.

    A dry run validates the same way and then runs the whole write in a transaction that is
    rolled back, so its counts are exactly what a real import would do.
    """
    sheets = read_ledger(path)
    plan = validate(sheets, progress=_wrap(progress))
    report = ImportReport(titles=plan.title_rows, dry_run=dry_run)
    session = db.session()
    if dry_run and session.info.get("in_write"):
        # Inside an outer transaction our rollback would not be ours to make.
        raise RuntimeError("a dry-run import cannot join an open write transaction")
    try:
        with write_transaction():
            _write(plan, report, progress)
            if dry_run:
                raise _DryRunDone
    except _DryRunDone:
        pass
    return report


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
