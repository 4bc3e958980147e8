"""Catalogue services: the only code that creates or changes studios, people, achievements, patents.

Each public function runs in write_transaction(), which joins an outer transaction when one
is open (a ledger import writes all its rows in one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..database import lock_key, write_cache, write_transaction
from ..extensions import db
from ..models import Category, District, Level, PatentKind, RecordStatus, TitleState, local_today
from . import patent_numbers, value_lines
from .leadership import set_leader
from .models import Achievement, Honour, Patent, Person, Studio, StudioTitle


@dataclass
class TitleData:
    level: Level
    year: int
    conferred_by: str = ""
    doc_number: str = ""
    state: TitleState = TitleState.VALID


@dataclass
class StudioData:
    name: str
    host_unit: str
    industry: str
    district: District
    leader_name: str
    leader_honours: list[tuple[str, int | None]] = field(default_factory=list)
    titles: list[TitleData] = field(default_factory=list)
    members: int | None = None
    intro: str = ""


@dataclass
class AchievementData:
    studio_name: str
    title: str
    category: Category
    year: int
    completers: list[str]
    value_wan: Decimal | None = None
    summary: str = ""


@dataclass
class PatentData:
    number: str  # any accepted input form; normalised here
    title: str
    kind: PatentKind
    studio_name: str
    inventors: list[str]
    patentee: str = ""
    filing_date: date | None = None
    grant_date: date | None = None
    achievement_title: str = ""
    abstract: str = ""


class CatalogueError(ValueError):
    """A request the catalogue cannot carry out; the message is for the user."""


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


def _assign(obj, **values) -> bool:
    """Set the attributes that differ; return whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def person_key(name: str, host_unit: str) -> tuple[str, str]:
    """Same name + same host unit = same person (DESIGN.md)."""
    return name.strip(), host_unit.strip()


def find_or_create_person(name: str, host_unit: str) -> Person:
    """The person with this name in this host unit, created when new."""
    session = db.session
    cache = write_cache("people")
    key = person_key(name, host_unit)
    person = cache.get(key)
    if person is None:
        find = select(Person).where(Person.name == key[0], Person.host_unit == key[1])
        person = session.execute(find).scalar_one_or_none()
        if person is None:
            lock_key("person", *key)  # another transaction may be creating the same person right now
            person = session.execute(find).scalar_one_or_none()
        if person is None:
            person = Person(name=key[0], host_unit=key[1])
            session.add(person)
        cache[key] = person
    return person


def add_honours(person: Person, honours: list[tuple[str, int | None]]) -> bool:
    """Add the honours the person does not hold yet; return whether any was added."""
    held = {(h.title, h.year) for h in person.honours}
    added = False
    for title, year in honours:
        if (title, year) not in held:
            person.honours.append(Honour(title=title, year=year))
            held.add((title, year))
            added = True
    return added


def studio_by_name(name: str) -> Studio | None:
    cache = write_cache("studios")
    key = name.strip()
    if key not in cache:
        cache[key] = db.session.execute(select(Studio).where(Studio.name == key)).scalar_one_or_none()
    return cache[key]


def _merge_titles(studio: Studio, titles: list[TitleData]) -> bool:
    """Add or update titles keyed by (level, year); titles not named are kept."""
    by_key = {(t.level, t.year): t for t in studio.titles}
    changed = False
    for data in titles:
        title = by_key.get((data.level, data.year))
        if title is None:
            title = StudioTitle(level=data.level, year=data.year)
            studio.titles.append(title)
            by_key[(data.level, data.year)] = title
            changed = True
        changed |= _assign(
            title, conferred_by=data.conferred_by or title.conferred_by,
            doc_number=data.doc_number or title.doc_number, state=data.state,
        )
    return changed


def upsert_studio(data: StudioData) -> tuple[Studio, bool, bool]:
    """Create or update the studio named data.name; return (studio, created, changed)."""
    with write_transaction() as session:
        studio = studio_by_name(data.name)
        created = studio is None
        if created:
            studio = Studio(name=data.name.strip())
            session.add(studio)
            write_cache("studios")[studio.name] = studio
        leader = find_or_create_person(data.leader_name, data.host_unit)
        changed = add_honours(leader, data.leader_honours)
        changed |= _assign(
            studio, host_unit=data.host_unit.strip(), industry=data.industry.strip(), district=data.district,
            members=data.members, intro=data.intro,
        )
        # A new leader ends the running term and starts one today (the person page keeps "曾领办").
        changed |= set_leader(studio, leader, None if created else local_today(), created=created)
        changed |= _merge_titles(studio, data.titles)
        old_level = (studio.level, studio.named_year)
        studio.refresh_level()
        changed |= old_level != (studio.level, studio.named_year)
        session.flush()
        return studio, created, changed


def _people(names: list[str], host_unit: str) -> list[Person]:
    return [find_or_create_person(name, host_unit) for name in names]


