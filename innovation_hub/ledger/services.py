"""The ledger import as a service: the command line and /admin/ledger both go through import_file().

In the browser a ledger is a job (LedgerImport): the upload is stored and dry-run in a background
thread, the administrator reads the report and confirms, and the import runs in another background
thread. A 100k-row ledger takes ~45 s, longer than gunicorn's 30 s worker timeout, so no request
waits for it. One job at a time across all workers: the claim takes a database lock (BEGIN IMMEDIATE
on SQLite, an advisory lock on PostgreSQL) and checks the table, not a flag in one process' memory.

While it runs, the import holds SQLite's only write lock, so its progress and heartbeat cannot be
written to the database: the worker writes them to a small file beside the stored workbook (the
instance folder every worker shares). A job whose heartbeat is older than LEDGER_HEARTBEAT_TIMEOUT
belongs to a process that died; its transaction was never committed, and it is shown as failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..audit import services as audit
from ..database import lock, lock_key, write_transaction
from ..extensions import db
from ..models import utcnow
from ..uploads import display_name
from ..uploads import path_of as upload_path
from .errors import LedgerError, LedgerInvalid
from .importer import ImportReport, import_ledger
from .models import ImportState, LedgerImport

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
ERRORS_KEPT = 1000  # error rows stored on the job; the page shows the first ones and the total
_ZIP_MAGIC = b"PK\x03\x04"


class LedgerUploadRefused(ValueError):
    """An upload that is not kept; the message says why in Chinese."""


class LedgerBusy(Exception):
    """Another ledger job is validating or importing."""

    def __init__(self, job: LedgerImport):
        self.job = job
        super().__init__(f"另一份台账（{job.original_name}，{job.status.label}）正在处理，请等它完成后再试")


class LedgerJobError(Exception):
    """A step that does not apply to the job in its current state (a second confirmation…)."""


# ------------------------------------------------------------------ the one import path


def import_file(actor, path: str | os.PathLike, *, dry_run: bool = False, delete_missing: bool = False,
                progress: Callable | None = None, job: LedgerImport | None = None,
                expected_missing: dict | None = None) -> ImportReport:
    """Validate and import (or dry-run) the workbook at `path`: all rows or none, audited.

    `expected_missing`: the deletion counts the administrator saw; if the catalogue changed since,
    so that the import would delete other records than shown, nothing is imported.
    """
    if dry_run:
        return import_ledger(path, dry_run=True, delete_missing=delete_missing, progress=progress)
    with write_transaction():
        if job is not None:
            lock(job)
            if job.status is not ImportState.IMPORTING:
                raise LedgerJobError("导入已被取消或已结束")
        report = import_ledger(path, delete_missing=delete_missing, progress=progress)
        if delete_missing and expected_missing is not None and \
                _deletion_counts(report.missing) != _deletion_counts(expected_missing):
            raise LedgerInvalid([LedgerError(None, None, None, (
                "校验之后目录有变化，要删除的记录与校验报告不同，未导入任何数据。请重新上传台账校验"
            ))])
        name = job.original_name if job is not None else Path(path).name
        detail = report.describe()
        audit.record(actor, "ledger.import", "ledger_import", job.id if job is not None else None,
                     f"台账“{name}”", detail)
        if job is not None:
            job.status = ImportState.DONE
            job.counts = {**job.counts, "import": _report_counts(report)}
            job.finished_at = job.heartbeat_at = utcnow()
            job.progress_done = job.progress_total
    _remove_proof_files(report.proof_files)
    return report


def _deletion_counts(missing: dict) -> tuple:
    return tuple(missing.get(kind, 0) for kind in ("studios", "achievements", "patents"))


def _report_counts(report: ImportReport) -> dict:
    return {"sheets": report.sheet_counts(), "titles": report.titles, "missing": report.missing,
            "deleted": report.deleted}


def _remove_proof_files(names: list[str]) -> None:
    for name in names:
        try:
            upload_path(name).unlink(missing_ok=True)
        except OSError:  # the rows are gone; a leftover file is only disk space (flask check lists it)
            log.warning("cannot remove the proof file %s of a deleted record", name)


# ------------------------------------------------------------------ files


def ledger_folder() -> Path:
    """LEDGER_FOLDER (shared by every app server, when there are several), else instance/ledger."""
    folder = Path(current_app.instance_path) / (current_app.config.get("LEDGER_FOLDER") or "ledger")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(job: LedgerImport) -> Path:
    return ledger_folder() / job.stored_name


def _progress_file(job_or_name) -> Path:
    name = job_or_name if isinstance(job_or_name, str) else job_or_name.stored_name
    return ledger_folder() / f"{name}.progress.json"


def _store(data: bytes) -> str:
    stored_name = secrets.token_hex(16) + ".xlsx"
    folder = ledger_folder()
    partial = folder / f".{stored_name}.part"
    with open(partial, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, folder / stored_name)
    return stored_name


def _discard(stored_name: str) -> None:
    for path in (ledger_folder() / stored_name, _progress_file(stored_name)):
        path.unlink(missing_ok=True)


# ------------------------------------------------------------------ progress and heartbeat


@dataclass
class LiveProgress:
    done: int = 0
    total: int = 0
    label: str = ""
    beat: datetime | None = None


def read_progress(job: LedgerImport) -> LiveProgress:
    """The running job's progress from its file, else what the row says."""
    live = LiveProgress(job.progress_done, job.progress_total, "", job.heartbeat_at)
    try:
        data = json.loads(_progress_file(job).read_text())
        beat = datetime.fromisoformat(data["beat"])
    except (OSError, ValueError, KeyError, TypeError):
        return live
    if live.beat is None or beat > live.beat:
        live = LiveProgress(int(data.get("done", 0)), int(data.get("total", 0)), str(data.get("label", "")), beat)
    return live


