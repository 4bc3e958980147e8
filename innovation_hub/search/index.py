"""The Whoosh index in the instance folder: one writer at a time, searchers reused, rebuilt by swap.

Layout: instance/search/CURRENT names the live folder (index-<ns>); a rebuild writes a new
folder and replaces CURRENT atomically, so searches keep working while it runs.

Measured here (DESIGN.md): Whoosh's writer lock is an flock, released by the kernel when a
process dies, so a killed writer leaves no stale lock; Searcher.refresh() is not trusted, a
new searcher is opened when the generation changed; one searcher per request costs 65–135 ms
at 100k records, so each process keeps one while the index is unchanged.
"""

from __future__ import annotations

import contextvars
import logging
import os
import shutil
import threading
import time
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, chain
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.exceptions import HTTPException
from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher

from ..database import write_transaction
from ..extensions import db
from . import building, documents, whoosh_patches
from .models import IndexJob
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)
whoosh_patches.apply()

WRITER_TIMEOUT = 2.0  # seconds a drain waits for the writer lock before leaving its jobs to the holder
REBUILD_LOCK_TIMEOUT = 120.0
BATCH = 1000
PARALLEL_FROM = 5000  # documents; below this, starting writer processes costs more than it saves
_draining = contextvars.ContextVar("search_draining", default=False)


class IndexOutdated(HTTPException):
    """The live index was built under another schema (an upgrade): searching it would fail."""

    code = 503
    description = "检索索引需要重建（软件已升级）：请管理员运行 flask --app innovation_hub reindex，完成前暂时无法检索"


def _schema_matches(folder: Path) -> bool:
    try:
        return (folder / "SCHEMA").read_text().strip() == str(SCHEMA_VERSION)
    except FileNotFoundError:
        return False