def _set_ordered(links: list, people_proxy, people: list[Person], created: bool) -> bool:
    """Make a record's completers or inventors exactly `people`, in order; return whether they changed."""
    if not created and list(people_proxy) == people:
        return False
    if not created:
        links.clear()
        db.session.flush()  # free the (record, position) keys before reusing them
    people_proxy.extend(people)
    return not created


def fill_achievement(achievement: Achievement, data: AchievementData, studio: Studio, status: RecordStatus,
                     created: bool) -> bool:
    """Write `data` into `achievement` (of `studio`); return whether anything changed.

    The value given is the achievement's total: its per-year lines are made to agree (value_lines.reconcile);
    no value keeps the lines and their sum.
    """
    old_lines = [(line.year, line.amount_wan) for line in achievement.value_lines]
    try:
        value = value_lines.reconcile(achievement, data.value_wan, data.year)
    except value_lines.ValueMismatch as error:
        raise CatalogueError(str(error)) from None
    changed = _assign(
        achievement, title=data.title.strip(), category=data.category, year=data.year, value_wan=value,
        summary=data.summary, status=status,
    )
    changed |= not created and old_lines != [(line.year, line.amount_wan) for line in achievement.value_lines]
    people = _people(data.completers, studio.host_unit)
    changed |= _set_ordered(achievement.completer_links, achievement.completers, people, created)
    return changed


def upsert_achievement(
    data: AchievementData, status: RecordStatus = RecordStatus.APPROVED
) -> tuple[Achievement, bool, bool]:
    """Create or update the achievement (studio, title); return (achievement, created, changed)."""
    with write_transaction() as session:
        studio = studio_by_name(data.studio_name)
        if studio is None:
            raise CatalogueError(f"工作室“{data.studio_name}”不存在")
        achievement = session.execute(
            select(Achievement).where(Achievement.studio_id == studio.id, Achievement.title == data.title)
        ).scalar_one_or_none()
        created = achievement is None
        if created:
            achievement = Achievement(studio=studio, title=data.title)
            session.add(achievement)
        changed = fill_achievement(achievement, data, studio, status, created)
        session.flush()
        return achievement, created, changed


def checked_patent_number(data: PatentData) -> str:
    """The normalised number of a patent whose number, kind and dates agree; raise CatalogueError if not."""
    number = patent_numbers.normalise(data.number)
    if patent_numbers.kind_of(number) is not data.kind:
        raise CatalogueError(
            f"专利号 {patent_numbers.display(number)} 表示{patent_numbers.kind_of(number).label}专利，"
            f"与专利类型“{data.kind.label}”不符"
        )
    if data.filing_date and data.grant_date and data.grant_date < data.filing_date:
        raise CatalogueError("授权日不能早于申请日")
    return number


def not_an_achievement_of(title: str, studio_name: str) -> CatalogueError:
    return CatalogueError(f"关联成果“{title}”不是工作室“{studio_name}”的成果")


def check_patent(data: PatentData, studio: Studio) -> tuple[str, Achievement | None]:
    """Validate a patent's number, kind, dates and related achievement; return (number, achievement)."""
    number = checked_patent_number(data)
    achievement = None
    if data.achievement_title:
        achievement = db.session.execute(
            select(Achievement).where(Achievement.studio_id == studio.id, Achievement.title == data.achievement_title)
        ).scalar_one_or_none()
        if achievement is None:
            raise not_an_achievement_of(data.achievement_title, studio.name)
    return number, achievement


def fill_patent(patent: Patent, data: PatentData, studio: Studio, number: str, achievement: Achievement | None,
                status: RecordStatus, created: bool) -> bool:
    """Write checked `data` into `patent` (of `studio`); return whether anything changed."""
    changed = _assign(
        patent, number=number, title=data.title.strip(), kind=data.kind, studio=studio, patentee=data.patentee,
        filing_date=data.filing_date, grant_date=data.grant_date, achievement=achievement,
        abstract=data.abstract, status=status,
    )
    people = _people(data.inventors, studio.host_unit)
    changed |= _set_ordered(patent.inventor_links, patent.inventors, people, created)
    return changed


def upsert_patent(data: PatentData, status: RecordStatus = RecordStatus.APPROVED) -> tuple[Patent, bool, bool]:
    """Create or update the patent with this number; return (patent, created, changed)."""
    with write_transaction() as session:
        studio = studio_by_name(data.studio_name)
        if studio is None:
            raise CatalogueError(f"工作室“{data.studio_name}”不存在")
        number, achievement = check_patent(data, studio)
        patent = session.execute(select(Patent).where(Patent.number == number)).scalar_one_or_none()
        created = patent is None
        if created:
            patent = Patent(number=number)
            session.add(patent)
        changed = fill_patent(patent, data, studio, number, achievement, status, created)
        session.flush()
        return patent, created, changed
