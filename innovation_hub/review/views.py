"""The review queue (资格审核), a record as its studio filed it with the two decisions, and the audit log."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from ..accounts.forms import ConfirmForm
from ..accounts.models import Role
from ..audit.models import AuditEntry
from ..audit.services import ACTIONS
from ..extensions import db
from ..models import Category, PatentKind, RecordStatus
from ..request_args import page_arg
from ..security import roles_required, safe_next
from ..submissions import services
from ..submissions.services import WorkflowError
from . import queries
from .forms import ReturnForm
from .queries import KIND_LABELS, TARGET_TYPES, AuditFilters, QueueFilters

bp = Blueprint("review", __name__, url_prefix="/admin")

QUEUE_PER_PAGE = 20
AUDIT_PER_PAGE = 50
# The studio area's download route (GET /files/<id>); without it, files are listed without a link.
DOWNLOAD_ENDPOINTS = ("files.file_download", "submissions.download_file")


@bp.app_context_processor
def review_navigation() -> dict:
    """The queue size for the admin menu: one COUNT for an administrator, no work for anyone else."""
    if not (has_request_context() and current_user.is_authenticated and current_user.is_admin):
        return {}
    try:
        return {"review_queue_count": queries.queue_count()}
    except SQLAlchemyError:  # an error page rendered after a database failure must still render
        current_app.logger.exception("审核队列计数失败")
        return {}


@bp.app_template_global()
def proof_file_url(proof_id: int) -> str | None:
    """The download link of a proof file, or None while the download route is not there."""
    for endpoint in DOWNLOAD_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, file_id=proof_id)
            except BuildError:
                return None
    return None


@bp.app_template_global()
def record_url(kind: str, record_id: int, status: RecordStatus | None) -> str:
    """A record's public page once approved; before that, its review page."""
    if status is RecordStatus.APPROVED:
        return url_for(f"catalogue.{kind}_detail", **{f"{kind}_id": record_id})
    return url_for("review.detail", kind=kind, record_id=record_id)


def _label(kind: str, record) -> str:
    return f"{KIND_LABELS[kind]}“{record.title}”"


def _record_or_404(kind: str, record_id: int):
    record = queries.find_record(kind, record_id)
    if record is None:
        abort(404)
    return record


def _back() -> str:
    """Where to go after a decision: the queue page (with its filters) the reviewer came from."""
    return safe_next(request.values.get("next"), url_for("review.queue"))


@bp.get("/review")
@roles_required(Role.ADMIN)
def queue():
    filters = QueueFilters.from_args(request.args)
    page = queries.queue_page(filters, page_arg(request.args), QUEUE_PER_PAGE)
    return render_template(
        "review/queue.html", page=page, filters=filters, studios=queries.queue_studios(filters.studio),
        kind_labels=KIND_LABELS, categories=list(Category), patent_kinds=list(PatentKind),
    )


@bp.get("/review/<kind>/<int:record_id>")
@roles_required(Role.ADMIN)
def detail(kind: str, record_id: int):
    record = _record_or_404(kind, record_id)
    return _render_detail(kind, record, ReturnForm())


def _render_detail(kind: str, record, return_form: ReturnForm, status: int = 200):
    history = queries.record_history(kind, record.id)
    return render_template(
        "review/detail.html", kind=kind, kind_label=KIND_LABELS[kind], is_achievement=kind == "achievement",
        record=record, history=history,
        returns=[entry for entry in reversed(history) if entry.action == "record.return"],
        approve_form=ConfirmForm(), return_form=return_form, back=_back(), actions=ACTIONS,
        reviewable=record.can_review(current_user),
    ), status


def _not_in_queue(kind: str, record, message: str):
    """Someone decided already (or it was never submitted): say so on the record's page, never fail."""
    flash(message, "warning")
    return redirect(url_for("review.detail", kind=kind, record_id=record.id, next=_back()))


@bp.post("/review/<kind>/<int:record_id>/approve")
@roles_required(Role.ADMIN)
def approve(kind: str, record_id: int):
    record = _record_or_404(kind, record_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.approve_record(current_user, record)
    except WorkflowError as error:
        return _not_in_queue(kind, record, str(error))
    flash(f"已通过{_label(kind, record)}：它已在成果库公开，可以检索到", "success")
    return redirect(_back())


@bp.post("/review/<kind>/<int:record_id>/return")
@roles_required(Role.ADMIN)
def return_record(kind: str, record_id: int):
    record = _record_or_404(kind, record_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_record(current_user, record, form.reason.data)
        except WorkflowError as error:
            if record.status is not RecordStatus.SUBMITTED:
                return _not_in_queue(kind, record, str(error))
            form.reason.errors = [str(error)]
        else:
            flash(f"已退回{_label(kind, record)}，工作室会看到退回理由", "success")
            return redirect(_back())
    elif record.status is not RecordStatus.SUBMITTED:
        return _not_in_queue(kind, record,
                             f"{_label(kind, record)}当前状态为“{record.status.label}”，不在待审核队列中")
    return _render_detail(kind, record, form, 400)


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    filters = AuditFilters.from_args(request.args)
    page = db.paginate(queries.audit_select(filters), page=page_arg(request.args), per_page=AUDIT_PER_PAGE,
                       error_out=False, count=True)
    states = queries.target_states(page.items)
    return render_template(
        "review/audit.html", page=page, filters=filters, actions=ACTIONS, target_types=TARGET_TYPES,
        links={entry.id: _target_url(entry, states) for entry in page.items}, actor_names=queries.actor_names(),
    )


def _target_url(entry: AuditEntry, states: dict) -> str | None:
    key = (entry.target_type, entry.target_id)
    if key not in states:  # deleted since, or a target without a page
        return None
    if entry.target_type in queries.KINDS:
        return record_url(entry.target_type, entry.target_id, states[key])
    if entry.target_type == "studio":
        return url_for("catalogue.studio_detail", studio_id=entry.target_id)
    return url_for("accounts.user_list")
