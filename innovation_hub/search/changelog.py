"""Each machine's index follows the change log (search_outbox) at its own position, and is rebuilt by swap.

The log: every catalogue change writes a job row in its own transaction (outbox.py). No drain
deletes a row: several app servers on one database each keep their own Whoosh index, named by
the id in their instance's search/INDEX_ID, and each records in search_index_positions how far
it has applied the log. Rows are pruned once every live index (one that reported within
SEARCH_INDEX_LIVE_SECONDS) has passed them; an index left behind what was pruned, or without a
position (new, or its folder lost), is rebuilt from the database.

Ids do not commit in id order on PostgreSQL (A takes 10, B takes 11, B commits first), so a
position is not just the largest id seen: ids not seen below it are kept as gaps, read again at
every drain and applied when they appear, and passed only when they are older than any
transaction can be open (SEARCH_LOG_SETTLE_SECONDS; then they were rolled back). Applying a job
reads the record's current state, so applying one twice is harmless.

A server sees other servers' changes because every search first checks, at most once every
SEARCH_LOG_CHECK_SECONDS per process and with one query, whether the log has moved past its
position, and drains first if so. Only one process writes an index at a time (Whoosh's flock,
writer(timeout=…)); only one rebuilds it (REBUILD.lock).
"""

from __future__ import annotations

import contextvars
import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, has_request_context
from sqlalchemy import delete, func, or_, select, update
from whoosh import index as whoosh_index
from whoosh.index import LockError

from ..database import write_transaction
from ..extensions import db
from ..models import utcnow
from . import building, docarrays, documents
from .index import IndexMissing, SearchIndex, current_index
from .models import IndexJob, IndexPosition, LogState

log = logging.getLogger(__name__)

WRITER_TIMEOUT = 2.0  # seconds a drain after a commit waits for the writer lock before leaving its jobs
REBUILD_LOCK_TIMEOUT = 120.0
BATCH = 1000
PARALLEL_FROM = 5000  # documents; below this, starting writer processes costs more than it saves
PRUNE_EVERY = 60.0  # seconds between two prunes by one process
# A rebuild takes as gaps the missing ids among the rows written within the settle time and this margin
# before it (their created_at comes from each machine's clock).
CLOCK_MARGIN = 300.0
MAX_GAP_RUNS = 100  # runs of missing ids an index keeps apart (each is a term of the query for unapplied rows)
_draining = contextvars.ContextVar("search_draining", default=False)


def setting(name: str) -> float:
    return float(current_app.config[name])


# ------------------------------------------------------------------ an index's position


@dataclass
class Position:
    """Where an index stands in the log (models.IndexPosition). gaps: [first id, last id, first seen]."""

    position: int = 0
    high: int = 0
    gaps: list[list] = field(default_factory=list)
    folder: str = ""
    label: str = ""

    def encoded_gaps(self) -> str:
        return json.dumps(self.gaps, separators=(",", ":"))

    def unapplied(self):
        """The condition on IndexJob of the rows this index has not applied."""
        return or_(IndexJob.id > self.high, *(IndexJob.id.between(lo, hi) for lo, hi, _ in self.gaps))

    def advanced(self, ids: list[int], read_through: float, now: float, settle: float) -> Position:
        """The position after applying the jobs `ids` (sorted), read as every unapplied row up to
        `read_through` (the last id of a full batch, else everything)."""
        gaps = []
        for lo, hi, seen in self.gaps:
            gaps.extend([a, b, seen] for a, b in _holes(lo, min(hi, read_through), ids))
            if hi > read_through:
                gaps.append([max(lo, int(read_through) + 1), hi, seen])
        high = self.high
        if ids and ids[-1] > high:
            gaps.extend([a, b, now] for a, b in _holes(high + 1, ids[-1], ids))
            high = ids[-1]
        gaps = sorted(g for g in gaps if now - g[2] < settle)  # older ones were rolled back
        while len(gaps) > MAX_GAP_RUNS:  # keep the query short: join the two closest runs
            i = min(range(len(gaps) - 1), key=lambda k: gaps[k + 1][0] - gaps[k][1])
            # The ids between them are read again (harmless), and the run waits for its later part.
            gaps[i:i + 2] = [[gaps[i][0], gaps[i + 1][1], max(gaps[i][2], gaps[i + 1][2])]]
        position = max(self.position, gaps[0][0] - 1 if gaps else high)
        return Position(position, high, gaps, self.folder, self.label)


