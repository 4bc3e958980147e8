"""The demo studios: names, host units, leaders, honours and title histories, planned from one random stream.

Part of build_plan() (demo/seed.py): pure, so the same random.Random gives the same studios on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from ..catalogue.services import PatentData, StudioData, TitleData
from ..models import Category, District, Level, TitleState
from . import vocabulary as v
from .vocabulary import Industry

STUDIO_COUNT = 149
LEVEL_COUNTS = {Level.NATIONAL: 12, Level.PROVINCIAL: 45, Level.CITY: 92}
DISTRICT_WEIGHTS = {District.SHUANGTA: 34, District.LONGCHENG: 24, District.BEIPIAO: 10, District.LINGYUAN: 10,
                    District.CHAOYANG_COUNTY: 8, District.JIANPING: 8, District.KAZUO: 6}


@dataclass
class PlannedStudio:
    data: StudioData
    industry: Industry
    short_unit: str
    speciality: str
    pool: list[str]  # the leader first, then the members named on records
    first_year: int
    achievements: list[PlannedAchievement] = field(default_factory=list)
    patents: list[PatentData] = field(default_factory=list)


@dataclass
class PlannedAchievement:
    """An achievement of the plan, before its summary and value are written (build_plan in seed.py)."""

    studio: PlannedStudio
    category: Category
    title: str
    year: int
    completers: list[str]
    shape: str  # what the title is about: object, process, indicator, problem, device, method, operation
    subject: str
    patent_title: str | None = None  # what a patent protecting it would be called
    count: int = 0  # steps of an operation method
    value: Decimal | None = None
    summary: str = ""
    patents: list[PatentData] = field(default_factory=list)


def level_of(studio: PlannedStudio) -> Level:
    valid = [t for t in studio.data.titles if t.state is TitleState.VALID]
    return max(valid, key=lambda t: t.level.rank).level


def apportion(total: int, weights: dict, rng: random.Random) -> list:
    """`total` items spread over the keys in proportion to the weights (largest remainder), shuffled."""
    whole = sum(weights.values())
    shares = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(weights, key=lambda key: shares[key] - counts[key], reverse=True)
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    items = [key for key, n in counts.items() for _ in range(n)]
    rng.shuffle(items)
    return items


class NameMaker:
    """Fictional person names, unique across the demo and never a famous person's."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.surname_weights = [len(v.SURNAMES) - i + 15 for i in range(len(v.SURNAMES))]

    def make(self) -> str:
        while True:
            surname = self.rng.choices(v.SURNAMES, self.surname_weights)[0]
            pool = v.GIVEN_SINGLE if self.rng.random() < 0.15 else v.GIVEN_NAMES
            given = self.rng.choice(pool)
            name = surname + given
            if given[0] != surname and name not in self.used and name not in v.FAMOUS_NAMES:
                self.used.add(name)
                return name


def plan_studios(rng: random.Random, names: NameMaker) -> list[PlannedStudio]:
    levels = apportion(STUDIO_COUNT, LEVEL_COUNTS, rng)
    industries = apportion(STUDIO_COUNT, {i.name: i.weight for i in v.INDUSTRIES}, rng)
    districts = apportion(STUDIO_COUNT, DISTRICT_WEIGHTS, rng)
    units: dict[tuple[str, District], list[list]] = {}  # (industry, district) -> [[full, short, studios]]
    used_units: set[str] = set()
    used_names: set[str] = set()
    doc_numbers: dict[tuple[Level, int], str] = {}
    studios = []
    for level, industry_name, district in zip(levels, industries, districts, strict=True):
        industry = v.INDUSTRY_BY_NAME[industry_name]
        here = [u for u in units.get((industry_name, district), []) if u[2] < 3]
        if here and rng.random() < 0.3:
            unit = rng.choice(here)
        else:
            unit = _new_unit(rng, industry, district, used_units)
            units.setdefault((industry_name, district), []).append(unit)
        unit[2] += 1
        leader = names.make()
        pool_size = {Level.NATIONAL: (8, 12), Level.PROVINCIAL: (6, 10), Level.CITY: (4, 8)}[level]
        pool = [leader] + [names.make() for _ in range(rng.randint(*pool_size))]
        honours = _honours(rng, level)
        titles = _titles(rng, level, doc_numbers)
        name, speciality = _studio_name(rng, leader, honours, unit[1], industry, used_names)
        members = len(pool) + rng.randint(*{Level.NATIONAL: (15, 45), Level.PROVINCIAL: (8, 25),
                                            Level.CITY: (3, 15)}[level])
        data = StudioData(
            name=name, host_unit=unit[0], industry=industry.name, district=district, leader_name=leader,
            leader_honours=honours, titles=titles, members=members,
        )
        studios.append(PlannedStudio(data, industry, unit[1], speciality, pool, min(t.year for t in titles)))
    return studios


