"""Write the catalogue as a ledger (台账) workbook in the import template."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import nullcontext

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..catalogue.models import Achievement, Patent, Person, Studio
from ..extensions import db
from ..models import RecordStatus
from ..workbooks import add_sheet, new_workbook, save_atomically, write_rows
from .template import ACHIEVEMENTS, PATENTS, STUDIOS, TITLES


def build_workbook(studios: Iterable | None = None, achievements: Iterable | None = None,
                   patents: Iterable | None = None, titles: Iterable | None = None,
                   *, progress: Callable | None = None) -> Workbook:
    """A workbook with a sheet for each iterable given; with none given, the blank template."""
    given = [(spec, records) for spec, records in
             ((STUDIOS, studios), (ACHIEVEMENTS, achievements), (PATENTS, patents), (TITLES, titles))
             if records is not None]
    if not given:
        given = [(STUDIOS, []), (ACHIEVEMENTS, []), (PATENTS, [])]
    workbook = new_workbook()
    for spec, records in given:
        sheet = add_sheet(workbook, spec)
        if progress is not None:
            records = list(records)
            wrapper = progress(records, length=len(records), label=f"导出“{spec.name}”")
        else:
            wrapper = nullcontext(records)
        with wrapper as rows:
            write_rows(sheet, spec, rows)
    return workbook


def _all_studios() -> list[Studio]:
    return list(db.session.execute(
        select(Studio)
        .options(selectinload(Studio.titles), selectinload(Studio.leader).selectinload(Person.honours))
        .order_by(Studio.id)
    ).scalars())


def _approved_achievements() -> list[Achievement]:
    return list(db.session.execute(
        select(Achievement)
        .where(Achievement.status == RecordStatus.APPROVED)
        .options(selectinload(Achievement.studio), selectinload(Achievement.completer_links))
        .order_by(Achievement.id)
    ).scalars())


def _approved_patents() -> list[Patent]:
    return list(db.session.execute(
        select(Patent)
        .where(Patent.status == RecordStatus.APPROVED)
        .options(
            selectinload(Patent.studio), selectinload(Patent.achievement), selectinload(Patent.inventor_links)
        )
        .order_by(Patent.id)
    ).scalars())


def catalogue_workbook(progress: Callable | None = None) -> tuple[Workbook, dict[str, int]]:
    """Every studio (with its title history) and the approved achievements and patents, and their counts."""
    studios = _all_studios()
    achievements = _approved_achievements()
    patents = _approved_patents()
    titles = [title for studio in studios for title in studio.titles]
    workbook = build_workbook(studios, achievements, patents, titles, progress=progress)
    return workbook, {"studios": len(studios), "achievements": len(achievements), "patents": len(patents)}


def export_ledger(path: str | os.PathLike, progress: Callable | None = None) -> dict[str, int]:
    """Write the catalogue_workbook() to `path`."""
    workbook, counts = catalogue_workbook(progress)
    save_atomically(workbook, path)
    return counts