def is_stale(job: LedgerImport, now: datetime | None = None) -> bool:
    """A running job whose worker stopped beating (killed, restarted)."""
    if not job.status.running:
        return False
    beat = read_progress(job).beat or job.started_at or job.created_at
    timeout = timedelta(seconds=current_app.config["LEDGER_HEARTBEAT_TIMEOUT"])
    return (now or utcnow()) - beat > timeout


def shown_state(job: LedgerImport) -> ImportState:
    """The state to show: a running job with a stopped heartbeat has failed."""
    return ImportState.FAILED if is_stale(job) else job.status


class _Tracker:
    """The importer's progress wrapper (the command line's click bar, here counting) and a heartbeat thread."""

    def __init__(self, stored_name: str, planned_total: int = 0):
        self.path = _progress_file(stored_name)
        self.planned = planned_total
        self.done = 0
        self.stage_end = 0
        self.label = "读取文件"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_loop, name=f"ledger-heartbeat-{stored_name[:8]}",
                                        daemon=True)

    @contextmanager
    def __call__(self, items, length: int, label: str):
        self.label = label
        self.stage_end = self.done + length

        def counted():
            for item in items:
                yield item
                self.done += 1

        yield counted()
        self.done = self.stage_end

    @property
    def total(self) -> int:
        return max(self.planned, self.stage_end, self.done)

    def write(self) -> None:
        data = {"beat": utcnow().isoformat(), "done": self.done, "total": self.total, "label": self.label}
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(data, ensure_ascii=False))
        os.replace(partial, self.path)

    def _beat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.write()
            except OSError:
                log.warning("cannot write the ledger job's heartbeat to %s", self.path)

    def __enter__(self):
        self.write()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.path.unlink(missing_ok=True)


# ------------------------------------------------------------------ the jobs