def _new_unit(rng: random.Random, industry: Industry, district: District, used: set[str]) -> list:
    while True:
        local = v.DISTRICT_BRANDS.get(district.label, ())
        brand = rng.choice(local) if local and rng.random() < 0.2 else rng.choice(v.BRANDS)
        stem, _, short_stem = rng.choice(industry.stems).partition("|")
        suffix = rng.choice(v.COMPANY_SUFFIXES)
        if stem.endswith("集团") and suffix.startswith("集团"):
            suffix = suffix.removeprefix("集团")
        short = brand + (short_stem or stem)
        if short not in used:  # two units must differ by more than 有限公司 / 有限责任公司
            used.add(short)
            return [f"{brand}{stem}{suffix}", short, 0]


def _honours(rng: random.Random, level: Level) -> list[tuple[str, int]]:
    """The leader's honours, city before province before nation; about one leader in four has none."""
    chances = {Level.NATIONAL: (0.3, 0.45, 0.65), Level.PROVINCIAL: (0.4, 0.55, 0.2),
               Level.CITY: (0.55, 0.15, 0.03)}[level]
    titles = [rng.choice(pool) for pool, chance in zip(
        (v.HONOURS_CITY, v.HONOURS_PROVINCIAL, v.HONOURS_NATIONAL), chances, strict=True) if rng.random() < chance]
    for _ in range(50):
        years = [_honour_year(rng, title) for title in titles]
        if years == sorted(years):
            break
    return list(zip(titles, years, strict=True))


def _honour_year(rng: random.Random, title: str) -> int:
    if title == "全国劳动模范":
        return rng.choice((2010, 2015, 2020))  # conferred every five years
    if title == "省劳动模范":
        return rng.choice((2009, 2014, 2019, 2024))
    if title == "朝阳工匠":
        return rng.randint(2017, 2024)
    return rng.randint(2008, 2024)


def _titles(rng: random.Random, level: Level, doc_numbers: dict) -> list[TitleData]:
    """A title history ending at `level`: usually 市级 first, a higher level some years later."""
    ladder = [Level.CITY, Level.PROVINCIAL, Level.NATIONAL]
    top = ladder.index(level)
    start = top if rng.random() < 0.25 else (0 if rng.random() < 0.7 else max(top - 1, 0))
    year = rng.randint(2010, 2024 - 3 * (top - start))
    titles = []
    for step in ladder[start: top + 1]:
        titles.append(_title(rng, step, year, doc_numbers))
        year = min(year + rng.randint(2, 4), 2024)
    # A few studios lost a higher title again (撤销) in a later review.
    if top < 2 and rng.random() < 0.05 and year <= 2024:
        titles.append(_title(rng, ladder[top + 1], year, doc_numbers, TitleState.REVOKED))
    return titles


def _title(rng, level: Level, year: int, doc_numbers: dict, state=TitleState.VALID) -> TitleData:
    # One document names a whole batch of studios: one 文号 per level and year.
    doc = doc_numbers.setdefault(
        (level, year), f"{v.DOC_PREFIXES[level.label]}〔{year}〕{rng.randint(3, 68)}号"
    )
    return TitleData(level=level, year=year, conferred_by=v.CONFERRING_BODIES[level.label], doc_number=doc,
                     state=state)


def _studio_name(rng, leader: str, honours, short_unit: str, industry: Industry, used: set[str]):
    """(name, speciality): named after the leader (劳模/工匠 when an honour says so) or the unit's speciality."""
    held = {title for title, _ in honours}
    specialities = list(industry.specialities)
    rng.shuffle(specialities)
    # No "凌源农机农机装配…": skip a speciality that repeats the unit's short name.
    candidates = [(f"{short_unit}{speciality}创新工作室", speciality) for speciality in specialities
                  if speciality[:2] not in short_unit]
    if held & set(v.MODEL_WORKER_HONOURS):
        by_leader = [f"{leader}劳模创新工作室"] * 8
    elif held & set(v.CRAFTSMAN_HONOURS):
        by_leader = [f"{leader}工匠创新工作室"] * 8
    else:
        by_leader = [f"{leader}创新工作室"] * 2
    candidates += [(name, specialities[0]) for name in by_leader]
    rng.shuffle(candidates)
    name, speciality = next((c for c in candidates if c[0] not in used), (f"{leader}技能创新工作室", specialities[0]))
    used.add(name)
    return name, speciality
