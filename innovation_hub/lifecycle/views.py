"""Lifecycle pages: the office's 年度考核 / 复核 / 摘牌 pages (/admin/lifecycle) and the studio's yearly report.

Thin: load, validate the form, call one service, flash and redirect. A refused step (LifecycleError) shows
its Chinese message on the same page with a 400; a studio never sees another studio's report.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.forms import ConfirmForm
from ..accounts.models import Role
from ..catalogue.models import Studio
from ..errors import BadRequest, PermissionDenied
from ..extensions import db
from ..security import roles_required
from . import queries, services
from .forms import DelistForm, GradeForm, OpenYearForm, RecheckForm, ReportForm, RestoreForm, ReturnReportForm
from .models import AnnualReport, DelistCause, Grade, RecheckOutcome, ReportStatus
from .services import LifecycleError

# The year page's tabs: which studios its table lists.
SHOW = {"all": "全部", "unfiled": "未报", "filed": "已报"}

admin_bp = Blueprint("lifecycle_admin", __name__, url_prefix="/admin/lifecycle")
studio_bp = Blueprint("lifecycle_studio", __name__, url_prefix="/studio/annual-review")


@admin_bp.context_processor
@studio_bp.context_processor
def lifecycle_enums() -> dict:
    return {"ReportStatus": ReportStatus, "Grade": Grade, "today": services.today()}


def _year_or_404(year: int):
    return queries.year_by_number(year) or abort(404)


def _status() -> int:
    return 400 if request.method == "POST" else 200


# ------------------------------------------------------------------ the office: 年度考核

@admin_bp.get("/")
@roles_required(Role.ADMIN)
def overview(open_form: OpenYearForm | None = None, error: str | None = None):
    years = [(y, queries.year_progress(y)) for y in queries.years()]
    if open_form is None:
        open_form = OpenYearForm(formdata=None)
        open_form.year.data = services.today().year
    return render_template(
        "lifecycle/admin/overview.html", years=years, open_form=open_form, error=error,
        due=queries.rechecks_due(services.today()), pending=queries.pending_delistings(),
        failing=queries.failing_studios(), delisted=queries.delisted_studios(),
    ), 400 if error or open_form.errors else 200


@admin_bp.post("/years")
@roles_required(Role.ADMIN)
def year_open():
    form = OpenYearForm()
    if not form.validate_on_submit():
        return overview(open_form=form)
    try:
        review_year = services.open_year(current_user, form.year.data, form.deadline.data, form.note.data)
    except LifecycleError as error:
        return overview(open_form=form, error=str(error))
    flash(f"{review_year.name}已开启，有效工作室现在可以填报年度报告", "success")
    return redirect(url_for("lifecycle_admin.year_detail", year=review_year.year))


@admin_bp.get("/years/<int:year>")
@roles_required(Role.ADMIN)
def year_detail(year: int, error: str | None = None):
    review_year = _year_or_404(year)
    show = request.args.get("show") or "all"
    if show not in SHOW:
        raise BadRequest(f"显示范围“{show}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in SHOW.items())}")
    progress = queries.year_progress(review_year)
    rows = [r for r in progress.rows if show == "all" or r.filed == (show == "filed")]
    return render_template("lifecycle/admin/year.html", review_year=review_year, progress=progress, rows=rows,
                           show=show, shows=SHOW, close_form=ConfirmForm(formdata=None),
                           error=error), 400 if error else 200


@admin_bp.post("/years/<int:year>/close")
@roles_required(Role.ADMIN)
def year_close(year: int):
    review_year = _year_or_404(year)
    try:
        services.close_year(current_user, review_year)
    except LifecycleError as error:
        return year_detail(year, error=str(error))
    flash(f"{review_year.name}已结束，考核结果已记入各工作室的公开履历", "success")
    return redirect(url_for("lifecycle_admin.year_detail", year=year))


def _report_or_404(report_id: int) -> AnnualReport:
    return db.session.get(AnnualReport, report_id) or abort(404)


@admin_bp.get("/reports/<int:report_id>")
@roles_required(Role.ADMIN)
def report_detail(report_id: int, grade_form=None, return_form=None, error: str | None = None):
    report = _report_or_404(report_id)
    if grade_form is None:
        grade_form = GradeForm(formdata=None)
        grade_form.grade.data = report.grade.value if report.grade else Grade.PASS.value
        grade_form.comment.data = report.grade_comment
    failed = error or (grade_form.errors or (return_form is not None and return_form.errors))
    return render_template(
        "lifecycle/admin/report.html", report=report, review_year=report.review_year,
        activity=queries.year_activity(report.studio_id, report.review_year.year),
        grade_form=grade_form, return_form=return_form or ReturnReportForm(formdata=None), error=error,
    ), 400 if failed else 200


@admin_bp.post("/reports/<int:report_id>/grade")
@roles_required(Role.ADMIN)
def report_grade(report_id: int):
    report = _report_or_404(report_id)
    form = GradeForm()
    if not form.validate_on_submit():
        return report_detail(report_id, grade_form=form)
    try:
        services.grade_report(current_user, report, Grade(form.grade.data), form.comment.data)
    except LifecycleError as error:
        return report_detail(report_id, grade_form=form, error=str(error))
    flash(f"已评定“{report.studio.name}”：{report.grade.label}", "success")
    return redirect(url_for("lifecycle_admin.year_detail", year=report.review_year.year))


@admin_bp.post("/reports/<int:report_id>/return")
@roles_required(Role.ADMIN)
def report_return(report_id: int):
    report = _report_or_404(report_id)
    form = ReturnReportForm()
    if not form.validate_on_submit():
        return report_detail(report_id, return_form=form)
    try:
        services.return_report(current_user, report, form.reason.data)
    except LifecycleError as error:
        return report_detail(report_id, return_form=form, error=str(error))
    flash(f"已将“{report.studio.name}”的年度报告退回修改", "success")
    return redirect(url_for("lifecycle_admin.year_detail", year=report.review_year.year))


# ------------------------------------------------------------------ the office: 复核, 摘牌, 恢复

@admin_bp.get("/rechecks")
@roles_required(Role.ADMIN)
def rechecks():
    return render_template("lifecycle/admin/rechecks.html", due=queries.rechecks_due(services.today()),
                           pending=queries.pending_delistings(), recent=queries.rechecks_recent(),
                           years=queries.recheck_years())


def _studio_or_404(studio_id: int) -> Studio:
    return db.session.get(Studio, studio_id) or abort(404)


def _studio_form(template: str, studio: Studio, form, error: str | None = None, **context):
    return render_template(template, studio=studio, form=form, error=error, **context), \
        400 if error or form.errors else 200


@admin_bp.route("/studios/<int:studio_id>/recheck", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def recheck(studio_id: int):
    studio = _studio_or_404(studio_id)
    form = RecheckForm()
    if request.method == "GET":
        form.decided_on.data = services.today()
        form.outcome.data = RecheckOutcome.PASSED.value
    elif form.validate_on_submit():
        try:
            result = services.record_recheck(current_user, studio, form.to_data())
        except LifecycleError as error:
            return _studio_form("lifecycle/admin/recheck.html", studio, form, str(error))
        if result.outcome is RecheckOutcome.FAILED:
            flash(f"已记录“{studio.name}”复核不通过；请确认摘牌", "warning")
            return redirect(url_for("lifecycle_admin.delist", studio_id=studio.id, cause=DelistCause.RECHECK.value))
        flash(f"已记录“{studio.name}”复核通过", "success")
        return redirect(url_for("lifecycle_admin.rechecks"))
    return _studio_form("lifecycle/admin/recheck.html", studio, form)


@admin_bp.route("/studios/<int:studio_id>/delist", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delist(studio_id: int):
    studio = _studio_or_404(studio_id)
    form = DelistForm()
    if request.method == "GET":
        form.decided_on.data = services.today()
        cause = DelistCause.from_label(request.args.get("cause", "")) or DelistCause.OTHER
        form.cause.data = cause.value
        if cause is DelistCause.RECHECK and (pending := [p for p in queries.pending_delistings()
                                                         if p.studio.id == studio.id]):
            form.reason.data = f"复核不通过：{pending[0].recheck.reason}"
            form.doc_number.data = pending[0].recheck.doc_number
    elif form.validate_on_submit():
        try:
            services.delist_studio(current_user, studio, form.to_data())
        except LifecycleError as error:
            return _studio_form("lifecycle/admin/delist.html", studio, form, str(error))
        flash(f"“{studio.name}”已摘牌，其命名已全部撤销；成果和专利仍然公开", "success")
        return redirect(url_for("catalogue.studio_detail", studio_id=studio.id))
    return _studio_form("lifecycle/admin/delist.html", studio, form)


@admin_bp.route("/studios/<int:studio_id>/restore", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def restore(studio_id: int):
    studio = _studio_or_404(studio_id)
    form = RestoreForm()
    if request.method == "GET":
        form.decided_on.data = services.today()
    elif form.validate_on_submit():
        try:
            services.restore_studio(current_user, studio, form.decided_on.data, form.reason.data,
                                    form.doc_number.data or "")
        except LifecycleError as error:
            return _studio_form("lifecycle/admin/restore.html", studio, form, str(error),
                                last=queries.last_delisting(studio.id))
        flash(f"“{studio.name}”已恢复为有效", "success")
        return redirect(url_for("catalogue.studio_detail", studio_id=studio.id))
    return _studio_form("lifecycle/admin/restore.html", studio, form, last=queries.last_delisting(studio.id))


# ------------------------------------------------------------------ the studio: its yearly report

def _studio() -> Studio:
    studio = current_user.studio
    if studio is None:
        raise PermissionDenied("此账号没有所属工作室，请联系管理员")
    return studio


@studio_bp.get("/")
@roles_required(Role.STUDIO)
def studio_home():
    studio = _studio()
    return render_template("lifecycle/studio/home.html", studio=studio, years=queries.years(),
                           reports=queries.studio_reports(studio.id))


@studio_bp.route("/<int:year>", methods=["GET", "POST"])
@roles_required(Role.STUDIO)
def report_form(year: int):
    studio = _studio()
    review_year = _year_or_404(year)
    report = queries.report_of(review_year.id, studio.id)
    form = ReportForm()
    error = None
    if request.method == "GET" and report is not None:
        form.fill_from(report)
    elif request.method == "POST" and form.validate_on_submit():
        try:
            services.save_report(current_user, review_year, form.to_data())
        except LifecycleError as e:
            error = str(e)
        else:
            flash("年度报告已保存；确认无误后请点击“提交”", "success")
            return redirect(url_for("lifecycle_studio.report_form", year=year))
    return render_template(
        "lifecycle/studio/report.html", studio=studio, review_year=review_year, report=report, form=form,
        error=error, activity=queries.year_activity(studio.id, year), submit_form=ConfirmForm(formdata=None),
    ), 400 if error or form.errors else 200


@studio_bp.post("/<int:year>/submit")
@roles_required(Role.STUDIO)
def report_submit(year: int):
    studio = _studio()
    review_year = _year_or_404(year)
    report = queries.report_of(review_year.id, studio.id)
    if report is None:
        flash("请先填写并保存年度报告，再提交", "warning")
        return redirect(url_for("lifecycle_studio.report_form", year=year))
    try:
        services.submit_report(current_user, report)
    except LifecycleError as error:
        form = ReportForm(formdata=None)
        form.fill_from(report)
        return render_template(
            "lifecycle/studio/report.html", studio=studio, review_year=review_year, report=report,
            form=form, error=str(error),
            activity=queries.year_activity(studio.id, year), submit_form=ConfirmForm(formdata=None),
        ), 400
    flash(f"{review_year.name}年度报告已提交，等待市总工会评定", "success")
    return redirect(url_for("lifecycle_studio.report_form", year=year))
