"""A whole index written in parallel: worker processes each read slices of the records from the
database and write whole segments; the parent then lists those segments as the index.

Whoosh's own parallel writer (procs=2) sends every document from the parent to two writers, each of
which spills its postings to disk and merges them back once it outgrows memory: 192 s for 100k
records here. Segments of SEGMENT_DOCS documents fit in memory, and the parent only coordinates.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator

from whoosh import index as whoosh_index

from ..extensions import db
from . import docarrays, documents, whoosh_adapter

# ~140 postings a document: 10k documents sort in memory within WRITER_MB (Whoosh counts ~170 bytes each).
SEGMENT_DOCS = 10_000
WRITER_MB = 320


def _slices(procs: int) -> list[tuple[str, list[int]]]:
    """(kind, ids) slices of every public record, at most SEGMENT_DOCS each and at least one per
    worker, largest first so that the last slices to start are the short ones."""
    ids_by_kind = documents.all_ids()
    total = sum(len(ids) for ids in ids_by_kind.values())
    size = max(1, -(-total // max(procs, -(-total // SEGMENT_DOCS))))
    out = [(kind, ids[i:i + size]) for kind, ids in ids_by_kind.items() for i in range(0, len(ids), size)]
    return sorted(out, key=lambda task: len(task[1]), reverse=True)


def _write_segment(task: tuple[str, str, list[int]]):
    """In a worker: one segment of the index in `folder` from one slice of records, and its arrays file."""
    folder, kind, ids = task
    writer = docarrays.Writer(whoosh_adapter.segment_writer(whoosh_index.open_dir(folder), WRITER_MB), folder)
    try:
        for doc in documents.BUILDERS[kind](ids):
            writer.add_document(doc)
        if not len(writer.rows):
            return None, 0
        segment = whoosh_adapter.finish_segment(writer.whoosh)
        docarrays.write(folder, segment.segment_id(), writer.rows)  # before the parent makes it live
        return segment, len(writer.rows)
    finally:
        db.session.remove()


def _forget_parent_connections() -> None:
    """A forked worker opens its own database connections: SQLite's must not cross a fork."""
    db.engine.dispose(close=False)


def build(ix, procs: int) -> Iterator[int]:
    """Write the segments with `procs` worker processes, yielding each finished slice's record count;
    the segments become the index's contents when the iteration ends."""
    folder = ix.storage.folder
    tasks = [(folder, kind, ids) for kind, ids in _slices(procs)]
    db.session.remove()  # no connection of ours is carried into the workers
    segments = []
    # fork: the workers inherit the loaded app, segmenter and dictionary (spawn would reload them).
    with multiprocessing.get_context("fork").Pool(procs, initializer=_forget_parent_connections) as pool:
        for segment, count in pool.imap_unordered(_write_segment, tasks):
            if segment is not None:
                segments.append(segment)
            yield count
    whoosh_adapter.commit_segments(ix, segments)


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