class SearchIndex:
    """One process's view of one instance's index: the live folder and a reusable searcher."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._dir: str | None = None
        self._ix = None
        self._searcher = None
        self._columns: dict[str, array | list] = {}  # field -> values by document number, for self._searcher
        self._segment_columns: dict[tuple[str, str], list] = {}  # (segment id, field) -> values
        # field -> (its segments' keys, their values joined): a new searcher on the same segments (a
        # worker's first, after the master read the columns) reuses the join (50 ms at 100k records).
        self._joined: dict[str, tuple[tuple, list]] = {}
        self._grouped: dict[str, tuple[list, dict]] = {}  # field -> (its column, value -> documents)
        self._segment_texts: dict[tuple[str, str], tuple[str, array]] = {}  # (segment id, field) -> text
        self._column_readers: dict[str, object] = {}  # field -> column reader of self._searcher
        self._started = False

    def drain_once_per_process(self) -> None:
        """Jobs left by a process that died between its commit and its drain are applied once per start."""
        if not self._started:
            self._started = True
            drain_outbox()

    # -- the live folder

    def live_dir(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def set_live(self, folder: Path) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(folder.name)
        os.replace(tmp, self.root / "CURRENT")

    def create_folder(self) -> tuple[Path, whoosh_index.Index]:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"index-{time.time_ns()}-{os.getpid()}"
        folder.mkdir()
        (folder / "SCHEMA").write_text(str(SCHEMA_VERSION))
        return folder, whoosh_index.create_in(str(folder), build_schema())

    def open(self) -> whoosh_index.Index:
        """The live index, created empty the first time."""
        live = self.live_dir()
        if live is None or not whoosh_index.exists_in(str(live)):
            with self._lock:
                live = self.live_dir()
                if live is None or not whoosh_index.exists_in(str(live)):
                    folder, ix = self.create_folder()
                    self.set_live(folder)
                    return ix
        if not _schema_matches(live):
            raise IndexOutdated()
        return whoosh_index.open_dir(str(live))

    # -- searching

    def searcher(self):
        """A searcher on the live index, reopened only when the folder or its generation changed."""
        with self._lock:
            live = self.live_dir()
            name = live.name if live else None
            if self._searcher is None or name != self._dir or not self._searcher.up_to_date():
                ix = self.open() if (self._ix is None or name != self._dir) else self._ix
                self._ix, self._dir = ix, (self.live_dir().name if self.live_dir() else None)
                self._searcher = ix.searcher()
                self._columns, self._column_readers = {}, {}
            return self._searcher

    def column(self, searcher, field_name: str) -> array | list:
        """The field's column value for every document number of `searcher` (deleted ones included).

        Read once per segment and kept while the segment lives: a drain adds a small segment, so
        after a change only that one is read (at 100k records all seven facets took 0.65 s to read).
        Counting facets over these lists costs a few ms where Whoosh's grouping collector spent
        most of a common word's query time (measured: 2/3 of 110 ms at 10k records).
        """
        with self._lock:
            current = searcher is self._searcher
            if current and field_name in self._columns:
                return self._columns[field_name]
            parts, keys = [], []
            for reader, _offset in searcher.reader().leaf_readers():  # in document-number order
                key = (reader.segment().segment_id(), field_name)
                keys.append(key)
                if key not in self._segment_columns:
                    self._segment_columns[key] = _column_values(reader, field_name)
                parts.append(self._segment_columns[key])
            keys, live = tuple(keys), set(keys)
            joined_keys, values = self._joined.get(field_name, ((), None))
            if joined_keys != keys:
                values = parts[0] if len(parts) == 1 else _joined(parts)
            if current:
                self._columns[field_name] = values
                self._joined[field_name] = (keys, values)
                for gone in [k for k in self._segment_columns if k[1] == field_name and k not in live]:
                    del self._segment_columns[gone]
            return values

    def grouped(self, searcher, field_name: str) -> dict:
        """The document numbers of each value of a column of `searcher`, made once per column read."""
        values = self.column(searcher, field_name)
        with self._lock:
            column, groups = self._grouped.get(field_name, (None, None))
            if column is values:
                return groups
            lists = defaultdict(list)
            for docnum, value in enumerate(values):
                lists[value].append(docnum)
            self._grouped[field_name] = (values, dict(lists))
            return self._grouped[field_name][1]

    def text_matches(self, searcher, field_name: str, needle: str, *, run_start: bool = False,
                     run_end: bool = False) -> set[int]:
        """The live documents whose text column `field_name` (analysis.run_text) contains `needle`;
        with run_start / run_end, only where it begins / ends a run (at a space or an end).

        Each segment's column is one str in memory, kept while the segment lives, and `needle` is
        looked for in it with str.find: the summaries' bigram postings this replaces were three
        quarters of the index and of the time to build it.
        """
        out: set[int] = set()
        for reader, offset, text in self._texts(searcher, field_name):
            found = _find_in_text(*text, needle, run_start, run_end)
            if found and reader.has_deletions():
                found = [d for d in found if not reader.is_deleted(d)]
            out.update(found if not offset else [d + offset for d in found])
        return out

    def _texts(self, searcher, field_name: str) -> list[tuple]:
        """(segment reader, its first document number, its text) for each segment of `searcher`."""
        out, live = [], set()
        for reader, offset in searcher.reader().leaf_readers():
            key = (reader.segment().segment_id(), field_name)
            live.add(key)
            with self._lock:
                text = self._segment_texts.get(key)
            if text is None:
                text = _text_values(reader, field_name)
                with self._lock:
                    self._segment_texts[key] = text
            out.append((reader, offset, text))
        with self._lock:
            if searcher is self._searcher:
                for gone in [k for k in self._segment_texts if k[1] == field_name and k not in live]:
                    del self._segment_texts[gone]
        return out

    def preload_columns(self, fields: tuple[str, ...], grouped: tuple[str, ...] = (),
                        texts: tuple[str, ...] = ()) -> None:
        """Read `fields`, `grouped` and `texts` of every live segment, then close the index again.

        Called in gunicorn's master before it forks: each worker finds them read (about 0.1 s at 100k
        records) and opens its own searcher, for open files must not be shared across a fork.
        """
        searcher = self.searcher()
        for field_name in fields:
            self.column(searcher, field_name)
        for field_name in grouped:
            self.grouped(searcher, field_name)
        for field_name in texts:
            self._texts(searcher, field_name)
        with self._lock:
            searcher.close()
            self._searcher = self._ix = self._dir = None
            self._columns, self._column_readers = {}, {}

    def column_reader(self, searcher, field_name: str):
        """Random access to a column of `searcher` (values read on demand, not all at once)."""
        with self._lock:
            if searcher is not self._searcher:
                return searcher.reader().column_reader(field_name)
            if field_name not in self._column_readers:
                self._column_readers[field_name] = searcher.reader().column_reader(field_name)
            return self._column_readers[field_name]

    def remove_old_folders(self) -> None:
        """Keep the live folder and the one before it (another process may still be reading it)."""
        live = self.live_dir()
        folders = sorted((p for p in self.root.glob("index-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for folder in [p for p in folders if p != live][:-1]:
            shutil.rmtree(folder, ignore_errors=True)


def _joined(parts: list) -> array | list:
    """Segments' columns end to end: an array when they are numbers."""
    numbers = next((part for part in parts if isinstance(part, array)), None)
    if numbers is None:
        return list(chain.from_iterable(parts))
    joined = array(numbers.typecode)  # the schema's, the same in every segment
    for part in parts:
        joined.extend(part)
    return joined