def _claim_slot(except_job: LedgerImport | None = None) -> None:
    """Inside a write transaction: fail stale jobs, then raise LedgerBusy if another job still runs."""
    lock_key("ledger-import")  # PostgreSQL: claims wait for each other; SQLite's BEGIN IMMEDIATE already does
    # No FOR UPDATE: a running import holds its row's lock for its whole transaction; reading it is enough.
    for job in _running():
        if except_job is not None and job.id == except_job.id:
            continue
        if is_stale(job):
            _mark_failed(job, "处理台账的进程已中断（服务器重启或进程被终止），这次导入的数据一条也没有写入")
        else:
            raise LedgerBusy(job)


def _running() -> list[LedgerImport]:
    return list(db.session.execute(select(LedgerImport).where(
        LedgerImport.status.in_([ImportState.VALIDATING, ImportState.IMPORTING]))).scalars())


def refuse_if_busy(except_job: LedgerImport | None = None) -> None:
    """Before asking for the write lock: on SQLite a running job holds it, and waiting would end in a timeout."""
    for job in _running():
        if (except_job is None or job.id != except_job.id) and not is_stale(job):
            raise LedgerBusy(job)


def _mark_failed(job: LedgerImport, text: str = "", errors: list[LedgerError] | None = None) -> None:
    was = job.status
    job.status = ImportState.INVALID if errors is not None and was is ImportState.VALIDATING else ImportState.FAILED
    job.error_text = text
    if errors is not None:
        job.errors = [_error_dict(e) for e in errors[:ERRORS_KEPT]]
        job.error_count = len(errors)
    job.finished_at = utcnow()
    _progress_file(job).unlink(missing_ok=True)  # a killed worker's last heartbeat
    audit.record(None, "ledger.fail", "ledger_import", job.id, job.label,
                 text or f"{job.status.label}：共 {job.error_count} 处错误", actor_name="系统")


def _error_dict(error: LedgerError) -> dict:
    return {"sheet": error.sheet, "row": error.row, "column": error.column, "message": error.message}


