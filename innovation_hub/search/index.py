"""The Whoosh index in the instance folder: searchers reused, folders swapped by a rebuild.

Layout: instance/search/CURRENT names the live folder (index-<ns>); a rebuild writes a new
folder and replaces CURRENT atomically, so searches keep working while it runs. Beside each
Whoosh segment in the folder is the application's file of its per-document arrays (docarrays.py).
INDEX_ID names this machine's index in the change log's positions (changelog.py, which also
writes the index).

Measured here (DESIGN.md): Whoosh's writer lock is an flock, released by the kernel when a
process dies, so a killed writer leaves no stale lock; Searcher.refresh() is not trusted, a
new searcher is opened when the generation changed; one searcher per request costs 65–135 ms
at 100k records, so each process keeps one while the index is unchanged.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import weakref
from array import array
from bisect import bisect_right
from collections import defaultdict
from itertools import chain, compress, repeat
from operator import add
from pathlib import Path

from flask import current_app
from werkzeug.exceptions import HTTPException
from whoosh import index as whoosh_index

from . import deadline, docarrays, whoosh_adapter
from .schema import SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)

# Opening the live index races with other processes: a commit removes the previous generation's
# files, a rebuild's clean-up removes the folder before the last. Whoosh's own reader() retries;
# open_dir() does not (FileNotFoundError … _MAIN_N.toc), so opening is retried here.
OPEN_ATTEMPTS = 6
OPEN_RETRY_SECONDS = 0.02  # the first wait; doubled after each attempt (0.6 s in all)
TIME_CHECK_STEPS = 4096  # matches found, or postings read, between two looks at the search's deadline
# A needle's candidates (the documents holding all its characters) above this share of a segment are
# not looked at one by one. Measured (2.8M characters, 20k documents): a candidate costs 0.5 µs, the
# whole text's str.find 0.17–0.28 µs a document plus 1.2 µs a match, so one by one is the faster up
# to a third of the documents when little matches, and up to all of them when much does (as most
# of a word's candidates do: at 100k records, "装置" took 27 ms in the 3 segments where over half the
# documents were its candidates, looked for in the whole text, 23 ms in the other 9 one by one).
CANDIDATE_SHARE = 0.75


class IndexOutdated(HTTPException):
    """The live index was built under another schema (an upgrade): searching it would fail."""

    code = 503
    description = "检索索引需要重建（软件已升级）：请管理员运行 flask --app innovation_hub reindex，完成前暂时无法检索"


class IndexDamaged(HTTPException):
    """A live segment has no per-document arrays file, or one for another number of documents
    (docarrays.py): removed or damaged by hand, since a commit writes it before the segment goes live."""

    code = 503
    description = ("检索索引文件不完整（分段缺少文档数组文件），暂时无法检索："
                   "请管理员运行 flask --app innovation_hub reindex")


class IndexMissing(HTTPException):
    """This machine has no index yet (or its folder was removed): one process is rebuilding it."""

    code = 503
    description = "检索索引正在重建（本机的索引文件夹缺失），暂时无法检索，请几分钟后再试"


def _schema_matches(folder: Path) -> bool:
    try:
        return (folder / "SCHEMA").read_text().strip() == str(SCHEMA_VERSION)
    except FileNotFoundError:
        return False


def _retrying(attempt: int) -> None:
    time.sleep(OPEN_RETRY_SECONDS * 2 ** attempt)


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
        # (segment id, field) -> (its text, where each document starts, its character index)
        self._segment_texts: dict[tuple[str, str], tuple[str, array, _CharBits]] = {}
        # searcher -> {segment id: its arrays file}, opened with the searcher (kept as long as it is).
        self._arrays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # The change log (changelog.py): when this process last looked at it, the gaps it last saw,
        # when it last pruned, and its rebuild running in the background, if any.
        self.checked_at = float("-inf")
        self.known_gaps: str = "[]"
        self.pruned_at = float("-inf")
        self.rebuilding: threading.Thread | None = None

    # -- the live folder

    def live_dir(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def set_live(self, folder: Path) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(folder.name)
        os.replace(tmp, self.root / "CURRENT")

    def create_folder(self) -> tuple[Path, whoosh_index.Index]:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"index-{time.time_ns()}-{os.getpid()}"
        folder.mkdir()
        (folder / "SCHEMA").write_text(str(SCHEMA_VERSION))
        return folder, whoosh_index.create_in(str(folder), build_schema())

    def open(self, live: Path | None = None) -> whoosh_index.Index:
        """The live index (or `live`, the folder CURRENT names). IndexMissing when there is none: only a
        rebuild makes one, so that an index always holds every public record."""
        for attempt in range(OPEN_ATTEMPTS):
            folder = live or self.live_dir()
            if folder is None:
                raise IndexMissing()
            try:
                schema = (folder / "SCHEMA").read_text().strip()
                ix = whoosh_index.open_dir(str(folder))
            except whoosh_index.EmptyIndexError:
                raise IndexMissing() from None  # a live folder emptied by hand
            except FileNotFoundError:
                live = None  # CURRENT may name another folder by now
                if attempt + 1 < OPEN_ATTEMPTS:
                    _retrying(attempt)
                    continue
                raise IndexMissing() from None  # the folder CURRENT names is gone
            if schema != str(SCHEMA_VERSION):
                raise IndexOutdated()
            return ix
        raise AssertionError("not reached")

    def live_name(self) -> str | None:
        """The live folder's name when it holds an index built under the current schema, else None."""
        live = self.live_dir()
        if live is None or not _schema_matches(live):
            return None
        try:
            if not any(name.startswith("_MAIN_") and name.endswith(".toc") for name in os.listdir(live)):
                return None
        except FileNotFoundError:
            return None
        return live.name

    def is_outdated(self) -> bool:
        """The live folder was built under another schema: only reindex (or a server start) replaces it."""
        live = self.live_dir()
        return live is not None and (live / "SCHEMA").is_file() and not _schema_matches(live)

    # -- searching

    def searcher(self):
        """A searcher on the live index, reopened only when the folder or its generation changed.

        Retried when another process removed a file while it was being opened (see OPEN_ATTEMPTS).
        """
        with self._lock:
            for attempt in range(OPEN_ATTEMPTS):
                live = self.live_dir()
                if live is None:
                    raise IndexMissing()
                try:
                    if self._searcher is not None and live.name == self._dir and self._searcher.up_to_date():
                        return self._searcher
                    ix = self._ix if (self._ix is not None and live.name == self._dir) else self.open(live)
                    searcher = ix.searcher()
                    self._open_arrays(searcher, live)
                except FileNotFoundError as error:
                    if attempt + 1 == OPEN_ATTEMPTS:
                        if isinstance(error, docarrays.ArraysMissing):
                            raise IndexDamaged() from error
                        raise
                    self._ix = None
                    _retrying(attempt)
                    continue
                self._ix, self._dir, self._searcher = ix, live.name, searcher
                self._columns = {}
                return searcher
            raise AssertionError("not reached")

    def _open_arrays(self, searcher, folder: Path) -> None:
        """The arrays files of `searcher`'s segments, opened with it: a commit may delete a merged
        segment's file while this searcher is still in use, and the open map keeps it readable."""
        previous = self._arrays.get(self._searcher, {}) if self._searcher is not None else {}
        files = {}
        for reader, _offset, segment_id in segments_of(searcher.reader()):
            files[segment_id] = previous.get(segment_id) or docarrays.SegmentArrays(
                docarrays.path_for(folder, segment_id), reader.doc_count_all())
        self._arrays[searcher] = files

    def _segment_arrays(self, searcher, segment_id: str) -> docarrays.SegmentArrays:
        if searcher not in self._arrays:  # a searcher this process did not open through searcher()
            self._open_arrays(searcher, self.live_dir())
        return self._arrays[searcher][segment_id]

    def column(self, searcher, field_name: str) -> array | list | docarrays.Runs:
        """The per-document array `field_name` (docarrays.ARRAYS) for every document number of
        `searcher` (deleted ones included).

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
            for _reader, _offset, segment_id in segments_of(searcher.reader()):  # in document-number order
                key = (segment_id, field_name)
                keys.append(key)
                if key not in self._segment_columns:
                    self._segment_columns[key] = self._segment_arrays(searcher, key[0]).values(field_name)
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

        Each segment's column is one str in memory, kept while the segment lives: the summaries' bigram
        postings this replaces were three quarters of the index and of the time to build it. str.find
        over the whole str costs 22–33 ms a needle at 100k records, matched or not, so `needle` is looked
        for only in the documents holding every one of its characters and frequent pairs (the segment's
        character index, docarrays.CharPostings), unless they are most of the segment (CANDIDATE_SHARE);
        a needle that is one frequent pair is answered by the pair's postings.
        """
        out: set[int] = set()
        for reader, offset, (text, starts, chars) in self._texts(searcher, field_name):
            deadline.check()
            found = None if run_start or run_end else chars.exact(needle)
            if found is None:
                candidates = chars.candidates(needle)
                if candidates is None:
                    found = _find_in_text(text, starts, needle, run_start, run_end)
                else:
                    found = _find_in_docs(text, starts, candidates, needle, run_start, run_end)
            if found and reader.has_deletions():
                found = [d for d in found if not reader.is_deleted(d)]
            out.update(found if not offset else [d + offset for d in found])
        return out

    def _texts(self, searcher, field_name: str) -> list[tuple]:
        """(segment reader, its first document number, (its text, where each document starts, its
        character index)) for each segment of `searcher`."""
        out, live = [], set()
        for reader, offset, segment_id in segments_of(searcher.reader()):
            key = (segment_id, field_name)
            live.add(key)
            with self._lock:
                text = self._segment_texts.get(key)
            if text is None:
                arrays = self._segment_arrays(searcher, key[0])
                text = (*arrays.text(field_name), _CharBits(arrays.char_postings(field_name), arrays.doc_count))
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
            self._arrays.pop(searcher, None)
            searcher.close()
            self._searcher = self._ix = self._dir = None
            self._columns = {}

    def column_reader(self, searcher, field_name: str) -> docarrays.Runs:
        """A text array's value (bytes) by document number of `searcher`: column() (kept for queries.py)."""
        return self.column(searcher, field_name)

    def remove_old_folders(self) -> None:
        """Keep the live folder and the one before it (another process may still be reading it)."""
        live = self.live_dir()
        folders = sorted((p for p in self.root.glob("index-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for folder in [p for p in folders if p != live][:-1]:
            shutil.rmtree(folder, ignore_errors=True)


def segments_of(reader) -> list[tuple]:
    """(segment reader, its first document number, its segment's id) for each segment of an index
    reader (none for an empty index, whose reader has no segment)."""
    return [(leaf, offset, leaf.segment().segment_id())
            for leaf, offset in reader.leaf_readers() if leaf.segment() is not None]


def _joined(parts: list) -> array | list | docarrays.Runs:
    """Segments' arrays end to end: an array when they are numbers."""
    if parts and isinstance(parts[0], docarrays.Runs):
        return docarrays.Runs.joined(parts)
    numbers = next((part for part in parts if isinstance(part, array)), None)
    if numbers is None:
        return list(chain.from_iterable(parts))
    joined = array(numbers.typecode)  # the same in every segment (docarrays.ARRAYS)
    for part in parts:
        joined.extend(part)
    return joined


def _find_in_text(text: str, starts: array, needle: str, run_start: bool, run_end: bool) -> list[int]:
    """The documents (by number in the segment) whose part of `text` contains `needle` (see text_matches)."""
    if not needle:
        return []
    found, size, find = [], len(needle), text.find
    position = find(needle)
    steps = 0
    while position >= 0:
        steps += 1
        if not steps % TIME_CHECK_STEPS:
            deadline.check()
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


def _find_in_docs(text: str, starts: array, docs, needle: str, run_start: bool, run_end: bool) -> list[int]:
    """_find_in_text, looking only in the parts of `docs` (ascending document numbers)."""
    found, size, find = [], len(needle), text.find
    docs = docs if isinstance(docs, list) else list(docs)
    for chunk_start in range(0, len(docs), TIME_CHECK_STEPS):
        deadline.check()
        chunk = docs[chunk_start:chunk_start + TIME_CHECK_STEPS]
        # The first match in each document's part, by str.find called through map(): no Python step per
        # document, a quarter of the time of a loop over 40k candidates of a common word.
        begins = list(map(starts.__getitem__, chunk))
        firsts = list(map(find, repeat(needle), begins, map(starts.__getitem__, map((1).__add__, chunk))))
        if not (run_start or run_end):
            found += compress(chunk, map((-1).__lt__, firsts))
            continue
        for doc, begin, position in zip(chunk, begins, firsts, strict=True):
            end = starts[doc + 1]
            while position >= 0:
                if ((not run_start or position == begin or text[position - 1] == " ")
                        and (not run_end or position + size == end or text[position + size] == " ")):
                    found.append(doc)
                    break
                position = find(needle, position + 1, end)
    return found


_ONE = re.compile("1")
_START = re.Match.start  # through map(): no Python step per set bit


class _CharBits:
    """A segment's character index, each character's documents as the bits of one int (made when first
    asked for, kept while the segment lives): intersecting two is one `&` over doc_count / 8 bytes,
    where sets of a common character's 80k documents take milliseconds and megabytes."""

    def __init__(self, postings: docarrays.CharPostings, doc_count: int):
        self.postings, self.doc_count = postings, doc_count
        self._bits: dict[str, int] = {}

    def _of(self, char: str) -> int:
        bits = self._bits.get(char)
        if bits is None:
            marks = bytearray((self.doc_count + 7) // 8)
            for doc in self.postings.docs(char):
                marks[doc >> 3] |= 1 << (doc & 7)
            bits = self._bits[char] = int.from_bytes(marks, "little")
        return bits

    def exact(self, needle: str) -> list[int] | None:
        """The documents holding `needle`, in order, when it is one frequent pair (docarrays.PAIR_SHARE);
        else None (look at the candidates)."""
        if len(needle) != 2 or not self.postings.has(needle):
            return None
        return self._listed(self._of(needle))

    def candidates(self, needle: str) -> list[int] | None:
        """The documents holding every character and frequent pair of `needle` (the space joining its
        runs aside), in order; None when they are too many to look at one by one (CANDIDATE_SHARE), or
        it has none."""
        units = set(needle) - {" "}
        units.update(pair for pair in map(add, needle, needle[1:]) if self.postings.has(pair))
        counts = sorted((self.postings.count(unit), unit) for unit in units)
        if not counts:
            return None
        if not counts[0][0]:
            return []  # a character no document holds: nothing in this segment matches
        limit = self.doc_count * CANDIDATE_SHARE
        if counts[0][0] > limit:
            return None
        bits = self._of(counts[0][1])
        for _count, char in counts[1:]:
            if not bits:
                return []
            bits &= self._of(char)
        if bits.bit_count() > limit:
            return None
        return self._listed(bits)

    @staticmethod
    def _listed(bits: int) -> list[int]:
        # The set bits' positions: in the binary digits, lowest first (measured: 2–4 times faster than
        # a byte at a time through a table of each byte's bits).
        return list(map(_START, _ONE.finditer(format(bits, "b")[::-1])))


def term_docs(searcher, field_name: str, text: str) -> set[int]:
    """The live document numbers of one term's postings (read a block at a time: whoosh_adapter)."""
    out: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        deadline.check()
        live = whoosh_adapter.posting_ids(reader, field_name, text)
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
    """A live index built under the current schema."""
    return current_index().live_name() is not None