def _holes(lo: int, hi: int, present: list[int]) -> Iterator[tuple[int, int]]:
    """The runs of ids from lo to hi (inclusive) that are not in `present` (sorted)."""
    start = lo
    for i in present[bisect_left(present, lo):bisect_right(present, hi)]:
        if i > start:
            yield start, i - 1
        start = i + 1
    if start <= hi:
        yield start, hi


def _label() -> str:
    return f"{socket.gethostname()}:{current_app.instance_path}"


def index_id(index: SearchIndex, *, create: bool = False) -> str | None:
    """This machine's index id, kept in its search folder; made once when `create`."""
    path = index.root / "INDEX_ID"
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        if not create:
            return None
    index.root.mkdir(parents=True, exist_ok=True)
    tmp = index.root / f"INDEX_ID.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text(uuid.uuid4().hex)
    try:
        os.link(tmp, path)  # fails if another process made it first: then that one is ours
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def read_position(ident: str) -> Position | None:
    row = db.session.execute(select(IndexPosition.position, IndexPosition.high, IndexPosition.gaps,
                                    IndexPosition.folder, IndexPosition.label)
                             .where(IndexPosition.index_id == ident)).first()
    if row is None:
        return None
    return Position(row.position, row.high, json.loads(row.gaps or "[]"), row.folder, row.label)


def _write_position(index: SearchIndex, ident: str, position: Position) -> None:
    values = {"position": position.position, "high": position.high, "gaps": position.encoded_gaps(),
              "folder": position.folder, "label": position.label, "reported_at": utcnow()}
    with write_transaction() as session:
        _upsert_position(session, ident, values)
    index.known_gaps = position.encoded_gaps()


def _upsert_position(session, ident: str, values: dict) -> None:
    # Only this machine writes its row, and its writers take turns (the writer or rebuild lock).
    if not session.execute(update(IndexPosition).where(IndexPosition.index_id == ident).values(**values)).rowcount:
        session.add(IndexPosition(index_id=ident, **values))


def pruned_through() -> int:
    return db.session.execute(select(LogState.pruned_through).where(LogState.id == 1)).scalar() or 0


def _locked_log_state(session) -> LogState:
    """The prune mark, locked until the transaction ends (pruning and registering take turns)."""
    state = session.execute(select(LogState).where(LogState.id == 1).with_for_update()).scalar_one_or_none()
    if state is None:  # a database made without the migration's row
        state = LogState(id=1, pruned_through=0)
        session.add(state)
        session.flush()
    return state


# ------------------------------------------------------------------ is this index up to date?


@dataclass
class Status:
    """What one look at the log found for this machine's index."""

    ident: str | None
    live: str | None  # the live folder, when usable
    position: Position | None
    pruned: int = 0
    unapplied: bool = False  # rows past the position, or a gap filled
    reported_at: object = None

    @property
    def copied(self) -> bool:
        """The INDEX_ID came with a search folder copied from another server (or instance folder)."""
        return self.position is not None and self.position.label != _label()

    @property
    def rebuild_reason(self) -> str | None:
        if self.live is None:
            return "本机没有检索索引"
        if self.ident is None or self.position is None:
            return "本机的检索索引没有登记变更日志位置"
        if self.copied:
            return "本机的检索索引编号已被另一台服务器登记（索引文件夹是复制来的）"
        if self.position.folder != self.live:
            return "本机的检索索引与登记的位置不符（重建未完成）"
        if self.position.high < self.pruned or any(lo <= self.pruned for lo, _, _ in self.position.gaps):
            return (f"本机的检索索引落后太多：位置 {self.position.position}，"
                    f"变更日志已清理到 {self.pruned}")
        return None

    def settled_gaps(self, now: float, settle: float) -> bool:
        return self.position is not None and any(now - seen >= settle for _, _, seen in self.position.gaps)


