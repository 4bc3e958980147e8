"""Read-side queries of the public catalogue: filters, lists, record pages, figures.

Only approved achievements and patents are public. Every query here loads what its page
shows in a constant number of statements (no N+1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ..errors import BadRequest
from ..extensions import db
from ..models import (
    Category,
    District,
    LegalStatus,
    Level,
    PatentKind,
    RecordStatus,
    StudioStatus,
    ValueStatus,
    local_today,
)
from ..request_args import bool_arg, enum_arg, flag_arg, int_arg
from . import legal_status as legal
from .models import Achievement, AchievementCompleter, LeaderTerm, Patent, PatentInventor, Person, Studio, ValueLine

APPROVED = RecordStatus.APPROVED


@dataclass(frozen=True)
class StudioFilters:
    level: Level | None = None
    industry: str | None = None
    district: District | None = None
    q: str | None = None  # a substring of the name or the host unit
    # 摘牌 studios leave the lists and counts unless asked for (含已摘牌, include_delisted=1).
    include_delisted: bool = False

    @classmethod
    def from_args(cls, args: MultiDict) -> StudioFilters:
        return cls(
            level=enum_arg(args, "level", Level, "级别"),
            industry=(args.get("industry") or "").strip() or None,
            district=enum_arg(args, "district", District, "所在地区"),
            q=" ".join((args.get("q") or "").split())[:100] or None,
            include_delisted=flag_arg(args, "include_delisted", "含已摘牌"),
        )

    def apply(self, stmt: Select) -> Select:
        if not self.include_delisted:
            stmt = stmt.where(Studio.status == StudioStatus.ACTIVE)
        for word in (self.q or "").split():
            stmt = stmt.where(or_(Studio.name.icontains(word, autoescape=True),
                                  Studio.host_unit.icontains(word, autoescape=True)))
        if self.level:
            stmt = stmt.where(Studio.level == self.level)
        if self.industry:
            stmt = stmt.where(Studio.industry == self.industry)
        if self.district:
            stmt = stmt.where(Studio.district == self.district)
        return stmt

    def as_args(self) -> dict[str, str]:
        return _as_args(self)


@dataclass(frozen=True)
class AchievementFilters:
    category: Category | None = None
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    studio_id: int | None = None
    level: Level | None = None
    industry: str | None = None
    district: District | None = None
    q: str | None = None
    sort: str | None = None  # None: newest first; "value": highest economic value first
    value: ValueStatus | None = None  # achievements with a value line 已核实 (or 自报)

    @classmethod
    def from_args(cls, args: MultiDict) -> AchievementFilters:
        sort = (args.get("sort") or "").strip() or None
        if sort not in (None, "value"):
            raise BadRequest(f"排序方式“{sort}”无效，可选：最新、经济效益（sort=value）")
        q = " ".join((args.get("q") or "").split())[:100] or None
        return cls(
            category=enum_arg(args, "category", Category, "类别"),
            year=int_arg(args, "year", "年份"),
            year_from=int_arg(args, "year_from", "起始年份"),
            year_to=int_arg(args, "year_to", "截止年份"),
            studio_id=int_arg(args, "studio", "工作室编号", 1, 2**31),
            level=enum_arg(args, "level", Level, "级别"),
            industry=(args.get("industry") or "").strip() or None,
            district=enum_arg(args, "district", District, "所在地区"),
            q=q,
            sort=sort,
            value=enum_arg(args, "value", ValueStatus, "经济效益状态"),
        )

    def apply(self, stmt: Select) -> Select:
        for word in (self.q or "").split():
            # icontains: ILIKE on PostgreSQL, whose LIKE is case-sensitive (SQLite's is not for ASCII): plc finds PLC.
            stmt = stmt.where(or_(Achievement.title.icontains(word, autoescape=True),
                                  Achievement.summary.icontains(word, autoescape=True)))
        if self.category:
            stmt = stmt.where(Achievement.category == self.category)
        if self.year:
            stmt = stmt.where(Achievement.year == self.year)
        if self.year_from:
            stmt = stmt.where(Achievement.year >= self.year_from)
        if self.year_to:
            stmt = stmt.where(Achievement.year <= self.year_to)
        if self.studio_id:
            stmt = stmt.where(Achievement.studio_id == self.studio_id)
        if self.value:
            lines = select(ValueLine.achievement_id).where(ValueLine.status == self.value)
            stmt = stmt.where(Achievement.id.in_(lines))
        # A record keeps its place when its studio is 摘牌: only the studio lists leave those studios out.
        studio_filters = StudioFilters(self.level, self.industry, self.district, include_delisted=True)
        if studio_filters != StudioFilters(include_delisted=True):
            stmt = studio_filters.apply(stmt.join(Achievement.studio))
        return stmt

    def as_args(self) -> dict[str, str]:
        return _as_args(self)


def _keyword_arg(args: MultiDict) -> str | None:
    return " ".join((args.get("q") or "").split())[:100] or None


def _number_digits(word: str) -> str | None:
    """The digits of a word typed as (part of) a patent number: ZL2021 1012.3 → 202110123."""
    cleaned = re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", word).upper())
    cleaned = cleaned[2:] if cleaned.startswith(("ZL", "CN")) else cleaned
    return cleaned if re.fullmatch(r"\d{3,13}X?", cleaned) else None


@dataclass(frozen=True)
class PatentFilters:
    kind: PatentKind | None = None
    studio_id: int | None = None
    year: int | None = None  # the filing year
    legal_status: LegalStatus | None = None
    granted: bool | None = None  # 已授权 (whatever the status now) or not yet
    q: str | None = None  # words of the title, or part of the number

    @classmethod
    def from_args(cls, args: MultiDict) -> PatentFilters:
        return cls(
            kind=enum_arg(args, "kind", PatentKind, "专利类型"),
            studio_id=int_arg(args, "studio", "工作室编号", 1, 2**31),
            year=int_arg(args, "year", "申请年份"),
            legal_status=enum_arg(args, "legal_status", LegalStatus, "法律状态"),
            granted=bool_arg(args, "granted", "是否已授权"),
            q=_keyword_arg(args),
        )

    def apply(self, stmt: Select) -> Select:
        for word in (self.q or "").split():
            # icontains: ILIKE on PostgreSQL, whose LIKE is case-sensitive; a number matches without its dot.
            match = Patent.title.icontains(word, autoescape=True)
            digits = _number_digits(word)
            if digits:
                match = or_(match, func.replace(Patent.number, ".", "").contains(digits, autoescape=True))
            stmt = stmt.where(match)
        if self.kind:
            stmt = stmt.where(Patent.kind == self.kind)
        if self.studio_id:
            stmt = stmt.where(Patent.studio_id == self.studio_id)
        if self.year:
            stmt = stmt.where(Patent.filing_date.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if self.legal_status:
            stmt = stmt.where(legal.condition(Patent, self.legal_status, local_today()))
        if self.granted is not None:
            stmt = stmt.where(Patent.grant_date.is_not(None) if self.granted else Patent.grant_date.is_(None))
        return stmt

    def as_args(self) -> dict[str, str]:
        return _as_args(self)


def _as_args(filters) -> dict[str, str]:
    """The query-string form of a filter set (enums by value), for links and downloads."""
    names = {"studio_id": "studio"}
    out = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if value is not None and value != f.default:  # a default (include_delisted=False) stays out of links
            if isinstance(value, bool):
                value = "1" if value else "0"
            out[names.get(f.name, f.name)] = value.value if hasattr(value, "value") else str(value)
    return out


# ---------------------------------------------------------------- lists

_LEVEL_ORDER = case(
    {Level.NATIONAL.value: 0, Level.PROVINCIAL.value: 1, Level.CITY.value: 2}, value=Studio.level, else_=3
)


def studios_select(filters: StudioFilters) -> Select:
    """Studios matching the filters: national first, then by the year named, then in order of entry."""
    return filters.apply(select(Studio)).order_by(_LEVEL_ORDER, Studio.named_year, Studio.id)


def public_achievements_select(filters: AchievementFilters | None = None, *, with_studio: bool = True) -> Select:
    """Approved achievements, newest (or highest value) first, with completers (and studio) loaded."""
    filters = filters or AchievementFilters()
    if filters.sort == "value":
        order = (Achievement.value_wan.desc().nulls_last(), Achievement.id.desc())
    else:
        order = (Achievement.year.desc(), Achievement.id.desc())
    stmt = (
        select(Achievement)
        .where(Achievement.status == APPROVED)
        .options(selectinload(Achievement.completer_links))
        .order_by(*order)
    )
    if with_studio:
        stmt = stmt.options(selectinload(Achievement.studio))
    return filters.apply(stmt)


def public_patents_select(filters: PatentFilters | None = None, *, with_studio: bool = True) -> Select:
    """Approved patents, newest filing first, with inventors (and studio) loaded."""
    stmt = (
        select(Patent)
        .where(Patent.status == APPROVED)
        .options(selectinload(Patent.inventor_links))
        .order_by(Patent.filing_date.desc().nulls_last(), Patent.id.desc())
    )
    if with_studio:
        stmt = stmt.options(selectinload(Patent.studio))
    return (filters or PatentFilters()).apply(stmt)


def record_counts(studio_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{studio id: (approved achievements, approved patents)} in two statements."""
    if not studio_ids:
        return {}
    achievements = dict(
        db.session.execute(
            select(Achievement.studio_id, func.count())
            .where(Achievement.studio_id.in_(studio_ids), Achievement.status == APPROVED)
            .group_by(Achievement.studio_id)
        ).all()
    )
    patents = dict(
        db.session.execute(
            select(Patent.studio_id, func.count())
            .where(Patent.studio_id.in_(studio_ids), Patent.status == APPROVED)
            .group_by(Patent.studio_id)
        ).all()
    )
    return {sid: (achievements.get(sid, 0), patents.get(sid, 0)) for sid in studio_ids}