def upload_ledger(actor, filename: str, stream, *, start: bool = True) -> LedgerImport:
    """Keep an uploaded workbook under a generated name and start its dry run.

    Raise LedgerUploadRefused (not an xlsx, empty, too big) or LedgerBusy (another job runs).
    """
    limit = current_app.config["LEDGER_MAX_FILE_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise LedgerUploadRefused("文件是空的，请重新选择台账文件")
    if len(data) > limit:
        raise LedgerUploadRefused(f"文件超过 {limit // (1024 * 1024)} MB（LEDGER_MAX_FILE_BYTES），请拆分后分批导入")
    if not data.startswith(_ZIP_MAGIC):
        raise LedgerUploadRefused("不是 Excel 工作簿（.xlsx）：请用 Excel 或 WPS 另存为 .xlsx 后上传（按文件内容判断）")
    refuse_if_busy()
    stored_name = _store(data)
    try:
        with write_transaction():
            _claim_slot()
            now = utcnow()
            job = LedgerImport(uploaded_by_id=actor.id, original_name=display_name(filename), stored_name=stored_name,
                               sha256=hashlib.sha256(data).hexdigest(), size=len(data), status=ImportState.VALIDATING,
                               started_at=now, heartbeat_at=now, counts={}, errors=[])
            db.session.add(job)
            db.session.flush()
            audit.record(actor, "ledger.upload", "ledger_import", job.id, job.label,
                         f"{len(data)} 字节，SHA-256 {job.sha256[:16]}…")
    except BaseException:
        _discard(stored_name)
        raise
    if start:
        _start(_validate_job, job.id)
    return job


def confirm_import(actor, job: LedgerImport, delete_missing: bool, *, start: bool = True) -> LedgerImport:
    """Start importing a validated job; raise LedgerJobError or LedgerBusy."""
    if job.status is not ImportState.VALIDATED:
        raise LedgerJobError(f"这份台账当前{job.status.label}，不能导入；请重新上传")
    refuse_if_busy(except_job=job)
    with write_transaction():
        lock(job)
        if job.status is not ImportState.VALIDATED:
            raise LedgerJobError(f"这份台账当前{job.status.label}，不能导入；请重新上传")
        _claim_slot(except_job=job)
        rows = sum(sum(c.values()) for c in job.counts["dry_run"]["sheets"].values())
        now = utcnow()
        job.status, job.delete_missing, job.confirmed_by_id = ImportState.IMPORTING, bool(delete_missing), actor.id
        job.started_at = job.heartbeat_at = now
        job.finished_at, job.progress_done, job.progress_total = None, 0, 2 * rows  # validated, then written
        m = job.counts["dry_run"]["missing"]
        deleting = f"工作室 {m['studios']} 个，成果 {m['achievements']} 项，专利 {m['patents']} 件"
        audit.record(actor, "ledger.confirm", "ledger_import", job.id, job.label,
                     "同时删除文件中没有的记录：" + (deleting if delete_missing else "否"))
    if start:
        _start(_import_job, job.id)
    return job


def _start(target: Callable, job_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    thread = threading.Thread(target=_in_app, args=(app, target, job_id), name=f"ledger-job-{job_id}", daemon=True)
    thread.start()
    _threads[job_id] = thread
    return thread


_threads: dict[int, threading.Thread] = {}  # only for tests to wait on; the database says what runs


def wait_for(job_id: int, timeout: float = 60) -> None:
    """Tests: wait until this process' thread for the job ends."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _in_app(app, target: Callable, job_id: int) -> None:
    """A job thread: its own app context, so its own database session, closed at the end."""
    with app.app_context():
        try:
            target(job_id)
        except Exception:
            log.exception("ledger job %s failed", job_id)
            _fail_job(job_id, "处理台账时服务器出错，未写入任何数据；请稍后重新上传")
        finally:
            db.session.remove()
            _threads.pop(job_id, None)


def _fail_job(job_id: int, text: str = "", errors: list[LedgerError] | None = None) -> None:
    with write_transaction():
        job = db.session.get(LedgerImport, job_id)
        lock(job)
        if job.status.running:
            _mark_failed(job, text, errors)


def _check_file(job: LedgerImport) -> Path:
    path = path_of(job)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise LedgerInvalid([LedgerError(None, None, None, "保存的台账文件已不存在，请重新上传")]) from error
    if digest != job.sha256:
        raise LedgerInvalid([LedgerError(None, None, None, "保存的台账文件已被改动，请重新上传")])
    return path


def _validate_job(job_id: int) -> None:
    job = db.session.get(LedgerImport, job_id)
    with _Tracker(job.stored_name) as tracker:  # beating until the outcome is committed
        try:
            report = import_file(job.uploaded_by, _check_file(job), dry_run=True, progress=tracker)
        except LedgerInvalid as error:
            _fail_job(job_id, errors=error.errors)
            _discard(job.stored_name)  # a file with errors is not kept: the user fixes it and uploads again
            return
        with write_transaction():
            lock(job)
            if job.status is not ImportState.VALIDATING:
                return
            job.status = ImportState.VALIDATED
            job.counts = {"dry_run": _report_counts(report)}
            job.progress_done = job.progress_total = tracker.total
            job.heartbeat_at = job.finished_at = utcnow()


def _import_job(job_id: int) -> None:
    job = db.session.get(LedgerImport, job_id)
    actor = job.confirmed_by
    with _Tracker(job.stored_name, job.progress_total) as tracker:
        try:
            import_file(actor, _check_file(job), delete_missing=job.delete_missing, progress=tracker, job=job,
                        expected_missing=job.counts["dry_run"]["missing"])
        except LedgerInvalid as error:
            _fail_job(job_id, "导入前重新校验未通过（目录可能已有变化），未写入任何数据", errors=error.errors)
        except LedgerJobError:
            return


def recent_jobs(limit: int = 10) -> list[LedgerImport]:
    return list(db.session.execute(select(LedgerImport).order_by(LedgerImport.id.desc()).limit(limit)).scalars())
