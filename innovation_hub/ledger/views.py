"""/admin/ledger: upload a ledger (台账), read its dry-run report, confirm, watch the import; and the xlsx ledger
download of any filtered list (the catalogue's lists use it too, handed in by create_app)."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..extensions import db
from ..models import local_time
from ..security import roles_required
from . import services
from .forms import ConfirmForm, UploadForm
from .models import ImportState, LedgerImport

bp = Blueprint("ledger_admin", __name__, url_prefix="/admin/ledger")

ERRORS_SHOWN = 200  # error rows on the page; the total is always shown


def workbook_response(filename: str, workbook=None, **sheets):
    """An attachment response with the ledger sheets given (studios=…, achievements=…, patents=…), or `workbook`."""
    from .exporter import build_workbook

    buffer = BytesIO()
    (workbook or build_workbook(**sheets)).save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )


def _job_or_404(job_id: int) -> LedgerImport:
    return db.get_or_404(LedgerImport, job_id)


def _index(form: UploadForm, message: str = "", status: int = 200):
    return render_template("ledger/index.html", form=form, message=message, jobs=services.recent_jobs(),
                           shown_state=services.shown_state), status


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    return _index(UploadForm())


@bp.post("")
@roles_required(Role.ADMIN)
def upload():
    # A 100k-row ledger is ~11 MiB: this form may send up to the ledger's own limit, not the site's.
    request.max_content_length = current_app.config["LEDGER_MAX_FILE_BYTES"] + 1024 * 1024
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    upload = form.file.data
    try:
        job = services.upload_ledger(current_user, upload.filename or "", upload.stream)
    except services.LedgerUploadRefused as error:
        return _index(form, str(error), 400)
    except services.LedgerBusy as error:
        return _index(form, str(error), 409)
    return redirect(url_for(".job", job_id=job.id))


@bp.get("/<int:job_id>")
@roles_required(Role.ADMIN)
def job(job_id: int):
    return _job_page(_job_or_404(job_id))


def _job_page(job: LedgerImport, message: str = "", status: int = 200):
    return render_template("ledger/job.html", job=job, state=services.shown_state(job), form=ConfirmForm(),
                           live=services.read_progress(job), errors_shown=ERRORS_SHOWN, message=message,
                           ImportState=ImportState), status


@bp.get("/<int:job_id>/status")
@roles_required(Role.ADMIN)
def status(job_id: int):
    job = _job_or_404(job_id)
    state = services.shown_state(job)
    live = services.read_progress(job)
    percent = round(100 * live.done / live.total) if live.total else (100 if not state.running else 0)
    return jsonify(state=state.value, label=state.label, running=state.running, done=live.done, total=live.total,
                   percent=min(percent, 100), stage=live.label,
                   heartbeat=local_time(live.beat).isoformat(timespec="seconds") if live.beat else None,
                   counts=job.counts.get("import") or job.counts.get("dry_run"), error_count=job.error_count)


@bp.post("/<int:job_id>/confirm")
@roles_required(Role.ADMIN)
def confirm(job_id: int):
    job = _job_or_404(job_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.confirm_import(current_user, job, form.delete_missing.data)
    except (services.LedgerJobError, services.LedgerBusy) as error:
        return _job_page(job, str(error), 409)
    return redirect(url_for(".job", job_id=job.id))


@bp.get("/template.xlsx")
@roles_required(Role.ADMIN)
def template():
    return workbook_response("台账模板.xlsx")


@bp.get("/export.xlsx")
@roles_required(Role.ADMIN)
def export():
    from .exporter import catalogue_workbook

    workbook, _ = catalogue_workbook()
    return workbook_response("台账.xlsx", workbook)