def _facet(filters, name: str, column, *where) -> dict:
    """Counts per value of `column` under all filters but the facet's own."""
    others = replace(filters, **{name: None})
    stmt = select(column, func.count()).where(*where).group_by(column)
    return {key: n for key, n in db.session.execute(others.apply(stmt)).all() if key is not None}


def _enum_options(enum_cls, counts: dict) -> list[tuple[str, str, int]]:
    return [(m.value, m.label, counts.get(m, 0)) for m in enum_cls]


def _ranked_options(counts: dict) -> list[tuple[str, str, int]]:
    return [(str(k), str(k), n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def studio_facets(filters: StudioFilters) -> dict[str, list[tuple[str, str, int]]]:
    """{facet: [(value, label, count)]}, each count under the other filters."""
    return {
        "level": _enum_options(Level, _facet(filters, "level", Studio.level)),
        "district": _enum_options(District, _facet(filters, "district", Studio.district)),
        "industry": _ranked_options(_facet(filters, "industry", Studio.industry)),
    }


def achievement_facets(filters: AchievementFilters) -> dict[str, list[tuple[str, str, int]]]:
    approved = Achievement.status == APPROVED
    years = _facet(filters, "year", Achievement.year, approved)
    return {
        "category": _enum_options(Category, _facet(filters, "category", Achievement.category, approved)),
        "year": [(str(y), str(y), years[y]) for y in sorted(years, reverse=True)],
    }


def patent_facets(filters: PatentFilters) -> dict[str, list[tuple[str, str, int]]]:
    """Kind, legal status, filing year and studio, each counted under the other filters."""
    approved = Patent.status == APPROVED
    statuses = {LegalStatus(k): n for k, n in _facet(filters, "legal_status", legal.expression(Patent, local_today()),
                                                      approved).items()}
    years = _facet(filters, "year", func.extract("year", Patent.filing_date), approved)
    # Counted on patents alone (no join: the planner keeps the patents' indexes), named afterwards.
    per_studio = _facet(filters, "studio_id", Patent.studio_id, approved)
    names = dict(db.session.execute(select(Studio.id, Studio.name).where(Studio.id.in_(per_studio))).all())
    studios = sorted(((sid, names[sid], n) for sid, n in per_studio.items()), key=lambda s: (-s[2], s[1]))
    return {
        "kind": _enum_options(PatentKind, _facet(filters, "kind", Patent.kind, approved)),
        "legal_status": _enum_options(LegalStatus, statuses),
        "year": [(str(int(y)), str(int(y)), years[y]) for y in sorted(years, reverse=True)],
        "studio": [(str(sid), name, n) for sid, name, n in studios],
    }


def industries() -> list[str]:
    return list(db.session.execute(select(Studio.industry).distinct().order_by(Studio.industry)).scalars())


# ---------------------------------------------------------------- record pages

def studio_page(studio_id: int) -> tuple[Studio, list[Achievement], list[Patent]] | None:
    studio = db.session.execute(
        select(Studio).where(Studio.id == studio_id)
        .options(selectinload(Studio.titles), joinedload(Studio.leader).selectinload(Person.honours))
    ).scalar_one_or_none()
    if studio is None:
        return None
    # The records' studio is this one, already loaded: no need to load it again for each.
    achievements = list(db.session.execute(
        public_achievements_select(AchievementFilters(studio_id=studio_id), with_studio=False)
    ).scalars())
    patents = list(db.session.execute(
        public_patents_select(PatentFilters(studio_id=studio_id), with_studio=False)
    ).scalars())
    return studio, achievements, patents


def public_achievement(achievement_id: int) -> Achievement | None:
    return db.session.execute(
        select(Achievement)
        .where(Achievement.id == achievement_id, Achievement.status == APPROVED)
        .options(selectinload(Achievement.completer_links), selectinload(Achievement.patents),
                 selectinload(Achievement.value_lines))
    ).scalar_one_or_none()


def public_patent(patent_id: int) -> Patent | None:
    return db.session.execute(
        select(Patent)
        .where(Patent.id == patent_id, Patent.status == APPROVED)
        .options(selectinload(Patent.inventor_links), selectinload(Patent.achievement))
    ).scalar_one_or_none()


@dataclass
class PersonRecord:
    person: Person
    studios_led: list[Studio]
    achievements: list[Achievement]
    patents: list[Patent]


def person_record(person_id: int) -> PersonRecord | None:
    """A person with honours, the studios led and the public achievements and patents."""
    person = db.session.execute(
        select(Person).where(Person.id == person_id).options(selectinload(Person.honours))
    ).scalar_one_or_none()
    if person is None:
        return None
    studios = list(db.session.execute(select(Studio).where(Studio.leader_id == person_id)).scalars())
    achievements = list(db.session.execute(
        public_achievements_select().where(
            Achievement.id.in_(
                select(AchievementCompleter.achievement_id).where(AchievementCompleter.person_id == person_id)
            )
        )
    ).scalars())
    patents = list(db.session.execute(
        public_patents_select().where(
            Patent.id.in_(select(PatentInventor.patent_id).where(PatentInventor.person_id == person_id))
        )
    ).scalars())
    led_before = db.session.execute(select(LeaderTerm.id).where(
        LeaderTerm.person_id == person_id, LeaderTerm.ended_on.is_not(None))).first()
    if not (studios or achievements or patents or led_before):
        return None  # a person known only from unpublished records is not public
    return PersonRecord(person, studios, achievements, patents)


# ---------------------------------------------------------------- figures

def _grouped(column, *where) -> dict:
    stmt = select(column, func.count()).group_by(column)
    for clause in where:
        stmt = stmt.where(clause)
    return {key: n for key, n in db.session.execute(stmt).all() if key is not None}


@dataclass
class CatalogueStats:
    studios: int
    studios_by_level: dict[Level, int]
    achievements: int
    achievements_by_category: dict[Category, int]
    patents: int
    patents_by_kind: dict[PatentKind, int]
    value_wan: Decimal
    by_year: dict[int, int]
    by_year_category: dict[int, dict[Category, int]]
    by_industry: dict[str, int]
    by_district: dict[District, int]
    studios_delisted: int = 0  # 摘牌 studios, counted in `studios` only when include_delisted
    include_delisted: bool = False


def catalogue_stats(include_delisted: bool = False) -> CatalogueStats:
    """The report's figures, computed live from the database; studios counted are the 有效 ones unless asked."""
    counted = Studio.id.is_not(None) if include_delisted else Studio.status == StudioStatus.ACTIVE
    by_level = _grouped(Studio.level, counted)
    by_kind = _grouped(Patent.kind, Patent.status == APPROVED)
    by_district = _grouped(Studio.district, counted)
    # One pass over the approved achievements gives the per-year, per-category and value figures.
    by_year_category: dict[int, dict[Category, int]] = {}
    by_category: dict[Category, int] = {}
    value = Decimal("0.00")
    for year, category, n, subtotal in db.session.execute(
        select(Achievement.year, Achievement.category, func.count(), func.sum(Achievement.value_wan))
        .where(Achievement.status == APPROVED)
        .group_by(Achievement.year, Achievement.category)
        .order_by(Achievement.year)
    ).all():
        by_year_category.setdefault(year, {})[category] = n
        by_category[category] = by_category.get(category, 0) + n
        value += subtotal or 0
    return CatalogueStats(
        studios=sum(by_district.values()),
        studios_by_level={m: by_level.get(m, 0) for m in Level},
        achievements=sum(by_category.values()),
        achievements_by_category={m: by_category.get(m, 0) for m in Category},
        patents=sum(by_kind.values()),
        patents_by_kind={m: by_kind.get(m, 0) for m in PatentKind},
        value_wan=value,
        by_year={year: sum(c.values()) for year, c in by_year_category.items()},
        by_year_category=by_year_category,
        by_industry=dict(sorted(_grouped(Studio.industry, counted).items(), key=lambda kv: (-kv[1], kv[0]))),
        by_district={m: by_district.get(m, 0) for m in District},
        studios_delisted=db.session.execute(select(func.count()).select_from(Studio).where(
            Studio.status == StudioStatus.DELISTED)).scalar(),
        include_delisted=include_delisted,
    )


