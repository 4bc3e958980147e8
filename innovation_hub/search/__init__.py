"""Chinese full-text search over the public catalogue, behind one narrow seam.

The rest of the site calls only what this package exports:

- search(SearchQuery) -> SearchResults   ids in rank order, exact total, facet counts, words to mark
- similar(text, limit, exclude) -> [Hit]  records with a title like `text`, best first (查重)
- highlight(text, terms), snippet(text, terms)   escaped HTML with <mark>
- drain_outbox() -> int                  apply the change log's rows this machine's index has not (after commits)
- rebuild(progress=None) -> int          rebuild the index from the database and swap it in
- index_ready() -> bool                  this machine has an index that follows the log (else reindex --if-missing)
- ensure_index() -> bool                 at a server's start: rebuild unless index_ready()
- verify_index() -> [str]                what differs between the database and this machine's index (flask check)
- preload()                              read what every search needs once, before gunicorn forks

Changes reach every server's index through the change log (outbox.py, changelog.py): a job row
is written in the same transaction as the change; each server's index applies the log from its
own position, after its own commits and, for other servers' commits, before its searches.
Whoosh and jieba live behind this seam, so another engine can replace them without touching views.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .changelog import drain_outbox, ensure_index, index_ready, rebuild
from .highlight import highlight, snippet
from .index import index_exists
from .queries import RECORD_TYPES, Hit, QueryError, SearchQuery, SearchResults, search, similar
from .verify import verify_index

__all__ = ["RECORD_TYPES", "Hit", "QueryError", "SearchQuery", "SearchResults", "drain_outbox", "ensure_index",
           "highlight", "index_exists", "index_ready", "init_app", "preload", "rebuild", "search", "similar",
           "snippet", "verify_index"]


def init_app(app: Flask) -> None:
    """Load jieba once (before gunicorn forks, with preload) and drain the outbox after writes."""
    from ..database import after_write_commit
    from . import analysis, outbox  # noqa: F401  (outbox: installs the session listeners)

    analysis.setup(Path(app.instance_path) / "cache" / "jieba")
    after_write_commit(_drain_if_jobs_written)


def _drain_if_jobs_written() -> None:
    from flask import current_app

    from ..extensions import db
    from .outbox import PENDING

    if db.session().info.pop(PENDING, False) and current_app.config["SEARCH_DRAIN_AFTER_WRITES"]:
        drain_outbox()


def preload() -> None:
    """In gunicorn's master (preload_app): the per-document arrays of the live index, read once for
    every worker. Nothing stays open; a site without an index yet is left alone."""
    from .index import current_index
    from .queries import COLUMNS, GROUPED, TEXTS

    if index_exists():
        # title_runs too: a worker's first title phrase would otherwise read and join it.
        current_index().preload_columns((*COLUMNS, "title_runs"), GROUPED, TEXTS)
