"""The studio area (工作室后台): a studio's own records, their forms, submission, proof files, 查重.

Views stay thin: load the studio's own record (404 for anyone else's, so other studios' drafts
are never revealed), validate the form, call one service, flash, redirect. A bad input re-renders
the form with what was typed and a 400; a service's PermissionDenied propagates as a 403.
"""

from __future__ import annotations

from pathlib import PurePath

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.forms import ConfirmForm
from ..accounts.models import Role
from ..catalogue.models import Achievement, Patent
from ..catalogue.patent_numbers import PatentNumberError
from ..catalogue.services import CatalogueError
from ..errors import PermissionDenied
from ..extensions import db
from ..models import RecordStatus
from ..security import roles_required
from ..uploads import EXTENSIONS, MAX_BYTES, UploadRefused, check_upload, display_name, path_of
from . import change_requests, queries, services
from .forms import AchievementForm, PatentForm, ProfileForm, UploadForm
from .models import ProofFile

bp = Blueprint("submissions", __name__, url_prefix="/studio")
files_bp = Blueprint("files", __name__)


def init_app(app: Flask, value_line_form) -> None:
    """The form of an achievement's per-year value lines (figures/forms.py), shown on its page: handed in by
    create_app, since the figures package builds on this one."""
    app.extensions["submissions.value_line_form"] = value_line_form

KINDS = {"achievements": Achievement, "patents": Patent}
SLUGS = {Achievement: "achievements", Patent: "patents"}
KIND_NAMES = {Achievement: "achievement", Patent: "patent"}  # endpoint and argument names
NOUNS = {Achievement: "成果", Patent: "专利"}


@bp.context_processor
def record_statuses():
    return {"RecordStatus": RecordStatus}


def _studio():
    studio = current_user.studio
    if studio is None:
        raise PermissionDenied("此账号没有所属工作室，请联系管理员")
    return studio


def _own(model, record_id: int):
    record = queries.own_record(model, record_id, current_user.studio_id)
    if record is None:
        abort(404)
    return record


def _editable(record) -> None:
    if not record.can_edit(current_user):
        raise PermissionDenied(f"{NOUNS[type(record)]}“{record.title}”当前状态为“{record.status.label}”，不能修改；"
                               "只有草稿和被退回的记录可以修改")


def _record_url(record) -> str:
    if isinstance(record, Achievement):
        return url_for("submissions.achievement_detail", achievement_id=record.id)
    return url_for("submissions.patent_detail", patent_id=record.id)


def record_page(record, upload_form: UploadForm | None = None, status: int = 200, value_form=None):
    """The studio's page of one record: its fields, status, reason if returned, proof files, actions
    (an achievement's also its per-year value lines, figures/views.py, which shows this page with its form's errors)."""
    value_line_form = current_app.extensions["submissions.value_line_form"]
    similar = []
    if isinstance(record, Achievement) and record.can_edit(current_user):
        similar = queries.similar_achievements(record.title, record.id)
    template = "submissions/achievement.html" if isinstance(record, Achievement) else "submissions/patent.html"
    return render_template(
        template, record=record, slug=SLUGS[type(record)], kind=KIND_NAMES[type(record)], noun=NOUNS[type(record)],
        files=queries.record_files(record),
        upload_form=upload_form or UploadForm(formdata=None), similar=similar,
        max_mb=MAX_BYTES // (1024 * 1024), value_form=value_form or value_line_form(formdata=None),
    ), status


def _form_status() -> int:
    return 400 if request.method == "POST" else 200


# ------------------------------------------------------------------ dashboard and profile

@bp.get("/")
@roles_required(Role.STUDIO)
def dashboard():
    studio = _studio()
    return render_template("submissions/dashboard.html", studio=studio, records=queries.studio_records(studio.id),
                           statuses=list(RecordStatus))


