"""Two speed fixes to Whoosh 2.7.4's index writer (pinned, so these internals do not move).

Both keep what is written identical; they only change how fast it is written. apply() is idempotent.
"""

from __future__ import annotations

import marshal
from itertools import islice

RUN_CHUNK = 20_000  # postings per marshal record of a sort run


def apply() -> None:
    from whoosh import writing
    from whoosh.codec import whoosh3

    if getattr(whoosh3.W3PerDocReader._cached_reader, "innovation_hub", False):
        return
    whoosh3.W3PerDocReader._cached_reader = _remembering(whoosh3.W3PerDocReader._cached_reader)
    writing.PostingPool = _chunked_runs(writing.PostingPool)


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
