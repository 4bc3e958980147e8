"""The office's catalogue pages (/admin/catalogue): studios, titles, leaders, records, change requests.

Thin: load, validate, call one service, flash, redirect. A refused change (OfficeError, CatalogueError)
re-renders its form with the message and a 400; nothing saved is lost.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..accounts.models import Role
from ..audit.services import ACTIONS
from ..catalogue.leadership import former_terms_of_person, terms_of_studio
from ..catalogue.models import Achievement, Patent, Studio, StudioTitle
from ..catalogue.patent_numbers import PatentNumberError
from ..catalogue.services import CatalogueError
from ..extensions import db
from ..models import RecordStatus, StudioStatus
from ..request_args import page_arg
from ..security import roles_required
from ..submissions import queries as submission_queries
from ..submissions.change_requests import requests_of_studio
from ..submissions.forms import AchievementForm, PatentForm
from ..submissions.models import ChangeRequest, RequestState
from . import queries, services
from .forms import LeaderForm, MergeForm, NewStudioForm, ReasonForm, RevokeForm, StudioForm, TitleForm

bp = Blueprint("office", __name__, url_prefix="/admin/catalogue")

KINDS = {"achievements": Achievement, "patents": Patent}
SLUGS = {Achievement: "achievements", Patent: "patents"}
PER_PAGE = 30


@bp.context_processor
def office_enums() -> dict:
    return {"RecordStatus": RecordStatus, "StudioStatus": StudioStatus, "RequestState": RequestState}


@bp.app_template_global()
def record_revisions(target_type: str, target_id: int):
    """修改记录 of a public record (the office's edits): shown on its public page."""
    return queries.revisions(target_type, target_id)


@bp.app_template_global()
def former_leaders(studio_id: int):
    """The ended leader terms of a studio (历任领办人), latest first."""
    return [term for term in terms_of_studio(studio_id) if not term.is_current]


@bp.app_template_global()
def former_terms(person_id: int):
    """The studios a person led before (曾领办), with the years."""
    return former_terms_of_person(person_id)


def _get(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def _record(kind: str, record_id: int):
    if kind not in KINDS:
        abort(404)
    return _get(KINDS[kind], record_id)


def _studio_url(studio_id: int) -> str:
    return url_for("office.studio_manage", studio_id=studio_id)


def _form_page(form, heading: str, back: str, submit: str, *, lines=(), status: int | None = None, danger=False):
    """One generic page: a heading, what the change does, the form's fields, a submit button."""
    code = status or (400 if request.method == "POST" else 200)
    return render_template("office/form.html", form=form, heading=heading, back=back, submit=submit, lines=lines,
                           danger=danger), code


def _refused(form, error: Exception) -> None:
    form.form_errors.append(str(error))


# ------------------------------------------------------------------ studios

@bp.get("/studios")
@roles_required(Role.ADMIN)
def studio_list():
    q = " ".join((request.args.get("q") or "").split())[:queries.MAX_QUERY]
    page = db.paginate(queries.studios_select(q), page=page_arg(request.args),
                       per_page=PER_PAGE, error_out=False, count=True)
    return render_template("office/studio_list.html", page=page, q=q,
                           counts=queries.record_counts([s.id for s in page.items]),
                           pending=queries.pending_count())


@bp.route("/studios/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def studio_new():
    form = NewStudioForm()
    if form.validate_on_submit():
        try:
            studio = services.create_studio(current_user, form.to_data())
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已新建工作室“{studio.name}”（{studio.level.label if studio.level else '无级别'}）", "success")
            return redirect(_studio_url(studio.id))
    return _form_page(form, "新建工作室", url_for("office.studio_list"), "新建",
                      lines=["新建的工作室立即公开，可以检索到。"])


@bp.get("/studios/<int:studio_id>")
@roles_required(Role.ADMIN)
def studio_manage(studio_id: int):
    studio = _get(Studio, studio_id)
    achievements, patents = queries.studio_records(studio.id)
    return render_template(
        "office/studio.html", studio=studio, achievements=achievements, patents=patents,
        terms=terms_of_studio(studio.id), requests=requests_of_studio(studio.id),
        history=queries.history("studio", studio.id), actions=ACTIONS, confirm=ConfirmForm(),
    )


@bp.route("/studios/<int:studio_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def studio_edit(studio_id: int):
    studio = _get(Studio, studio_id)
    form = StudioForm()
    if request.method == "GET":
        form.fill_from(studio)
    if form.validate_on_submit():
        try:
            lines = services.edit_studio(current_user, studio, form.to_edit())
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已保存：{'；'.join(lines)}" if lines else "没有改动", "success" if lines else "info")
            return redirect(_studio_url(studio.id))
    return _form_page(form, f"修改工作室 · {studio.name}", _studio_url(studio.id), "保存",
                      lines=["领办人、命名在工作室管理页分别修改；修改会记入操作日志（修改前 → 修改后）。"])


@bp.route("/studios/<int:studio_id>/merge", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def studio_merge(studio_id: int):
    kept = _get(Studio, studio_id)
    others = db.session.execute(queries.studios_select().where(Studio.id != kept.id)).scalars().all()
    form = MergeForm(studios=others)
    duplicate = plan = None
    status = 200
    if request.method == "GET":
        chosen = request.args.get("duplicate", type=int)  # the confirmation step: show what moves
        if chosen is not None and chosen != kept.id:
            duplicate = _get(Studio, chosen)
            form.duplicate.data = str(chosen)
    elif form.validate_on_submit():
        duplicate = _get(Studio, int(form.duplicate.data))
        try:
            done = services.merge_studios(current_user, kept, duplicate)
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已把“{duplicate.name}”并入“{kept.name}”：成果 {done.achievements} 项、专利 {done.patents} 件",
                  "success")
            return redirect(_studio_url(kept.id))
    if request.method == "POST":
        status = 400
    if duplicate is not None:
        plan = services.merge_plan(kept, duplicate)
    return render_template("office/merge.html", kept=kept, form=form, duplicate=duplicate, plan=plan), status


# ------------------------------------------------------------------ titles and leader

@bp.route("/studios/<int:studio_id>/titles/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def title_new(studio_id: int):
    studio = _get(Studio, studio_id)
    form = TitleForm()
    if form.validate_on_submit():
        try:
            title = services.add_title(current_user, studio, form.to_title())
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已添加 {title.year} 年{title.level.label}命名", "success")
            return redirect(_studio_url(studio.id))
    return _form_page(form, f"添加命名 · {studio.name}", _studio_url(studio.id), "添加命名",
                      lines=["工作室显示的级别是有效命名中最高的一个。"])


@bp.route("/titles/<int:title_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def title_revoke(title_id: int):
    title = _get(StudioTitle, title_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_title(current_user, title, form.revoked_on.data, form.doc_number.data or "",
                                  form.reason.data)
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已撤销 {title.year} 年{title.level.label}命名", "success")
            return redirect(_studio_url(title.studio_id))
    return _form_page(form, f"撤销命名 · {title.studio.name}", _studio_url(title.studio_id), "撤销命名", danger=True,
                      lines=[f"撤销 {title.year} 年{title.level.label}命名（{title.conferred_by or '—'} "
                             f"{title.doc_number}）。撤销后公开页面仍显示这条命名及撤销日期、文号和理由。"])


@bp.route("/studios/<int:studio_id>/leader", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def leader_change(studio_id: int):
    studio = _get(Studio, studio_id)
    form = LeaderForm()
    if form.validate_on_submit():
        try:
            services.change_leader(current_user, studio, form.name.data.strip(), form.on.data, form.honours.parsed)
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"领办人已改为{form.name.data.strip()}；原领办人的任期已结束，其个人页面显示“曾领办”", "success")
            return redirect(_studio_url(studio.id))
    current = studio.leader.name if studio.leader else "—"
    return _form_page(form, f"更换领办人 · {studio.name}", _studio_url(studio.id), "更换领办人",
                      lines=[f"现任领办人：{current}。交接日期当天结束现任任期，新领办人从这天起任职。"])


# ------------------------------------------------------------------ achievements and patents

def _record_back(record) -> str:
    return _studio_url(record.studio_id)


@bp.route("/achievements/<int:achievement_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def achievement_edit(achievement_id: int):
    achievement = _get(Achievement, achievement_id)
    form = AchievementForm()
    if request.method == "GET":
        form.fill_from(achievement)
    if form.validate_on_submit():
        try:
            lines = services.edit_achievement(current_user, achievement, form.to_data(achievement.studio.name))
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已保存成果“{achievement.title}”" + ("：" + "；".join(lines) if lines else "（没有改动）"),
                  "success")
            return redirect(_record_back(achievement))
    return _form_page(form, f"修改成果 · {achievement.title}", _record_back(achievement), "保存",
                      lines=[f"当前状态：{achievement.status.label}。修改不改变状态；已公开的成果保持公开，"
                             "公开页面显示修改记录。"])


@bp.route("/patents/<int:patent_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def patent_edit(patent_id: int):
    patent = _get(Patent, patent_id)
    form = PatentForm(achievements=submission_queries.own_achievements(patent.studio_id))
    if request.method == "GET":
        form.fill_from(patent)
    if form.validate_on_submit():
        try:
            lines = services.edit_patent(current_user, patent, form.to_data(patent.studio.name))
        except PatentNumberError as error:
            form.number.errors.append(str(error))
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已保存专利“{patent.title}”" + ("：" + "；".join(lines) if lines else "（没有改动）"), "success")
            return redirect(_record_back(patent))
    return _form_page(form, f"修改专利 · {patent.title}", _record_back(patent), "保存",
                      lines=[f"当前状态：{patent.status.label}。修改不改变状态；已公开的专利保持公开，"
                             "公开页面显示修改记录。"])


@bp.route("/<kind>/<int:record_id>/unpublish", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def record_unpublish(kind: str, record_id: int):
    record = _record(kind, record_id)
    form = ReasonForm()
    form.reason.label.text = "撤下理由（工作室会看到）"
    if form.validate_on_submit():
        try:
            services.unpublish_record(current_user, record, form.reason.data)
        except CatalogueError as error:
            _refused(form, error)
        else:
            flash(f"已撤下{record.NOUN}“{record.title}”：它不再公开，也检索不到", "success")
            return redirect(_record_back(record))
    return _form_page(form, f"撤下{record.NOUN} · {record.title}", _record_back(record), "撤下", danger=True,
                      lines=["撤下后记录不再公开、立即从检索中移除；记录和证明材料保留，可以重新公开。",
                             "工作室在后台看到“已撤下”和理由。"])


@bp.post("/<kind>/<int:record_id>/republish")
@roles_required(Role.ADMIN)
def record_republish(kind: str, record_id: int):
    record = _record(kind, record_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.republish_record(current_user, record)
    except CatalogueError as error:
        flash(str(error), "warning")
    else:
        flash(f"已重新公开{record.NOUN}“{record.title}”", "success")
    return redirect(_record_back(record))


@bp.route("/<kind>/<int:record_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def record_delete(kind: str, record_id: int):
    record = _record(kind, record_id)
    form = ConfirmForm()
    error, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            studio_id, title = record.studio_id, record.title
            services.delete_record(current_user, record)
        except CatalogueError as refused:
            error, status = str(refused), 400
        else:
            flash(f"已删除{record.NOUN}“{title}”及其证明材料", "success")
            return redirect(_studio_url(studio_id))
    files = submission_queries.record_files(record)
    return render_template("office/delete.html", record=record, noun=record.NOUN, slug=kind, form=form,
                           files=files, nominations=services.nominations_of(record), error=error), status


# ------------------------------------------------------------------ change requests

@bp.get("/requests")
@roles_required(Role.ADMIN)
def request_list():
    show_all = request.args.get("all") == "1"
    return render_template("office/requests.html", requests=queries.request_queue(None if show_all else
                                                                                   RequestState.PENDING),
                           show_all=show_all, confirm=ConfirmForm(), refuse=ReasonForm(formdata=None))


@bp.post("/requests/<int:request_id>/approve")
@roles_required(Role.ADMIN)
def request_approve(request_id: int):
    change = _get(ChangeRequest, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.approve_request(current_user, change)
    except CatalogueError as error:
        flash(str(error), "warning")
    else:
        flash(f"已同意：{change.studio.name}的{change.field.label}改为“{change.new_value}”", "success")
    return redirect(url_for("office.request_list"))


@bp.post("/requests/<int:request_id>/refuse")
@roles_required(Role.ADMIN)
def request_refuse(request_id: int):
    change = _get(ChangeRequest, request_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.refuse_request(current_user, change, form.reason.data)
        except CatalogueError as error:
            flash(str(error), "warning")
        else:
            flash(f"已拒绝{change.studio.name}的{change.field.label}变更申请", "success")
        return redirect(url_for("office.request_list"))
    flash("拒绝时必须填写理由，工作室会看到它", "danger")
    return render_template("office/requests.html", requests=queries.request_queue(), show_all=False,
                           confirm=ConfirmForm(), refuse=form), 400