@bp.route("/profile", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def profile():
    studio = _studio()
    form = ProfileForm()
    requests = change_requests.requests_of_studio(studio.id)
    if request.method == "GET":
        form.fill_from(studio)
        form.show_requested(requests)
    if form.validate_on_submit():
        requests = services.update_profile(current_user, studio, form.to_data())
        flash("工作室资料已保存" + ("；" + "、".join(r.field.label for r in requests) + "的变更已提交市总工会审核，"
                                    "同意后生效" if requests else ""), "success")
        return redirect(url_for("submissions.profile"))
    return render_template("submissions/profile.html", studio=studio, form=form, requests=requests), _form_status()


# ------------------------------------------------------------------ achievements

def _achievement_form(form: AchievementForm, achievement: Achievement | None):
    similar = queries.similar_achievements(form.title.data or "", achievement.id if achievement else None)
    return render_template("submissions/achievement_form.html", form=form, record=achievement,
                           similar=similar), _form_status()


def _save_achievement(form: AchievementForm, achievement: Achievement | None):
    if form.validate_on_submit():
        try:
            saved = services.save_achievement(current_user, form.to_data(_studio().name), achievement)
        except CatalogueError as error:
            form.title.errors.append(str(error))
        else:
            flash(f"已保存成果“{saved.title}”（{saved.status.label}）。确认无误并上传证明材料后，请点击“提交审核”。",
                  "success")
            return redirect(_record_url(saved))
    return _achievement_form(form, achievement)


@bp.route("/achievements/new", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def achievement_new():
    _studio()
    return _save_achievement(AchievementForm(), None)


@bp.get("/achievements/<int:achievement_id>")
@roles_required(Role.STUDIO)
def achievement_detail(achievement_id: int):
    return record_page(_own(Achievement, achievement_id))


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def achievement_edit(achievement_id: int):
    achievement = _own(Achievement, achievement_id)
    _editable(achievement)
    form = AchievementForm()
    if request.method == "GET":
        form.fill_from(achievement)
    return _save_achievement(form, achievement)


# ------------------------------------------------------------------ patents

def _patent_form(form: PatentForm, patent: Patent | None):
    return render_template("submissions/patent_form.html", form=form, record=patent), _form_status()


def _save_patent(form: PatentForm, patent: Patent | None):
    if form.validate_on_submit():
        try:
            saved = services.save_patent(current_user, form.to_data(_studio().name), patent)
        except PatentNumberError as error:
            form.number.errors.append(str(error))
        except CatalogueError as error:
            form.form_errors.append(str(error))
        else:
            flash(f"已保存专利“{saved.title}”（{saved.status.label}）。确认无误并上传证明材料后，请点击“提交审核”。",
                  "success")
            return redirect(_record_url(saved))
    return _patent_form(form, patent)


@bp.route("/patents/new", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def patent_new():
    studio = _studio()
    return _save_patent(PatentForm(achievements=queries.own_achievements(studio.id)), None)


@bp.get("/patents/<int:patent_id>")
@roles_required(Role.STUDIO)
def patent_detail(patent_id: int):
    return record_page(_own(Patent, patent_id))


@bp.route("/patents/<int:patent_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def patent_edit(patent_id: int):
    patent = _own(Patent, patent_id)
    _editable(patent)
    form = PatentForm(achievements=queries.own_achievements(patent.studio_id))
    if request.method == "GET":
        form.fill_from(patent)
    return _save_patent(form, patent)


# ------------------------------------------------------------------ submitting

def _submit(record):
    if ConfirmForm().validate_on_submit():
        try:
            services.submit_record(current_user, record)
        except services.WorkflowError as error:
            flash(str(error), "danger")
            return record_page(record, status=400)
        flash(f"{NOUNS[type(record)]}“{record.title}”已提交审核，审核结果会显示在工作室后台", "success")
    return redirect(_record_url(record))


@bp.post("/achievements/<int:achievement_id>/submit")
@roles_required(Role.STUDIO)
def achievement_submit(achievement_id: int):
    return _submit(_own(Achievement, achievement_id))


@bp.post("/patents/<int:patent_id>/submit")
@roles_required(Role.STUDIO)
def patent_submit(patent_id: int):
    return _submit(_own(Patent, patent_id))


# ------------------------------------------------------------------ proof files

@bp.post("/<any(achievements, patents):kind>/<int:record_id>/files")
@roles_required(Role.STUDIO)
def file_upload(kind: str, record_id: int):
    record = _own(KINDS[kind], record_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            upload = check_upload(form.file.data.filename or "", form.file.data.stream)
            proof = services.attach_file(current_user, record, upload, public=form.public.data)
        except UploadRefused as error:
            form.file.errors.append(f"“{display_name(form.file.data.filename or '')}”未上传：{error}")
        else:
            flash("证明材料已上传" + ("（公开）" if proof.public else "（不公开）"), "success")
            return redirect(_record_url(record))
    return record_page(record, upload_form=form, status=400)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    return render_template("errors/error.html", code=413, title="上传的文件过大",
                           detail=f"每个文件不能超过 {MAX_BYTES // (1024 * 1024)} MB，请压缩后再上传"), 413


@bp.post("/files/<int:file_id>/delete")
@roles_required(Role.STUDIO)
def file_delete(file_id: int):
    proof = queries.own_file(file_id, current_user.studio_id)
    if proof is None:
        abort(404)
    record = proof.record
    if ConfirmForm().validate_on_submit():
        services.remove_file(current_user, proof)
        flash(f"已删除证明材料“{proof.original_name}”", "success")
    return redirect(_record_url(record))


def _download_name(proof: ProofFile) -> str:
    """The original name, with the extension of what the file really is (a PDF named 证书.exe gets .pdf)."""
    extension = EXTENSIONS[proof.content_type]
    name = proof.original_name
    if PurePath(name).suffix.lower() not in {extension, ".jpeg" if extension == ".jpg" else extension}:
        name += extension
    return name


@files_bp.get("/files/<int:file_id>")
def file_download(file_id: int):
    """A proof file, to those who may see it; 404 to everyone else, so its existence is not revealed."""
    proof = db.session.get(ProofFile, file_id)
    if proof is None or not proof.can_download(current_user):
        abort(404)
    path = path_of(proof.stored_name)
    if not path.is_file():
        abort(404)
    # A judge gets a neutral name: a file's own name can name its studio, which a blind round hides.
    name = f"证明材料-{proof.id}{EXTENSIONS[proof.content_type]}" if current_user.is_judge else _download_name(proof)
    response = send_file(path, mimetype=proof.content_type, download_name=name,
                         as_attachment=False, max_age=0)
    # Served exactly as what the content check found, and never run as a page of this site.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# ------------------------------------------------------------------ 查重

@bp.get("/similar")
@roles_required(Role.STUDIO)
def similar():
    """Approved achievements like the title being typed (the form asks while the studio types)."""
    title = " ".join((request.args.get("title") or "").split())
    if len(title) > 200:
        return jsonify(error="成果名称不能超过 200 个字"), 400
    exclude = request.args.get("exclude", type=int)
    return jsonify(title=title, hits=[{
        "id": a.id, "title": a.title, "year": a.year, "category": a.category.label,
        "url": url_for("catalogue.achievement_detail", achievement_id=a.id),
        "studio": a.studio.name, "studio_url": url_for("catalogue.studio_detail", studio_id=a.studio_id),
    } for a in queries.similar_achievements(title, exclude)])
