"""Speed fixes to Whoosh 2.7.4 (pinned, so these internals do not move).

Two for the index writer and one for opening an index. None changes what is written or read, only
how fast. apply() is idempotent.
"""

from __future__ import annotations

import marshal
from io import BytesIO
from itertools import islice

RUN_CHUNK = 20_000  # postings per marshal record of a sort run
COPY_AFTER_READS = 2_000  # reads through an index file's map before it is copied for faster reads


def apply() -> None:
    from whoosh import writing
    from whoosh.codec import whoosh3
    from whoosh.filedb import structfile

    if getattr(whoosh3.W3PerDocReader._cached_reader, "innovation_hub", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _remembering(whoosh3.W3PerDocReader._cached_reader)
    writing.PostingPool = _chunked_runs(writing.PostingPool)
    _copy_buffer_when_busy(structfile.BufferFile)


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
