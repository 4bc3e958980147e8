"""Engine settings and the write transaction every service runs in.

Measured here (DESIGN.md): SQLite shared by several processes loses updates with the
driver's default transactions and reports "database is locked" with plain BEGIN; WAL,
a busy timeout and BEGIN IMMEDIATE for writes gave neither.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import Engine

from .extensions import db

BUSY_TIMEOUT_MS = 5000
_after_commit: list[Callable[[], None]] = []
log = logging.getLogger(__name__)


def after_write_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` after each outermost write transaction commits (e.g. drain the search outbox).

    A failing callback is logged, not raised: the data is committed, and what the callback
    had to do is kept (in the outbox) for a later run.
    """
    if callback not in _after_commit:
        _after_commit.append(callback)
    return callback


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and explicit BEGIN handling on `engine` (PostgreSQL: a lock wait bound)."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_conn, _record):
            # As SQLite's busy timeout: a writer waiting longer than this for a row lock gives up (503, retry)
            # instead of holding a worker until gunicorn kills it.
            with dbapi_conn.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
            dbapi_conn.commit()
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself, so a write can ask for BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction() -> Iterator:
    """One use case, one transaction: commit on success, roll back on any error.

    A read snapshot the view may hold is closed first, so the write starts with
    BEGIN IMMEDIATE and waits its turn instead of failing on upgrade.
    """
    session = db.session()  # the request's Session itself, not the scoped proxy
    if session.info.get("in_write"):
        # A service called from inside another service joins its transaction; what it changed is
        # flushed when it returns, so the caller's next query (autoflush is off) sees it.
        yield session
        session.flush()
        return
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info["in_write"] = True
    session.info["write_cache"] = {}
    try:
        # Services build whole records before flushing; a lookup must not flush half of one.
        with session.no_autoflush:
            yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info["in_write"] = False
        session.info.pop("write_cache", None)
    for callback in _after_commit:
        try:
            callback()
        except Exception:
            log.exception("after-commit step %s failed; its work stays queued", callback.__name__)


def lock(*records) -> None:
    """Hold each record's row lock for the rest of the write transaction, and reload it.

    A check-then-write decides from rows it read: on PostgreSQL (READ COMMITTED, concurrent writers) two
    transactions could both see a record as 待审核 and both approve it. SELECT … FOR UPDATE makes the second
    wait for the first and then read its outcome. On SQLite, BEGIN IMMEDIATE already runs writers one at a
    time, and SQLAlchemy renders no FOR UPDATE there. Lock the parent row every writer of the children
    locks (the assignment for its scores, the round for its nominations), before reading what is decided on.
    """
    session = db.session()
    if not session.info.get("in_write"):
        raise RuntimeError("lock() belongs inside write_transaction()")
    for record in records:
        mapper = inspect(record).mapper
        key = [mapper.get_property_by_column(column).class_attribute for column in mapper.primary_key]
        identity = inspect(record).identity
        # The key column alone: FOR UPDATE may not touch a joined-eager relationship's outer join.
        session.execute(select(*key).where(*(k == v for k, v in zip(key, identity, strict=True))).with_for_update())
        session.expire(record)  # read again, now that no other writer can change it


def lock_key(namespace: str, *parts) -> None:
    """Hold a lock on a natural key whose row may not exist yet, for the rest of the write transaction.

    Get-or-create by a natural key (a person by name + host unit) has no row to lock before it exists: two
    PostgreSQL transactions would both find nothing and both insert. A transaction-level advisory lock on the
    key's hash makes the second wait, then find the first one's row. SQLite's BEGIN IMMEDIATE already did.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b("\x1f".join([namespace, *map(str, parts)]).encode(), digest_size=8).digest()
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)})


def flushed_changes(session) -> list:
    """The objects a flush is writing: new, really modified, deleted (for after_flush listeners)."""
    modified = [obj for obj in session.dirty if session.is_modified(obj)]
    return [*session.new, *modified, *session.deleted]


def write_cache(name: str) -> dict:
    """A lookup cache that lives as long as the current write transaction (bulk imports reuse rows)."""
    caches = db.session().info.get("write_cache")
    return {} if caches is None else caches.setdefault(name, {})
