"""Every private Whoosh name the search package uses, in one place, for Whoosh 2.7.4 only.

Whoosh is pinned (pyproject.toml) and no longer maintained, so its internals do not move under us;
the package still reads and patches them in only this module, which refuses to load under any other
version, and tests/search/test_whoosh_adapter.py names each one: an upgrade fails there, loudly,
rather than as wrong answers. The other modules call the public functions below.

- Three speed fixes (apply(), at import): sort runs spilled as marshal chunks, a length column found
  missing remembered, index files read through their memory map until busy. None changes what is
  written or read.
- posting_ids(): a term's live document numbers a block at a time, from the matcher's block internals.
- Writing: a worker's segment finalised without a commit (segment_writer, finish_segment), segments
  listed as the index (commit_segments), and a commit whose merges this module chooses and reports
  (commit), so that the application's per-document arrays (docarrays.py) follow the new segment's
  document order exactly: the documents the writer added, then each merged segment's live documents.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from io import BytesIO
from itertools import islice

import whoosh
from whoosh import writing
from whoosh.codec import whoosh3
from whoosh.filedb import structfile
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.util import fib

from . import deadline

PINNED = (2, 7, 4)
if tuple(whoosh.__version__) != PINNED:
    raise ImportError(f"innovation_hub.search needs Whoosh {'.'.join(map(str, PINNED))} exactly (pinned in "
                      f"pyproject.toml; whoosh_adapter.py uses its internals), found {whoosh.versionstring()}")

RUN_CHUNK = 20_000  # postings per marshal record of a sort run
COPY_AFTER_READS = 2_000  # reads through an index file's map before it is copied for faster reads
TIME_CHECK_STEPS = 4096  # postings read between two looks at the search's deadline

# Merge policies of commit(): which existing segments the new one absorbs.
MERGE_SMALL = "small"  # Whoosh's default heuristic (writing.MERGE_SMALL)
MERGE_ALL = "all"
MERGE_NONE = "none"


def apply() -> None:
    """Install the speed fixes (idempotent)."""
    if getattr(whoosh3.W3PerDocReader._cached_reader, "innovation_hub", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _remembering(whoosh3.W3PerDocReader._cached_reader)
    writing.PostingPool = _chunked_runs(writing.PostingPool)
    _copy_buffer_when_busy(structfile.BufferFile)


# ------------------------------------------------------------------ reading postings


def posting_ids(reader, field_name: str, text: str) -> set[int]:
    """The live document numbers (in the segment `reader`) of one term's postings.

    Read a block of ids at a time: Whoosh's all_ids() steps one posting per Python call, 3–4 times
    slower on the long lists of common words. Falls back to all_ids() for other matcher kinds.
    """
    if (field_name, text) not in reader:
        return set()
    matcher, deleted = reader.postings(field_name, text), ()
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        matcher, deleted = matcher.child, matcher._ids
    if not hasattr(matcher, "_read_ids"):
        return set(matcher.all_ids()).difference(deleted)
    ids = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids[matcher._i:])
        matcher._next_block()
        if len(ids) > TIME_CHECK_STEPS:
            deadline.check()
    return set(ids).difference(deleted)


# ------------------------------------------------------------------ writing segments


def segment_writer(ix, limitmb: int) -> writing.SegmentWriter:
    """A writer for one segment of a rebuild's worker: no lock (the parent holds the folder's)."""
    return writing.SegmentWriter(ix, _lk=False, limitmb=limitmb)


def finish_segment(writer) -> object:
    """Write out a worker's segment without committing it, and return it (for commit_segments).

    Not writer._finish(): it deletes the temporary folder every worker shares; the parent's writer
    deletes it at the end (and a failed build's folder is never made live)."""
    return writer._finalize_segment()


def commit_segments(ix, segments: list) -> None:
    """Make `segments` (finish_segment's, each with its arrays file written) the index's contents."""
    writer = ix.writer()
    try:
        writer._close_segment()  # this writer added nothing of its own
        writer._commit_toc(segments)
    finally:
        writer._finish()


def commit(writer, write_arrays: Callable[[str, int, list[tuple[str, list[int]]]], None],
           merge: str = MERGE_SMALL) -> None:
    """writer.commit(), with the merge chosen here and reported before the new segment goes live.

    write_arrays(segment id, its document count, [(merged segment id, its live document numbers), …])
    is called once the new segment is written and before the table of contents that lists it: the new
    segment's documents are the ones the writer added, in order, then those of each merged segment in
    that order. Whoosh's own commit would merge by writing.MERGE_SMALL without saying which segments.
    """
    writer._check_state()
    kept, merged = _merge_plan(writer.segments, merge)
    sources = []
    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            sources.append((segment.segment_id(), list(reader.all_doc_ids())))
            writer.add_reader(reader)
        finally:
            reader.close()
    if writer._added:
        segment = writer._finalize_segment()
        write_arrays(segment.segment_id(), segment.doc_count_all(), sources)
        kept.append(segment)
    else:
        writer._close_segment()
    writer._commit_toc(kept)
    writer._finish()


def _merge_plan(segments: list, merge: str) -> tuple[list, list]:
    """(the segments kept as they are, those merged into the new one, in merge order)."""
    if merge == MERGE_ALL:
        return [], list(segments)
    if merge == MERGE_NONE:
        return list(segments), []
    # writing.MERGE_SMALL's choice, the same segments in the same order.
    by_size = sorted(segments, key=lambda s: s.doc_count_all())
    total = 0
    for i, segment in enumerate(by_size):
        total += max(segment.doc_count_all(), 0)
        if i > 3 and total < fib(i + 5):
            return by_size[i + 1:], by_size[:i + 1]
    return list(segments), []


# ------------------------------------------------------------------ speed fixes


def _copy_buffer_when_busy(buffer_file):
    """A BufferFile wraps a slice of the index's memory map, and its constructor copies the whole slice
    into a BytesIO for read()/seek(). At 100k records those copies cost 0.1 s for each searcher opened,
    and gunicorn's master, which opens one only to read columns, paid them for nothing. A BufferFile
    now reads through the map, and copies once its reads show the file is in steady use: a Python
    read() is slower than BytesIO's, by 20–30 ms on a phrase query that steps through many blocks."""

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self._stream = None
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def stream(self):
        current = self._stream
        if current is None:
            current = self._stream = _MapStream(self._buf)
        elif current.__class__ is _MapStream and current.reads > COPY_AFTER_READS:
            position = current.tell()
            current = self._stream = BytesIO(self._buf)
            current.seek(position)
        return current

    def set_stream(self, value):
        self._stream = value

    def close(self):
        if self.is_closed:
            raise Exception("This file is already closed")
        if self.onclose:
            self.onclose(self)
        if self._stream is not None:
            self._stream.close()
        self.is_closed = True

    buffer_file.__init__ = __init__
    buffer_file.file = property(stream, set_stream)
    buffer_file.close = close


class _MapStream:
    """read/readline/seek/tell over a buffer without copying it (BytesIO(buffer) copies)."""

    __slots__ = ("_view", "_pos", "reads")

    def __init__(self, buf):
        self._view = memoryview(buf)
        self._pos = 0
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return self._view[start:self._pos].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        self.reads += 1
        limit = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start = end = self._pos
        while end < limit:
            chunk = self._view[end:min(end + 4096, limit)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                end += newline + 1
                break
            end += len(chunk)
        self._pos = end
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = 0) -> int:
        position = (0, self._pos, len(self._view))[whence] + offset
        if position < 0:
            raise ValueError("negative seek position")
        self._pos = position
        return position

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")  # drops the map's buffer, so the map can close


def _remembering(cached_reader):
    """Whoosh looks for a field's length column on disk (a stat call) for every posting it writes of
    a field that has none (our non-scorable fields, schema.py): remember that it is missing too."""

    def remembering(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = cached_reader(self, fieldname, column)
        return self._readers[fieldname]

    remembering.innovation_hub = True
    return remembering


def _chunked_runs(pool_class):
    """The posting pool spills sorted runs to temporary files when a segment outgrows memory (every
    million postings, so 6–7 times per writer process at 100k records) and merges them back: Whoosh
    pickles and unpickles one posting per call. Runs are written and read as marshal chunks instead."""

    class ChunkedRunPostingPool(pool_class):
        def _write_run(self, f, items):
            items = iter(items)
            while chunk := list(islice(items, RUN_CHUNK)):
                marshal.dump(chunk, f)
            f.close()

        def _read_run(self, path):
            f = self._open_run(path)
            try:
                while True:
                    try:
                        chunk = marshal.load(f)
                    except EOFError:
                        return
                    yield from chunk
            finally:
                f.close()
                self._remove_run(path)

    return ChunkedRunPostingPool


apply()