def look(index: SearchIndex, session=None) -> Status:
    """One query: this index's position, the prune mark, and whether the log has rows it has not applied.

    Asked on a connection of its own unless `session` is given: a request's session may hold an older
    snapshot, and is neither used nor disturbed. The gaps are this process's last view of them
    (index.known_gaps); another process of this machine may have recorded more, in which case the row
    says so and the question is asked again with them.
    """
    if session is None:
        with db.engine.connect() as connection:
            return look(index, connection)
    ident, live = index_id(index), index.live_name()
    if ident is None:
        return Status(None, live, None)
    for _ in range(2):
        known = Position(gaps=json.loads(index.known_gaps))
        unapplied = select(IndexJob.id).where(
            or_(IndexJob.id > IndexPosition.high, *(IndexJob.id.between(lo, hi) for lo, hi, _ in known.gaps))
        ).exists()
        pruned = select(LogState.pruned_through).where(LogState.id == 1).scalar_subquery()
        row = session.execute(select(
            IndexPosition.position, IndexPosition.high, IndexPosition.gaps, IndexPosition.folder,
            IndexPosition.label, IndexPosition.reported_at, unapplied.label("unapplied"), pruned.label("pruned"),
        ).where(IndexPosition.index_id == ident)).first()
        if row is None:
            return Status(ident, live, None)
        if row.unapplied or row.gaps == index.known_gaps:
            break
        index.known_gaps = row.gaps  # another process recorded gaps: ask again with them
    index.known_gaps = row.gaps
    position = Position(row.position, row.high, json.loads(row.gaps or "[]"), row.folder, row.label)
    return Status(ident, live, position, row.pruned or 0, bool(row.unapplied), row.reported_at)


def unapplied_count() -> int | None:
    """How many rows of the log this machine's index has not applied (None: it has no position)."""
    ident = index_id(current_index())
    position = read_position(ident) if ident else None
    if position is None:
        return None
    return db.session.execute(select(func.count()).select_from(IndexJob).where(position.unapplied())).scalar()


def follow() -> None:
    """Before a search: bring this machine's index up to the log, looking at most once every
    SEARCH_LOG_CHECK_SECONDS per process. A missing or unusable index is rebuilt (ensure_rebuilt);
    an outdated one waits for reindex."""
    index = current_index()
    now = time.monotonic()
    if now - index.checked_at < setting("SEARCH_LOG_CHECK_SECONDS"):
        return
    index.checked_at = now
    if index.is_outdated() or _rebuilding_here(index):
        return
    status = look(index)
    if status.rebuild_reason:
        ensure_rebuilt(status)
        return
    if status.unapplied or status.settled_gaps(time.time(), setting("SEARCH_LOG_SETTLE_SECONDS")):
        drain_outbox(lock_timeout=0.0)  # a process of this machine that holds the lock applies them
    elif status.reported_at is None or utcnow() - status.reported_at > timedelta(seconds=_report_every()):
        with db.engine.begin() as connection:  # still alive: this index keeps counting when the log is pruned
            connection.execute(update(IndexPosition).where(IndexPosition.index_id == status.ident)
                               .values(reported_at=utcnow()))


def _report_every() -> float:
    return min(300.0, setting("SEARCH_INDEX_LIVE_SECONDS") / 10)


# ------------------------------------------------------------------ the drain


def _unapplied_jobs(position: Position, limit: int) -> list[tuple[int, str, int]]:
    return list(db.session.execute(
        select(IndexJob.id, IndexJob.kind, IndexJob.record_id).where(position.unapplied())
        .order_by(IndexJob.id).limit(limit)
    ).tuples())


def _apply(writer, jobs: list[tuple[int, str, int]]) -> None:
    targets = documents.expand({(kind, rid) for _, kind, rid in jobs})
    for kind, ids in targets.items():
        if not ids:
            continue
        ids = sorted(ids)
        found = set()
        for doc in documents.BUILDERS[kind](ids):
            writer.update_document(doc)
            found.add(doc["record_id"])
        for rid in set(ids) - found:  # deleted, or no longer public
            writer.delete_by_term("key", f"{kind}:{rid}")


