"""Chinese full-text search over the public catalogue, behind one narrow seam.

The rest of the site calls only what this package exports:

- search(SearchQuery) -> SearchResults   ids in rank order, exact total, facet counts, words to mark
- similar(text, limit, exclude) -> [Hit]  records with a title like `text`, best first (查重)
- highlight(text, terms), snippet(text, terms)   escaped HTML with <mark>
- drain_outbox() -> int                  apply pending index jobs (after commits, at start)
- rebuild(progress=None) -> int          rebuild the index from the database and swap it in
- preload()                              read what every search needs once, before gunicorn forks

Changes reach the index through the outbox (outbox.py): a job row is written in the same
transaction as the change and drained after commit. Whoosh and jieba live behind this seam,
so another engine can replace them without touching views.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .highlight import highlight, snippet
from .index import drain_outbox, index_exists, rebuild
from .queries import RECORD_TYPES, Hit, QueryError, SearchQuery, SearchResults, search, similar

__all__ = ["RECORD_TYPES", "Hit", "QueryError", "SearchQuery", "SearchResults", "drain_outbox", "highlight",
           "index_exists", "init_app", "preload", "rebuild", "search", "similar", "snippet"]


def init_app(app: Flask) -> None:
    """Load jieba once (before gunicorn forks, with preload) and drain the outbox after writes."""
    from ..database import after_write_commit
    from . import analysis, outbox  # noqa: F401  (outbox: installs the session listeners)

    analysis.setup(Path(app.instance_path) / "cache" / "jieba")
    after_write_commit(_drain_if_jobs_written)


def _drain_if_jobs_written() -> None:
    from ..extensions import db
    from .outbox import PENDING

    if db.session().info.pop(PENDING, False):
        drain_outbox()


def preload() -> None:
    """In gunicorn's master (preload_app): the per-document columns of the live index, read once for
    every worker. Nothing stays open; a site without an index yet is left alone."""
    from .index import current_index
    from .queries import COLUMNS, GROUPED, TEXTS

    if index_exists():
        current_index().preload_columns(COLUMNS, GROUPED, TEXTS)
