"""Create or update many studios, achievements and patents at once, by the catalogue services' rules.

upsert_studio / upsert_achievement / upsert_patent look each record up and flush it on its own: a
100k-row ledger took 150 s that way. upsert_all() keeps their rules and their counts (natural keys;
people by name + host unit; honours and titles merged, never dropped; completers and inventors in
order; a record counts as changed, and its row and updated_at are written, only when a value
differs) but looks every key up with IN-lists, locking the rows it may change, and writes with
executemany INSERTs and UPDATEs on the tables. Those bypass the ORM flush and its listeners, so it
marks the catalogue changed and queues the search outbox jobs itself, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import write_transaction
from ..extensions import db
from ..models import RecordStatus, ValueStatus, local_today, utcnow
from . import leadership, patent_numbers
from .models import (
    Achievement,
    AchievementCompleter,
    Honour,
    Patent,
    PatentInventor,
    Person,
    Studio,
    StudioTitle,
    ValueLine,
    highest_valid_title,
)
from .services import (
    AchievementData,
    CatalogueError,
    PatentData,
    StudioData,
    TitleData,
    UpsertResult,
    checked_patent_number,
    not_an_achievement_of,
    person_key,
)
from .value_lines import LEDGER_BASIS, LineState, ValueMismatch, plan
from .versioning import bulk_written, mark_changed

CHUNK = 500  # keys per IN (…) list, well under any database's parameter limit
_STUDIO_FIELDS = ("host_unit", "industry", "district", "members", "intro", "leader_id", "level", "named_year")
_ACHIEVEMENT_FIELDS = ("title", "category", "year", "value_wan", "summary", "status")
_PATENT_FIELDS = ("number", "title", "kind", "studio_id", "patentee", "filing_date", "grant_date", "term_end",
                  "achievement_id", "abstract", "status")


Progress = Callable[[str, list], AbstractContextManager]


class RecordError(CatalogueError):
    """One record of the input cannot be written: `kind` (studio, achievement, patent) and its index."""

    def __init__(self, kind: str, index: int, message: str):
        self.kind, self.index = kind, index
        super().__init__(message)


@dataclass
class BulkResult:
    studios: UpsertResult = field(default_factory=UpsertResult)
    achievements: UpsertResult = field(default_factory=UpsertResult)
    patents: UpsertResult = field(default_factory=UpsertResult)


def _chunks(items: Iterable) -> Iterator[list]:
    items = sorted(items)
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _rows(stmt_for_chunk, keys: Iterable) -> Iterator:
    for chunk in _chunks(set(keys)):
        yield from db.session.execute(stmt_for_chunk(chunk))


def upsert_all(studios: list[StudioData], achievements: list[AchievementData], patents: list[PatentData],
               status: RecordStatus = RecordStatus.APPROVED, progress: Progress | None = None) -> BulkResult:
    """Create or update every record given (each key at most once); raise RecordError naming the first bad one.

    Studios are written first, so achievements and patents may name a studio of the same call, and
    a patent an achievement of the same call. `progress(kind, items)` may wrap each kind's main loop
    (a context manager giving the items back, as the command line's progress bar does).
    """
    with write_transaction() as session:
        writer = _Writer(session, status, progress or (lambda kind, items: nullcontext(items)))
        result = BulkResult()
        writer.studios(studios, result.studios)
        writer.achievements(achievements, result.achievements)
        writer.patents(patents, result.patents)
        writer.finish()
        return result


class _Writer:
    """One upsert_all call: what it loaded, what it wrote, and the search jobs that follow."""

    def __init__(self, session, status: RecordStatus, progress: Progress):
        self.session = session
        self.progress = progress
        self.connection = session.connection()
        self.status = status
        self.now = utcnow()
        self.people: dict[tuple[str, str], int] = {}
        self.studio_rows: dict[str, dict] = {}  # name -> the studio's columns as they will be after this call
        self.achievement_ids: dict[tuple[int, str], int] = {}  # (studio id, title) -> id
        self.jobs: set[tuple[str, int]] = set()
        self.wrote = False

    # ------------------------------------------------------------ shared steps

    def _each(self, kind: str, items: list) -> Iterator:
        with self.progress(kind, items) as each:
            yield from each

    def _execute(self, stmt, rows: list[dict] | None = None):
        if rows is not None and not rows:
            return None
        self.wrote = True
        return self.connection.execute(stmt, rows) if rows is not None else self.connection.execute(stmt)

    def _person_ids(self, keys: set[tuple[str, str]]) -> None:
        """Ids of these people, inserting the new ones (a concurrent import's insert of one is not an error)."""
        wanted = keys - self.people.keys()
        if not wanted:
            return
        self._load_people(wanted)
        new = [{"name": name, "host_unit": unit, "created_at": self.now, "updated_at": self.now}
               for name, unit in sorted(wanted - self.people.keys())]
        if new:
            self._execute(_insert_ignoring_duplicates(self.connection.dialect.name, Person.__table__,
                                                      ("name", "host_unit")), new)
            self._load_people(wanted - self.people.keys())

    def _load_people(self, keys: set[tuple[str, str]]) -> None:
        names = {name for name, _ in keys}
        for pid, name, unit in _rows(lambda chunk: select(Person.id, Person.name, Person.host_unit)
                                     .where(Person.name.in_(chunk)), names):
            if (name, unit) in keys:
                self.people[(name, unit)] = pid

    def _studio(self, kind: str, index: int, name: str) -> dict:
        row = self.studio_rows.get(name.strip())
        if row is None:
            raise RecordError(kind, index, f"工作室“{name}”不存在")
        return row

    def _load_studios(self, names: set[str]) -> None:
        wanted = names - self.studio_rows.keys()
        columns = [getattr(Studio, name) for name in ("id", "name", *_STUDIO_FIELDS)]
        for row in _rows(lambda chunk: select(*columns).where(Studio.name.in_(chunk)).with_for_update(), wanted):
            self.studio_rows[row.name] = dict(row._mapping)

    def _load_achievements(self, studio_ids: set[int]) -> dict[tuple[int, str], dict]:
        columns = [getattr(Achievement, name) for name in ("id", "studio_id", *_ACHIEVEMENT_FIELDS)]
        found = {}
        for row in _rows(lambda chunk: select(*columns).where(Achievement.studio_id.in_(chunk)).with_for_update(),
                         studio_ids):
            found[(row.studio_id, row.title)] = dict(row._mapping)
            self.achievement_ids[(row.studio_id, row.title)] = row.id
        return found

    def _links(self, link, owner_column, owners: Iterable[int]) -> dict[int, list[int]]:
        """{owner id: [person id, …] in order} of the completer or inventor links."""
        found: dict[int, list[int]] = {}
        for owner, person in _rows(lambda chunk: select(owner_column, link.person_id).where(owner_column.in_(chunk))
                                   .order_by(owner_column, link.position), owners):
            found.setdefault(owner, []).append(person)
        return found

    def _write_links(self, link, owner_key: str, owners: dict[int, list[int]], replaced: set[int]) -> None:
        """Make each owner's links exactly its people, in order; `replaced` are owners whose old links go first."""
        table = link.__table__
        for chunk in _chunks(replaced):
            self._execute(delete(table).where(table.c[owner_key].in_(chunk)))
        self._execute(insert(table), [{owner_key: owner, "position": position, "person_id": person}
                                      for owner, people in owners.items()
                                      for position, person in enumerate(people)])

    def _write_batch(self, batch: _Batch, model, link, owner_key: str, key: tuple[str, ...]) -> list[int]:
        """Write a batch of achievements or patents and their people; return the new records' ids."""
        ids = self._upsert_rows(model, batch.kind, batch.created, batch.changed, batch.fields, key)
        batch.links.update(zip(ids, batch.people_of_created, strict=True))
        self.jobs.update((batch.kind, rid) for rid in batch.replaced)
        self._write_links(link, owner_key, batch.links, batch.replaced)
        return ids

    def _upsert_rows(self, model, kind: str, created: list[dict], changed: list[dict], fields: tuple[str, ...],
                     key: tuple[str, ...]) -> list[int]:
        """Insert `created` (return their ids in order) and update the `fields` of `changed` (with their id).

        The new ids are read back by the natural `key`: INSERT … RETURNING in parameter order makes
        SQLite insert one row per statement (100k statements for a large ledger).
        """
        table = model.__table__
        ids = []
        if created:
            self._execute(insert(table), [{**row, "created_at": self.now, "updated_at": self.now} for row in created])
            wanted = {tuple(row[name] for name in key) for row in created}
            columns = [table.c.id, *(table.c[name] for name in key)]
            found = {}
            for rid, *values in _rows(lambda chunk: select(*columns).where(table.c[key[0]].in_(chunk)),
                                      {row[key[0]] for row in created}):
                if tuple(values) in wanted:
                    found[tuple(values)] = rid
            ids = [found[tuple(row[name] for name in key)] for row in created]
        if changed:
            stmt = update(table).where(table.c.id == bindparam("row_id")).values(
                {name: bindparam(name) for name in (*fields, "updated_at")})
            self._execute(stmt, [{**{name: row[name] for name in fields}, "row_id": row["id"],
                                  "updated_at": self.now} for row in changed])
        self.jobs.update((kind, rid) for rid in ids)
        self.jobs.update((kind, row["id"]) for row in changed)
        return ids

    # ------------------------------------------------------------ studios

    def studios(self, items: list[StudioData], result: UpsertResult) -> None:
        self._load_studios({data.name.strip() for data in items})
        existing_ids = [row["id"] for row in self.studio_rows.values()]
        titles: dict[int, dict[tuple, dict]] = {}
        for row in _rows(lambda chunk: select(StudioTitle).where(StudioTitle.studio_id.in_(chunk)), existing_ids):
            title = row[0]
            titles.setdefault(title.studio_id, {})[(title.level, title.year)] = {
                "id": title.id, "conferred_by": title.conferred_by, "doc_number": title.doc_number,
                "state": title.state}
        leaders = {person_key(data.leader_name, data.host_unit) for data in items}
        self._person_ids(leaders)
        held: dict[int, set[tuple]] = {}
        for person_id, title, year in _rows(lambda chunk: select(Honour.person_id, Honour.title, Honour.year)
                                            .where(Honour.person_id.in_(chunk)), {self.people[k] for k in leaders}):
            held.setdefault(person_id, set()).add((title, year))

        created, changed, titles_of_created = [], [], []
        new_honours, new_titles, changed_titles = [], [], []
        for data in self._each("studio", items):
            name = data.name.strip()
            old = self.studio_rows.get(name)
            leader_id = self.people[person_key(data.leader_name, data.host_unit)]
            honours = held.setdefault(leader_id, set())
            row_changed = False
            for honour in data.leader_honours:
                if honour not in honours:
                    honours.add(honour)
                    new_honours.append({"person_id": leader_id, "title": honour[0], "year": honour[1]})
                    self.jobs.add(("person", leader_id))
                    row_changed = True
            merged = titles.get(old["id"], {}) if old else {}
            title_changes = _merge_titles(merged, data.titles)
            best = highest_valid_title(TitleData(level=level, year=year, state=t["state"])
                                       for (level, year), t in merged.items())
            values = {"name": name, "host_unit": data.host_unit.strip(), "industry": data.industry.strip(),
                      "district": data.district, "members": data.members, "intro": data.intro, "leader_id": leader_id,
                      "level": best.level if best else None, "named_year": best.year if best else None}
            if old is None:
                created.append(values)
                titles_of_created.append(title_changes)
                result.count(True, False)
                continue
            if any(old[key] != values[key] for key in _STUDIO_FIELDS):
                changed.append({**old, **values})
                row_changed = True
            old.update(values)
            for key, title in title_changes:
                (changed_titles if "id" in title else new_titles).append({"studio_id": old["id"], **key, **title})
                row_changed = True
            if row_changed:
                self.jobs.add(("studio", old["id"]))
            result.count(False, row_changed)

        self._execute(insert(Honour.__table__), new_honours)
        ids = self._upsert_rows(Studio, "studio", created, changed, _STUDIO_FIELDS, ("name",))
        leadership.sync_terms_bulk(self.session, {**{row["id"]: row["leader_id"] for row in changed},
                                                  **{sid: v["leader_id"] for v, sid in zip(created, ids, strict=True)}},
                                   set(ids), local_today())
        for values, title_changes, sid in zip(created, titles_of_created, ids, strict=True):
            self.studio_rows[values["name"]] = {**values, "id": sid}
            new_titles.extend({"studio_id": sid, **key, **title} for key, title in title_changes)
        self._execute(insert(StudioTitle.__table__), new_titles)
        table = StudioTitle.__table__
        self._execute(update(table).where(table.c.id == bindparam("title_id")).values(
            conferred_by=bindparam("conferred_by"), doc_number=bindparam("doc_number"), state=bindparam("state")),
            [{"title_id": t["id"], "conferred_by": t["conferred_by"], "doc_number": t["doc_number"],
              "state": t["state"]} for t in changed_titles])

    # ------------------------------------------------------------ achievements

    def achievements(self, items: list[AchievementData], result: UpsertResult) -> None:
        self._load_studios({data.studio_name.strip() for data in items})
        studios = [self._studio("achievement", i, data.studio_name) for i, data in enumerate(items)]
        existing = self._load_achievements({studio["id"] for studio in studios})
        self._person_ids({person_key(name, studio["host_unit"])
                          for data, studio in zip(items, studios, strict=True) for name in data.completers})
        old_links = self._links(AchievementCompleter, AchievementCompleter.achievement_id,
                                [row["id"] for row in existing.values()])
        batch = _Batch("achievement", _ACHIEVEMENT_FIELDS)
        totals = []  # (item index, id or (studio id, title) when new, year, total): values whose lines must agree
        for i, (data, studio) in enumerate(zip(self._each("achievement", items), studios, strict=True)):
            people = [self.people[person_key(name, studio["host_unit"])] for name in data.completers]
            old = existing.get((studio["id"], data.title.strip()))
            # No value given keeps the per-year lines, whose sum stays the total (value_lines.reconcile).
            value = data.value_wan if data.value_wan is not None or old is None else old["value_wan"]
            values = {"studio_id": studio["id"], "title": data.title.strip(), "category": data.category,
                      "year": data.year, "value_wan": value, "summary": data.summary, "status": self.status}
            if value is not None and (old is None or old["value_wan"] != value):
                totals.append((i, old["id"] if old else (studio["id"], values["title"]), data.year, value))
            batch.add(old, values, people, old_links, result)
        ids = self._write_batch(batch, Achievement, AchievementCompleter, "achievement_id", ("studio_id", "title"))
        for values, aid in zip(batch.created, ids, strict=True):
            self.achievement_ids[(values["studio_id"], values["title"])] = aid
        for row in batch.changed:
            self.achievement_ids[(row["studio_id"], row["title"])] = row["id"]
        self._reconcile_lines([(i, self.achievement_ids[key] if isinstance(key, tuple) else key, year, total)
                               for i, key, year, total in totals])

    def _reconcile_lines(self, totals: list[tuple[int, int, int, Decimal]]) -> None:
        """Make each achievement's per-year lines add up to its new total, as value_lines.reconcile does."""
        existing: dict[int, list[LineState]] = {}
        for row in _rows(lambda chunk: select(ValueLine.id, ValueLine.achievement_id, ValueLine.year,
                                              ValueLine.amount_wan, ValueLine.status)
                         .where(ValueLine.achievement_id.in_(chunk)).order_by(ValueLine.id).with_for_update(),
                         {aid for _, aid, _, _ in totals}):
            existing.setdefault(row.achievement_id, []).append(LineState(row.id, row.year, row.amount_wan, row.status))
        new, changed = [], []
        for index, aid, year, total in totals:
            try:
                step = plan(existing.get(aid, []), total, year)
            except ValueMismatch as error:
                raise RecordError("achievement", index, str(error)) from None
            if step is None:
                continue
            target, amount = step
            if target is None:
                new.append({"achievement_id": aid, "year": year, "amount_wan": amount, "basis": LEDGER_BASIS,
                            "status": ValueStatus.SELF_REPORTED, "evidence_name": "", "evidence_content_type": "",
                            "created_at": self.now, "updated_at": self.now})
            else:
                changed.append({"line_id": target.id, "amount_wan": amount, "updated_at": self.now})
        table = ValueLine.__table__
        self._execute(insert(table), new)
        self._execute(update(table).where(table.c.id == bindparam("line_id")).values(
            amount_wan=bindparam("amount_wan"), updated_at=bindparam("updated_at")), changed)

    # ------------------------------------------------------------ patents

    def patents(self, items: list[PatentData], result: UpsertResult) -> None:
        self._load_studios({data.studio_name.strip() for data in items})
        studios = [self._studio("patent", i, data.studio_name) for i, data in enumerate(items)]
        numbers = []
        for i, data in enumerate(items):
            try:
                numbers.append(checked_patent_number(data))
            except CatalogueError as error:
                raise RecordError("patent", i, str(error)) from error
        # A related achievement may be one this call did not touch.
        linked = {studio["id"] for data, studio in zip(items, studios, strict=True) if data.achievement_title}
        untouched = linked - {studio_id for studio_id, _ in self.achievement_ids}
        if untouched:
            self._load_achievements(untouched)
        columns = [getattr(Patent, name) for name in ("id", *_PATENT_FIELDS)]
        existing = {row.number: dict(row._mapping) for row in _rows(
            lambda chunk: select(*columns).where(Patent.number.in_(chunk)).with_for_update(), numbers)}
        self._person_ids({person_key(name, studio["host_unit"])
                          for data, studio in zip(items, studios, strict=True) for name in data.inventors})
        old_links = self._links(PatentInventor, PatentInventor.patent_id, [row["id"] for row in existing.values()])
        batch = _Batch("patent", _PATENT_FIELDS)
        for i, (data, studio, number) in enumerate(zip(self._each("patent", items), studios, numbers, strict=True)):
            achievement_id = None
            if data.achievement_title:
                achievement_id = self.achievement_ids.get((studio["id"], data.achievement_title))
                if achievement_id is None:
                    error = not_an_achievement_of(data.achievement_title, studio["name"])
                    raise RecordError("patent", i, str(error))
            people = [self.people[person_key(name, studio["host_unit"])] for name in data.inventors]
            values = {"number": number, "title": data.title.strip(), "kind": data.kind, "studio_id": studio["id"],
                      "patentee": data.patentee, "filing_date": data.filing_date, "grant_date": data.grant_date,
                      "term_end": patent_numbers.term_end(data.kind, data.filing_date),
                      "achievement_id": achievement_id, "abstract": data.abstract, "status": self.status}
            batch.add(existing.get(number), values, people, old_links, result)
        self._write_batch(batch, Patent, PatentInventor, "patent_id", ("number",))

    # ------------------------------------------------------------ the end

    def finish(self) -> None:
        if not self.wrote:
            return
        mark_changed(self.session)
        bulk_written.send(self.session, jobs=self.jobs)


@dataclass
class _Batch:
    """The achievements or patents of one call to insert and update, and the people to link to each."""

    kind: str
    fields: tuple[str, ...]  # the columns compared and written
    created: list[dict] = field(default_factory=list)
    people_of_created: list[list[int]] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # the old row's columns with the new values, id included
    links: dict[int, list[int]] = field(default_factory=dict)  # record id -> its people, for the records relinked
    replaced: set[int] = field(default_factory=set)  # existing records whose links are rewritten

    def add(self, old: dict | None, values: dict, people: list[int], old_links: dict[int, list[int]],
            result: UpsertResult) -> None:
        """One record: new, or changed when a column or its people (in order) differ, or unchanged."""
        if old is None:
            self.created.append({**values, "return_reason": ""})
            self.people_of_created.append(people)
            result.count(True, False)
            return
        changed = any(old[name] != values[name] for name in self.fields)
        if changed:
            self.changed.append({**old, **values})
        if old_links.get(old["id"], []) != people:
            self.links[old["id"]] = people
            self.replaced.add(old["id"])
            changed = True
        result.count(False, changed)


def _merge_titles(merged: dict[tuple, dict], titles: list[TitleData]) -> list[tuple[dict, dict]]:
    """Merge `titles` into `merged` ({(level, year): columns}) as services._merge_titles does; return the changes.

    Each change is ({"level", "year"}, columns); columns hold an "id" when the title exists already.
    """
    changes = []
    for data in titles:
        key = (data.level, data.year)
        old = merged.get(key)
        new = {"conferred_by": data.conferred_by or (old["conferred_by"] if old else ""),
               "doc_number": data.doc_number or (old["doc_number"] if old else ""), "state": data.state}
        if old is None:
            merged[key] = new
            changes.append(({"level": data.level, "year": data.year}, new))
        elif any(old[name] != new[name] for name in new):
            old.update(new)
            changes.append(({"level": data.level, "year": data.year}, old))
    return changes


def _insert_ignoring_duplicates(dialect: str, table, keys: tuple[str, ...]):
    """INSERT … ON CONFLICT DO NOTHING on the unique `keys`, where the database has it."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return insert(table)
