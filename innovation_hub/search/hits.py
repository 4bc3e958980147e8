"""The hits' rows from SQL, the source of truth: the records the search page shows, the columns the API sends.

A hit whose record is gone or no longer approved is left out: removed or withdrawn since the index saw it, its
outbox job is on the way.
"""

from __future__ import annotations

from sqlalchemy import bindparam, null, select
from sqlalchemy.orm import selectinload

from ..catalogue.models import Achievement, Patent, Studio
from ..extensions import db
from ..models import RecordStatus
from .queries import SearchResults

_MODELS = {"achievement": Achievement, "patent": Patent, "studio": Studio}


def hit_records(results: SearchResults) -> dict[tuple[str, int], object]:
    """(type, id) → the hit's record with its studio, a query per record type."""
    records = {}
    for kind, model in _MODELS.items():
        ids = [h.id for h in results.hits if h.type == kind]
        if not ids:
            continue
        stmt = select(model).where(model.id.in_(ids))
        if model is not Studio:
            stmt = stmt.options(selectinload(model.studio))
        # The status is checked here, not in SQL: with `status = 'approved'` beside `id IN (…)` SQLite walks
        # the (status, year) index over every approved record (2.8 ms at 10k) instead of 20 primary keys.
        records.update({(kind, r.id): r for r in db.session.execute(stmt).scalars()
                        if model is Studio or r.status is RecordStatus.APPROVED})
    return records


# What an API hit shows, per type: its title, the text of its snippet, its studio's name; then the status,
# checked as in hit_records. Built once: building and caching a statement per request cost as much as running it.
_IDS = bindparam("ids", expanding=True)
_API_ROWS = {
    "achievement": select(Achievement.id, Achievement.title, Achievement.summary, Studio.name, Achievement.status)
    .join(Studio, Studio.id == Achievement.studio_id).where(Achievement.id.in_(_IDS)),
    "patent": select(Patent.id, Patent.title, Patent.abstract, Studio.name, Patent.status)
    .join(Studio, Studio.id == Patent.studio_id).where(Patent.id.in_(_IDS)),
    "studio": select(Studio.id, Studio.name, Studio.intro, Studio.name, null()).where(Studio.id.in_(_IDS)),
}


def api_hit_rows(results: SearchResults) -> dict[tuple[str, int], tuple[str, str, str]]:
    """(type, id) → (title, snippet text, studio name) of each hit, one query per type.

    Only the shown columns: whole records with their studios (and the studios' leaders) through the ORM cost
    more than the search itself at 10k records.
    """
    shown = {}
    connection = db.session.connection()  # plain rows: the session's ORM result handling doubled the time
    for kind, stmt in _API_ROWS.items():
        ids = [h.id for h in results.hits if h.type == kind]
        if ids:
            for rid, title, body, studio_name, status in connection.execute(stmt, {"ids": ids}):
                if kind == "studio" or status is RecordStatus.APPROVED:
                    shown[(kind, rid)] = (title, body, studio_name)
    return shown
