"""Validate every row of a ledger, within and across sheets, and turn it into service data."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..catalogue import patent_numbers
from ..catalogue.models import Achievement, Patent, Studio, highest_valid_title
from ..catalogue.services import AchievementData, PatentData, StudioData, TitleData
from ..extensions import db
from ..models import RecordStatus, TitleState
from .errors import LedgerError, LedgerInvalid
from .reader import SheetRows
from .template import ACHIEVEMENTS, PATENTS, SHEETS, STUDIOS, TITLES, CellError

_CHUNK = 500  # names per IN (…) lookup, well under any database's parameter limit


@dataclass
class Row:
    number: int  # Excel's row number
    values: dict[str, Any]  # parsed values; None where the cell could not be read
    ok: bool = True  # every cell was read


@dataclass
class Plan:
    """Service data for each valid row, in file order, with its Excel row number."""

    studios: list[tuple[int, StudioData]]
    achievements: list[tuple[int, AchievementData]]
    patents: list[tuple[int, PatentData]]
    title_rows: int = 0


def validate(sheets: dict[str, SheetRows], progress: Callable) -> Plan:
    """The import plan; raise LedgerInvalid listing every error of every sheet."""
    errors: list[LedgerError] = []
    parsed = {spec.name: _parse(sheets[spec.name], errors, progress) if spec.name in sheets else []
              for spec in SHEETS}
    studios, achievements = parsed[STUDIOS.name], parsed[ACHIEVEMENTS.name]
    patents, titles = parsed[PATENTS.name], parsed[TITLES.name]
    _check_patent_rows(patents, errors)
    studio_rows = _unique(studios, STUDIOS.name, "名称", lambda v: v["name"],
                          lambda k: f"工作室“{k}”", errors)
    achievement_rows = _unique(achievements, ACHIEVEMENTS.name, "成果名称", lambda v: _pair(v, "studio", "title"),
                               lambda k: f"工作室“{k[0]}”的成果“{k[1]}”", errors)
    _unique(patents, PATENTS.name, "专利号", lambda v: v["number"],
            lambda k: f"专利号 {patent_numbers.display(k)} ", errors)
    _unique(titles, TITLES.name, "年份", _triple,
            lambda k: f"工作室“{k[0]}”的{k[1].label}称号（{k[2]}）", errors)
    _check_links(studio_rows.keys(), achievement_rows.keys(), achievements, patents, titles, errors)
    hidden = _unpublished_links({row.values["number"] for row in patents if row.values["number"]})
    plan = Plan(
        studios=_studio_plan(studios, titles, errors),
        achievements=[(row.number, _achievement_data(row.values)) for row in achievements],
        patents=[(row.number, _patent_data(row.values, hidden)) for row in patents],
        title_rows=len(titles),
    )
    if errors:
        raise LedgerInvalid(sorted(errors, key=_error_order))
    return plan


def _parse(sheet: SheetRows, errors: list[LedgerError], progress: Callable) -> list[Row]:
    """Each row's cells read by its column's parser; a missing required value is an error."""
    spec = sheet.spec
    out = []
    with progress(sheet.rows, f"校验“{spec.name}”") as rows:
        for number, cells in rows:
            values, ok = {}, True
            for column in spec.columns:
                raw = cells.get(column.key)
                if raw is None:
                    values[column.key] = column.default
                    if column.required:
                        errors.append(LedgerError(spec.name, number, column.header, "必填，不能为空"))
                        ok = False
                    continue
                try:
                    values[column.key] = column.parse(raw)
                except CellError as error:
                    values[column.key] = None
                    ok = False
                    errors.append(LedgerError(spec.name, number, column.header, str(error)))
            out.append(Row(number, values, ok))
    return out


def _pair(values: dict, first: str, second: str) -> tuple | None:
    return (values[first], values[second]) if values[first] and values[second] else None


def _triple(values: dict) -> tuple | None:
    key = (values["studio"], values["level"], values["year"])
    return key if all(key) else None


def _check_patent_rows(patents: list[Row], errors: list[LedgerError]) -> None:
    """Within one patent row: the kind the number says, and grant not before filing."""
    for row in patents:
        number, kind = row.values["number"], row.values["kind"]
        if number and kind and patent_numbers.kind_of(number) is not kind:
            errors.append(LedgerError(PATENTS.name, row.number, "专利类型", (
                f"专利号 {patent_numbers.display(number)} 表示{patent_numbers.kind_of(number).label}专利，"
                f"与专利类型“{kind.label}”不符"
            )))
        filed, granted = row.values["filing_date"], row.values["grant_date"]
        if filed and granted and granted < filed:
            errors.append(LedgerError(PATENTS.name, row.number, "授权日", (
                f"授权日 {granted.isoformat()} 早于申请日 {filed.isoformat()}"
            )))


def _unique(rows: list[Row], sheet: str, column: str, key_of: Callable[[dict], Hashable | None],
            describe: Callable[[Any], str], errors: list[LedgerError]) -> dict[Hashable, Row]:
    """{key: first row}; a later row with the same key is an error naming both rows."""
    seen: dict[Hashable, Row] = {}
    for row in rows:
        key = key_of(row.values)
        if key is None:
            continue  # part of the key is missing or unreadable: already reported
        if key in seen:
            errors.append(LedgerError(sheet, row.number, column, (
                f"{describe(key)}与第 {seen[key].number} 行重复"
            )))
        else:
            seen[key] = row
    return seen


def _chunks(items: Iterable) -> Iterable[list]:
    items = sorted(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _existing_studios(names: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(names):
        found.update(db.session.execute(select(Studio.name).where(Studio.name.in_(chunk))).scalars())
    return found


def _existing_achievements(studio_names: set[str]) -> set[tuple[str, str]]:
    """(studio name, achievement title) of every achievement, in any state, of these studios."""
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(studio_names):
        found.update(db.session.execute(
            select(Studio.name, Achievement.title).join(Achievement.studio).where(Studio.name.in_(chunk))
        ).tuples())
    return found


def _unpublished_links(numbers: set[str]) -> dict[str, tuple[str, str]]:
    """{patent number: (studio, title)} of patents linked to an achievement that is not public.

    The export names only public achievements, so a blank 关联成果 for such a patent is the
    export's silence, not a request to unlink: the link is kept (nothing saved is lost).
    """
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(numbers):
        rows = db.session.execute(
            select(Patent.number, Studio.name, Achievement.title)
            .join(Patent.achievement).join(Achievement.studio)
            .where(Patent.number.in_(chunk), Achievement.status != RecordStatus.APPROVED)
        ).tuples()
        found.update((number, (studio, title)) for number, studio, title in rows)
    return found


def _check_links(file_studios, file_achievements, achievements: list[Row], patents: list[Row],
                 titles: list[Row], errors: list[LedgerError]) -> None:
    """所属工作室 and 关联成果 must name a record of this file or of the database."""
    file_studios, file_achievements = set(file_studios), set(file_achievements)
    named = {row.values["studio"] for row in achievements + patents if row.values["studio"]}
    known = file_studios | _existing_studios(named - file_studios)
    for sheet, rows in ((ACHIEVEMENTS.name, achievements), (PATENTS.name, patents)):
        for row in rows:
            name = row.values["studio"]
            if name and name not in known:
                errors.append(LedgerError(sheet, row.number, "所属工作室", (
                    f"工作室“{name}”既不在“工作室”表中，也不在数据库中"
                )))
    for row in titles:
        name = row.values["studio"]
        if name and name not in file_studios:
            errors.append(LedgerError(TITLES.name, row.number, "工作室名称", (
                f"工作室“{name}”不在“工作室”表中（称号须与其工作室一并导入）"
            )))
    wanted = {(row.values["studio"], row.values["achievement"]) for row in patents
              if row.values["studio"] in known and row.values["achievement"]}
    missing = wanted - file_achievements
    existing = _existing_achievements({studio for studio, _ in missing}) if missing else set()
    for row in patents:
        key = (row.values["studio"], row.values["achievement"])
        if key in missing and key not in existing:
            errors.append(LedgerError(PATENTS.name, row.number, "关联成果", (
                f"“{key[1]}”不是工作室“{key[0]}”的成果（“成果”表和数据库中都没有）"
            )))


def _studio_plan(studios: list[Row], titles: list[Row], errors: list[LedgerError]) -> list[tuple[int, StudioData]]:
    """StudioData per row; the row's 级别 + 命名年份 merged with its 工作室称号 history.

    A title listed in both keeps the history's details and state: the history is the record,
    the 工作室 sheet's pair is its summary. The summary must be the history's highest valid title.
    """
    history: dict[str, list[TitleData]] = {}
    for row in titles:
        v = row.values
        if row.ok:  # a title with an unreadable cell would only add errors that are not there
            history.setdefault(v["studio"], []).append(TitleData(
                level=v["level"], year=v["year"], conferred_by=v["conferred_by"] or "",
                doc_number=v["doc_number"] or "", state=v["state"] or TitleState.VALID,
            ))
    out = []
    for row in studios:
        v = row.values
        studio_titles = list(history.get(v["name"], []))
        if v["level"] and v["named_year"]:
            main = (v["level"], v["named_year"])
            if main not in {(t.level, t.year) for t in studio_titles}:
                studio_titles.insert(0, TitleData(level=v["level"], year=v["named_year"]))
            best = highest_valid_title(studio_titles)
            if best is not None and (best.level, best.year) != main:
                errors.append(LedgerError(STUDIOS.name, row.number, "级别", (
                    f"级别和命名年份（{main[0].label} {main[1]}）与“工作室称号”表不一致："
                    f"其中有效的最高称号是{best.level.label}（{best.year}）"
                )))
        out.append((row.number, StudioData(
            name=v["name"], host_unit=v["host_unit"], industry=v["industry"], district=v["district"],
            leader_name=v["leader"], leader_honours=v["honours"] or [], titles=studio_titles,
            members=v["members"], intro=v["intro"] or "",
        )))
    return out


def _achievement_data(v: dict) -> AchievementData:
    return AchievementData(
        studio_name=v["studio"], title=v["title"], category=v["category"], year=v["year"],
        completers=v["completers"] or [], value_wan=v["value_wan"], summary=v["summary"] or "",
    )


def _patent_data(v: dict, hidden: dict[str, tuple[str, str]]) -> PatentData:
    related = v["achievement"] or ""
    if not related and v["number"] in hidden and hidden[v["number"]][0] == v["studio"]:
        related = hidden[v["number"]][1]
    return PatentData(
        number=v["number"], title=v["title"], kind=v["kind"], studio_name=v["studio"],
        inventors=v["inventors"] or [], patentee=v["patentee"] or "", filing_date=v["filing_date"],
        grant_date=v["grant_date"], achievement_title=related, abstract=v["abstract"] or "",
    )


def _error_order(error: LedgerError) -> tuple:
    """Sheets in template order, then rows, then columns left to right."""
    names = [spec.name for spec in SHEETS]
    sheet = names.index(error.sheet) if error.sheet in names else -1
    spec = SHEETS[sheet] if sheet >= 0 else None
    headers = [c.header for c in spec.columns] if spec else []
    column = headers.index(error.column) if error.column in headers else -1
    return sheet, error.row or 0, column