def drain_outbox(*, lock_timeout: float | None = None, rebuild_when_needed: bool = True) -> int:
    """Apply the log's rows this machine's index has not applied; return how many were applied.

    Only one process writes at a time. A process that cannot get the writer lock within
    `lock_timeout` leaves the rows: the holder looks at the log again after each batch, so nothing
    committed is left behind. An index that needs a rebuild gets one (ensure_rebuilt).
    """
    if _draining.get():
        return 0
    token = _draining.set(True)
    done = 0
    index = current_index()
    settle = setting("SEARCH_LOG_SETTLE_SECONDS")
    rebuilt_here = False
    lock_timeout = WRITER_TIMEOUT if lock_timeout is None else lock_timeout
    try:
        while True:
            db.session.rollback()  # a fresh snapshot for each look
            status = look(index, db.session)
            if index.is_outdated():
                break  # reindex replaces it; the rows wait in the log
            if status.rebuild_reason:
                rebuilt = ensure_rebuilt(status) if rebuild_when_needed and not rebuilt_here else None
                if rebuilt is None:
                    break  # rebuilding elsewhere (or in the background): that rebuild drains after it
                rebuilt_here = True
                done += rebuilt
                continue  # then the rows that came in meanwhile (this drain held the rebuild's own back)
            if not status.unapplied and not status.settled_gaps(time.time(), settle):
                break
            try:
                writer = docarrays.Writer.of(index.open(), timeout=lock_timeout)
            except (LockError, IndexMissing):
                log.info("search index busy: leaving the log to the process that holds the lock")
                break
            committed = False
            try:
                # Read again now that the lock is ours: another process may have moved the position.
                db.session.rollback()
                position = read_position(status.ident)
                if position is None or position.folder != status.live:
                    continue  # rebuilt meanwhile: look again
                jobs = _unapplied_jobs(position, BATCH)
                if any(kind == "all" for _, kind, _ in jobs):  # a bulk change: rebuild
                    writer.cancel()
                    committed = True
                    rebuilt = rebuild(wait=False)
                    if rebuilt is None:
                        break  # another process's rebuild is under way and drains after it
                    done += rebuilt
                    continue
                if jobs:
                    _apply(writer, jobs)
                    writer.commit()
                else:
                    writer.cancel()
                committed = True
                ids = [job_id for job_id, _, _ in jobs]
                read_through = ids[-1] if len(jobs) == BATCH else float("inf")
                _write_position(index, status.ident, position.advanced(ids, read_through, time.time(), settle))
                done += len(jobs)
                if not jobs:
                    break
            finally:
                if not committed:
                    writer.cancel()
    finally:
        db.session.rollback()  # end the drain's read snapshot
        _draining.reset(token)
    if done and time.monotonic() - index.pruned_at > PRUNE_EVERY:
        index.pruned_at = time.monotonic()
        prune_log()
    return done


def prune_log() -> int:
    """Delete the log's rows every live index has passed; return how many."""
    live_since = utcnow() - timedelta(seconds=setting("SEARCH_INDEX_LIVE_SECONDS"))
    with write_transaction() as session:
        state = _locked_log_state(session)
        floor = session.execute(select(func.min(IndexPosition.position))
                                .where(IndexPosition.reported_at >= live_since)).scalar()
        if floor is None or floor <= state.pruned_through:
            return 0
        removed = session.execute(delete(IndexJob).where(IndexJob.id <= floor)).rowcount
        state.pruned_through = floor
    return removed


# ------------------------------------------------------------------ rebuilding