def _column_values(reader, field_name: str) -> array | list:
    """One segment's column: numbers as an array, facet references as a list of their values.

    Whoosh's column iterators unpack one value per Python call: 7 facets and the sort and length
    columns of 100k records took ~2 s, paid by the first search of every worker. Numbers stay in an
    array rather than becoming one int object each: less memory, and reading them after gunicorn's
    fork does not write reference counts into pages the master shares with the workers.
    """
    raw = reader.column_reader(field_name, translate=False)
    if isinstance(raw, columns.NumericColumn.Reader):
        values = raw._dbfile.get_array(raw._basepos, raw._typecode, raw._count)
        values.extend([raw._default] * (raw._doccount - raw._count))
        return values
    if isinstance(raw, columns.RefBytesColumn.Reader):
        field = reader.schema[field_name]
        uniques = [field.from_column_value(u) for u in raw._uniques]
        return [uniques[r] for r in raw._dbfile.get_array(raw._basepos, raw._typecode, raw._doccount)]
    return list(reader.column_reader(field_name))


def _text_values(reader, field_name: str) -> tuple[str, array]:
    """One segment's text column (documents.TEXT_ENCODING) as (its values end to end, where each
    document's value starts, with the end appended). A VarBytesColumn already stores them so: one
    slice of the file, decoded at once."""
    raw = reader.column_reader(field_name, translate=False)
    if isinstance(raw, columns.VarBytesColumn.Reader):
        starts = array("Q", accumulate(map(_HALF, raw._lengths), initial=0))  # two bytes a character
        size = starts[-1] * 2
        mapped = getattr(raw._dbfile, "_buf", None)  # the index file's memory map: decoded without a copy
        data = mapped[raw._basepos:raw._basepos + size] if mapped is not None else raw._dbfile.get(raw._basepos, size)
        return str(data, documents.TEXT_ENCODING), starts
    return _texts_end_to_end([bytes(v or b"").decode(documents.TEXT_ENCODING) for v in raw])


def _texts_end_to_end(values: list[str]) -> tuple[str, array]:
    """(the values joined, where each starts, with the end appended): what _find_in_text reads."""
    return "".join(values), array("Q", accumulate(map(len, values), initial=0))


_HALF = (2).__rfloordiv__  # n -> n // 2


def _find_in_text(text: str, starts: array, needle: str, run_start: bool, run_end: bool) -> list[int]:
    """The documents (by number in the segment) whose part of `text` contains `needle` (see text_matches)."""
    if not needle:
        return []
    found, size, find = [], len(needle), text.find
    position = find(needle)
    while position >= 0:
        doc = bisect_right(starts, position) - 1
        begin, end = starts[doc], starts[doc + 1]
        if (position + size <= end
                and (not run_start or position == begin or text[position - 1] == " ")
                and (not run_end or position + size == end or text[position + size] == " ")):
            found.append(doc)
            position = find(needle, end)  # one match is enough: on to the next document
        else:
            position = find(needle, position + 1)
    return found


def term_docs(searcher, field_name: str, text: str) -> set[int]:
    """The live document numbers of one term's postings.

    Read a block of ids at a time: Whoosh's all_ids() steps one posting per Python call, 3–4 times
    slower on the long lists of common words. Falls back to all_ids() for other matcher kinds.
    """
    out: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        if (field_name, text) not in reader:
            continue
        matcher, deleted = reader.postings(field_name, text), ()
        if isinstance(matcher, FilterMatcher):  # the segment has deletions
            matcher, deleted = matcher.child, matcher._ids
        if not hasattr(matcher, "_read_ids"):
            ids = list(matcher.all_ids())
        else:
            ids = []
            while matcher.is_active():
                if matcher._ids is None:
                    matcher._read_ids()
                ids.extend(matcher._ids[matcher._i:])
                matcher._next_block()
        live = set(ids).difference(deleted)
        out |= live if not offset else {d + offset for d in live}
    return out


_indexes: dict[str, SearchIndex] = {}
_indexes_lock = threading.Lock()


def current_index() -> SearchIndex:
    root = str(Path(current_app.instance_path) / "search")
    with _indexes_lock:
        if root not in _indexes:
            _indexes[root] = SearchIndex(Path(root))
        return _indexes[root]


