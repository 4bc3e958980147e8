"""Pages of the honest figures: the administrator's legal status override and value verification, the
studio's value lines on its achievement page, and the lines' evidence files.

Views stay thin: load (404 for what the user may not see), validate, call one service, flash, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..accounts.models import Role
from ..catalogue.models import Achievement, Patent, Studio, ValueLine
from ..errors import BadRequest
from ..extensions import db
from ..models import RecordStatus, ValueStatus
from ..request_args import page_arg
from ..security import roles_required
from ..submissions import queries as submission_queries
from ..submissions.views import record_page  # the studio area's page, which shows this form
from ..uploads import EXTENSIONS, UploadRefused, check_upload, display_name, path_of
from . import queries, services
from .forms import DERIVED, LegalStatusForm, ValueLineForm

bp = Blueprint("figures", __name__)


@bp.context_processor
def record_statuses():
    return {"RecordStatus": RecordStatus}  # the studio's record page, shown again with the form's errors


def _flash_error(error: Exception) -> None:
    flash(str(error), "danger")


# ------------------------------------------------------------------ legal status (administrator)

@bp.route("/admin/patents/<int:patent_id>/legal-status", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def legal_status(patent_id: int):
    patent = db.get_or_404(Patent, patent_id)
    form = LegalStatusForm()
    if request.method == "GET":
        form.status.data = patent.legal_status_override.value if patent.legal_status_override else DERIVED
        form.reason.data = patent.legal_status_reason
    if form.validate_on_submit():
        try:
            services.set_legal_status(current_user, patent, form.chosen(), form.reason.data)
        except services.FiguresError as error:
            form.reason.errors.append(str(error))
        else:
            flash(f"专利“{patent.title}”的法律状态现为“{patent.legal_status.label}”", "success")
            return redirect(url_for("figures.legal_status", patent_id=patent.id))
    status = 400 if request.method == "POST" else 200
    return render_template("figures/legal_status.html", patent=patent, form=form), status


# ------------------------------------------------------------------ value lines (administrator)

@bp.get("/admin/values")
@roles_required(Role.ADMIN)
def value_lines():
    """Value lines to verify (自报) or verified, newest first, optionally of one studio."""
    raw = (request.args.get("status") or ValueStatus.SELF_REPORTED.value).strip()
    status = ValueStatus.from_label(raw)
    if status is None:
        raise BadRequest(f"状态“{raw}”无效，可选：{'、'.join(ValueStatus.labels())}")
    studio_id = request.args.get("studio", type=int)
    page = db.paginate(queries.value_lines_select(status, studio_id), page=page_arg(request.args), per_page=50,
                       error_out=False, count=True)
    studio = db.session.get(Studio, studio_id) if studio_id else None
    return render_template("figures/value_lines.html", page=page, status=status, statuses=list(ValueStatus),
                           studio=studio, form=ConfirmForm())


def _verify(line_id: int, verified: bool):
    line = db.get_or_404(ValueLine, line_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.verify_value_line(current_user, line, verified)
        except services.FiguresError as error:
            _flash_error(error)
        else:
            flash(f"“{line.achievement.title}”{line.label}：{line.status.label}", "success")
    # Back to the list the administrator was working through (its ?status= travels with the form's action).
    return redirect(url_for("figures.value_lines", status=request.args.get("status") or None))


@bp.post("/admin/values/<int:line_id>/verify")
@roles_required(Role.ADMIN)
def value_verify(line_id: int):
    return _verify(line_id, True)


@bp.post("/admin/values/<int:line_id>/unverify")
@roles_required(Role.ADMIN)
def value_unverify(line_id: int):
    return _verify(line_id, False)


# ------------------------------------------------------------------ value lines (studio)

def _own_achievement(achievement_id: int) -> Achievement:
    achievement = submission_queries.own_record(Achievement, achievement_id, current_user.studio_id)
    if achievement is None:
        abort(404)
    return achievement


def _achievement_page(achievement_id: int) -> str:
    return url_for("submissions.achievement_detail", achievement_id=achievement_id) + "#values"


@bp.post("/studio/achievements/<int:achievement_id>/values")
@roles_required(Role.STUDIO)
def value_add(achievement_id: int):
    achievement = _own_achievement(achievement_id)
    form = ValueLineForm()
    if form.validate_on_submit():
        upload = None
        try:
            if form.evidence.data and getattr(form.evidence.data, "filename", ""):
                upload = check_upload(form.evidence.data.filename or "", form.evidence.data.stream)
            line = services.add_value_line(current_user, achievement, form.to_data(), upload)
        except UploadRefused as error:
            form.evidence.errors.append(f"“{display_name(form.evidence.data.filename or '')}”未上传：{error}")
        except services.FiguresError as error:
            form.basis.errors.append(str(error))
        else:
            flash(f"已填报{line.label}（自报），成果经济效益合计 {achievement.value_wan} 万元", "success")
            return redirect(_achievement_page(achievement.id))
    # The studio's record page again, with what was typed and the errors.
    body, _status = record_page(achievement, value_form=form)
    return body, 400


@bp.post("/studio/values/<int:line_id>/delete")
@roles_required(Role.STUDIO)
def value_delete(line_id: int):
    line = db.session.get(ValueLine, line_id)
    if line is None or line.achievement.studio_id != current_user.studio_id:
        abort(404)
    achievement_id = line.achievement_id
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_value_line(current_user, line)
        except services.FiguresError as error:
            _flash_error(error)
        else:
            flash("已删除该年度的经济效益", "success")
    return redirect(_achievement_page(achievement_id))


# ------------------------------------------------------------------ evidence files

@bp.get("/values/<int:line_id>/evidence")
def value_evidence(line_id: int):
    """A line's evidence file, to its studio and administrators; 404 to everyone else."""
    line = db.session.get(ValueLine, line_id)
    allowed = line is not None and line.evidence_stored_name and current_user.is_authenticated and (
        current_user.is_admin or (current_user.is_studio and current_user.studio_id == line.achievement.studio_id))
    if not allowed:
        abort(404)
    path = path_of(line.evidence_stored_name)
    if not path.is_file():
        abort(404)
    name = line.evidence_name
    extension = EXTENSIONS[line.evidence_content_type]
    if not name.lower().endswith(extension):
        name += extension
    response = send_file(path, mimetype=line.evidence_content_type, download_name=name, as_attachment=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