@contextmanager
def _rebuild_lock(index: SearchIndex, wait: bool) -> Iterator[bool]:
    """One rebuild of this machine's index at a time (an flock: a killed holder releases it)."""
    index.root.mkdir(parents=True, exist_ok=True)
    with open(index.root / "REBUILD.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _rebuilding_here(index: SearchIndex) -> bool:
    return index.rebuilding is not None and index.rebuilding.is_alive()


def _rebuilding_elsewhere(index: SearchIndex) -> bool:
    """Another process holds the rebuild lock (a look, not a promise: the rebuild itself takes the lock)."""
    with _rebuild_lock(index, wait=False) as free:
        return not free


def ensure_rebuilt(status: Status) -> int | None:
    """Rebuild this machine's index for the reason `status` gives, unless another process is at it;
    the documents written, or None when no rebuild was done here and now.

    Serving a request, a catalogue bigger than SEARCH_INLINE_REBUILD_MAX documents is rebuilt by a
    thread of this process while the request is answered (from the old index, or with a 503 when
    there is none); anywhere else (a command, start-up, a small catalogue) at once.
    """
    index = current_index()
    reason = status.rebuild_reason
    if _rebuilding_here(index) or _rebuilding_elsewhere(index):
        return None
    if status.copied:
        (index.root / "INDEX_ID").unlink(missing_ok=True)  # this copy takes an id of its own
    if has_request_context() and documents.count_all() > setting("SEARCH_INLINE_REBUILD_MAX"):
        log.warning("rebuilding the search index in the background: %s", reason)
        app = current_app._get_current_object()

        def run() -> None:
            with app.app_context():
                try:
                    rebuild(wait=False, parallel=False)  # no fork from a thread
                except Exception:
                    log.exception("background rebuild of the search index failed")
                finally:
                    db.session.remove()

        index.rebuilding = threading.Thread(target=run, name="search-rebuild", daemon=True)
        index.rebuilding.start()
        return None
    log.warning("rebuilding the search index: %s", reason)
    return rebuild(wait=False)


def index_ready() -> bool:
    """This machine has a usable index that follows the log (else reindex --if-missing rebuilds it)."""
    index = current_index()
    return not index.is_outdated() and look(index).rebuild_reason is None


def ensure_index() -> bool:
    """At a server's start: rebuild this machine's index unless it is ready (then bring it up to the
    log); whether it was rebuilt."""
    if index_ready():
        drain_outbox()
        return False
    log.warning("no usable search index on this machine: rebuilding it before serving")
    rebuild()
    return True


def _register(ident: str, folder: str) -> int:
    """Hold the prune mark where it is while this index is built: its row says it has applied only
    what is pruned, and names a folder that is not live yet (drains leave the log to the rebuild)."""
    label = _label()
    with write_transaction() as session:
        pruned = _locked_log_state(session).pruned_through
        # This machine's earlier index (a search folder lost with its INDEX_ID) stops holding the log back.
        session.execute(delete(IndexPosition).where(IndexPosition.label == label, IndexPosition.index_id != ident))
        _upsert_position(session, ident, {"position": pruned, "high": pruned, "gaps": "[]", "label": label,
                                          "folder": f"building {folder}", "reported_at": utcnow()})
    return pruned


def _snapshot_position(pruned: int, folder: str) -> Position:
    """What a rebuild that reads the records from now on covers: every row of the log seen now. The
    ids missing among the recent rows may belong to transactions still open: they are gaps."""
    cutoff = utcnow() - timedelta(seconds=setting("SEARCH_LOG_SETTLE_SECONDS") + CLOCK_MARGIN)
    start = db.session.execute(select(func.max(IndexJob.id)).where(IndexJob.created_at < cutoff)).scalar() or 0
    start = max(start, pruned)
    recent = list(db.session.execute(select(IndexJob.id).where(IndexJob.id > start).order_by(IndexJob.id)).scalars())
    high = recent[-1] if recent else start
    now = time.time()
    gaps = [[lo, hi, now] for lo, hi in _holes(start + 1, high, recent)]
    return Position(gaps[0][0] - 1 if gaps else high, high, gaps, folder, _label())


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


def rebuild(progress: Callable | None = None, *, wait: bool = True, parallel: bool = True) -> int | None:
    """Build a new index from the database, swap it in, record the log position its snapshot
    covers, then drain what came in meanwhile. Returns the documents written.

    One rebuild at a time: with `wait` this one waits its turn, else it leaves the work to the
    rebuild under way and returns None. The live index's writer lock is held throughout, so drains
    wait (their rows stay in the log) and are applied to the new index after the swap. Searches
    go on meanwhile.
    """
    index = current_index()
    with _rebuild_lock(index, wait) as ours:
        if not ours:
            return None
        live = index.live_dir()
        old_writer = None
        if live is not None and whoosh_index.exists_in(str(live)):
            old_writer = whoosh_index.open_dir(str(live)).writer(timeout=REBUILD_LOCK_TIMEOUT)
        try:
            ident = index_id(index, create=True)
            folder, ix = index.create_folder()
            pruned = _register(ident, folder.name)
            db.session.rollback()  # one fresh snapshot for the log, the counts and the documents
            covered = _snapshot_position(pruned, folder.name)
            total = documents.count_all()
            procs = building.worker_count() if parallel and total >= PARALLEL_FROM else 1
            if procs > 1:
                for _ in _tracked(progress, _each_record(building.build(ix, procs)), total):
                    pass
            else:
                writer = docarrays.Writer.of(ix, limitmb=building.WRITER_MB)
                for doc in _tracked(progress, documents.all_documents(), total):
                    writer.add_document(doc)
                writer.commit()
            index.set_live(folder)
            db.session.rollback()
            _write_position(index, ident, covered)
        finally:
            if old_writer is not None:
                old_writer.cancel()
    index.remove_old_folders()
    drain_outbox(rebuild_when_needed=False)
    return total