def index_exists() -> bool:
    """A live index built under the current schema (reindex --if-missing rebuilds any other)."""
    live = current_index().live_dir()
    return live is not None and whoosh_index.exists_in(str(live)) and _schema_matches(live)


# ------------------------------------------------------------------ the outbox drain

def _pending_jobs(limit: int) -> list[tuple[int, str, int]]:
    return list(db.session.execute(
        select(IndexJob.id, IndexJob.kind, IndexJob.record_id).order_by(IndexJob.id).limit(limit)
    ).tuples())


def _finish(job_ids: list[int]) -> None:
    with write_transaction() as session:
        for i in range(0, len(job_ids), documents.CHUNK):
            session.execute(delete(IndexJob).where(IndexJob.id.in_(job_ids[i:i + documents.CHUNK])))


def _apply(writer, jobs: list[tuple[int, str, int]]) -> None:
    targets = documents.expand({(kind, rid) for _, kind, rid in jobs})
    for kind, ids in targets.items():
        if not ids:
            continue
        ids = sorted(ids)
        found = set()
        for doc in documents.BUILDERS[kind](ids):
            writer.update_document(**doc)
            found.add(doc["record_id"])
        for rid in set(ids) - found:  # deleted, or no longer public
            writer.delete_by_term("key", f"{kind}:{rid}")


def drain_outbox() -> int:
    """Apply pending index jobs; return how many were applied.

    Only one process writes at a time. A process that cannot get the writer lock within
    WRITER_TIMEOUT leaves its jobs: the holder looks for pending jobs again after it releases
    the lock, so nothing committed is left behind.
    """
    if _draining.get():
        return 0
    token = _draining.set(True)
    done = 0
    try:
        index = current_index()
        while _pending_jobs(1):
            try:
                writer = index.open().writer(timeout=WRITER_TIMEOUT)
            except LockError:
                log.info("search index busy: leaving jobs to the process that holds the lock")
                break
            # A fresh snapshot now that the lock is ours: the one the loop's check began may predate
            # a change another writer has since indexed, and re-applying it from there would undo it.
            db.session.rollback()
            jobs = _pending_jobs(BATCH)
            if any(kind == "all" for _, kind, _ in jobs):
                writer.cancel()
                done += rebuild()
                continue
            try:
                _apply(writer, jobs)
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            _finish([job_id for job_id, _, _ in jobs])
            done += len(jobs)
    finally:
        db.session.rollback()  # end the drain's read snapshot
        _draining.reset(token)
    return done


# ------------------------------------------------------------------ rebuild

def _tracked(progress: Callable | None, items: Iterable, total: int) -> Iterator:
    """`items`, under the progress bar when there is one (the command line's)."""
    if progress is None:
        yield from items
        return
    with progress(items, length=total, label="重建检索索引") as bar:
        yield from bar


def _each_record(counts: Iterable[int]) -> Iterator[None]:
    """One item per record of each finished slice: the progress bar counts records, not slices."""
    for count in counts:
        yield from (None for _ in range(count))


def rebuild(progress: Callable | None = None) -> int:
    """Build a new index from the database, swap it in, then drain what came in meanwhile.

    The live index's writer lock is held throughout, so drains wait (their jobs stay in the
    outbox) and are applied to the new index after the swap. Searches go on meanwhile.
    """
    index = current_index()
    live = index.live_dir()
    old_writer = None
    if live is not None and whoosh_index.exists_in(str(live)):
        old_writer = whoosh_index.open_dir(str(live)).writer(timeout=REBUILD_LOCK_TIMEOUT)
    try:
        db.session.rollback()  # one fresh snapshot for the counts, the jobs and the documents
        covered = db.session.execute(select(func.max(IndexJob.id))).scalar() or 0
        total = documents.count_all()
        folder, ix = index.create_folder()
        procs = building.worker_count() if total >= PARALLEL_FROM else 1
        if procs > 1:
            for _ in _tracked(progress, _each_record(building.build(ix, procs)), total):
                pass
        else:
            writer = ix.writer(limitmb=building.WRITER_MB)
            for doc in _tracked(progress, documents.all_documents(), total):
                writer.add_document(**doc)
            writer.commit()
        index.set_live(folder)
        db.session.rollback()
        with write_transaction() as session:
            session.execute(delete(IndexJob).where(IndexJob.id <= covered))
    finally:
        if old_writer is not None:
            old_writer.cancel()
    index.remove_old_folders()
    drain_outbox()
    return total
