"""评选管理 → 投票码: a round's ballot-code batches, issued, printed, downloaded and voided. The codes are derived
again for each print or download (ballots.reveal_codes, audit-logged)."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, render_template, send_file, url_for
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from ...sheets import Column, SheetSpec
from .. import ballots, certificates
from ..forms import admin as forms
from ..models import AwardRound, BallotBatch
from .admin_site import PageRoutes, back, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


def _ballots_page(award_round: AwardRound, form: forms.BallotBatchForm | None = None,
                  failed: tuple[int, forms.ReasonForm] | None = None) -> str:
    return render_template(
        "awards/admin/ballots.html", award_round=award_round, batches=ballots.batches(award_round),
        form=form or forms.BallotBatchForm(formdata=None), void_form=forms.ReasonForm(formdata=None), failed=failed,
        ballot_mode=award_round.uses_ballots,
        can_issue=award_round.state in ballots.ISSUING_STATES, batch_max=ballots.BATCH_MAX,
        failures_per_hour=ballots.FAILURES_PER_ADDRESS_PER_HOUR,
    )


@routes.get("/<int:round_id>/ballots")
@roles_required(Role.ADMIN)
def ballots_page(round_id: int):
    return _ballots_page(round_or_404(round_id))


@routes.post("/<int:round_id>/ballots")
@roles_required(Role.ADMIN)
def ballot_issue(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.BallotBatchForm()
    if not form.validate_on_submit():
        return invalid(form, _ballots_page, award_round, form)
    return run_service(lambda: ballots.issue_batch(current_user, award_round, form.size.data, form.label.data),
                       lambda batch: back(".ballots_page", award_round,
                                          f"已生成批次“{batch.label}”的 {batch.size} 个投票码，请打印或下载后发放"),
                       refusal(_ballots_page, award_round, form))


@routes.post("/<int:round_id>/ballots/<int:batch_id>/void")
@roles_required(Role.ADMIN)
def ballot_void(round_id: int, batch_id: int):
    award_round = round_or_404(round_id)
    batch = own_or_404(BallotBatch, batch_id, award_round)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        return invalid(form, _ballots_page, award_round, None, (batch.id, form))

    def voided(dropped: int):
        dropped_text = f"，已投出的 {dropped} 票不再计入" if dropped else ""
        return back(".ballots_page", award_round, f"已作废批次“{batch.label}”：未使用的投票码不能再投票{dropped_text}")

    return run_service(lambda: ballots.void_batch(current_user, batch, form.reason.data), voided,
                       refusal(_ballots_page, award_round, None, (batch.id, form)))


def _vote_url(award_round: AwardRound) -> str:
    """The vote page on the host the administrator came to (the intranet address the voters use)."""
    return url_for("awards.vote_gallery", round_id=award_round.id, _external=True)


def _code_sheet(batch: BallotBatch, award_round: AwardRound) -> SheetSpec:
    def column(header, export, width=14):
        return Column(header, header, False, None, export, width)

    url = _vote_url(award_round)
    return SheetSpec("投票码", (
        column("序号", lambda r: r.position, 8),
        column("投票码", lambda r: r.code, 18),
        column("批次", lambda r: batch.label, 24),
        column("评选", lambda r: award_round.name, 36),
        column("投票网址", lambda r: url, 40),
        column("状态", lambda r: "作废" if batch.is_void else ("已使用" if r.used_at else "未使用"), 10),
        column("使用时间", lambda r: r.used_at.strftime("%Y-%m-%d %H:%M") if r.used_at else "", 18),
    ))


@routes.get("/<int:round_id>/ballots/<int:batch_id>.xlsx")
@roles_required(Role.ADMIN)
def ballot_download(round_id: int, batch_id: int):
    award_round = round_or_404(round_id)
    batch = own_or_404(BallotBatch, batch_id, award_round)
    # openpyxl only when a workbook is made (see awards/exports.py).
    from ...workbooks import add_sheet, new_workbook, write_rows

    rows = ballots.reveal_codes(current_user, batch, "下载")
    spec = _code_sheet(batch, award_round)
    workbook = new_workbook()
    write_rows(add_sheet(workbook, spec), spec, rows)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"{award_round.name}-投票码-{batch.label}.xlsx")


@routes.get("/<int:round_id>/ballots/<int:batch_id>/print")
@roles_required(Role.ADMIN)
def ballot_print(round_id: int, batch_id: int):
    award_round = round_or_404(round_id)
    batch = own_or_404(BallotBatch, batch_id, award_round)
    url = _vote_url(award_round)
    return render_template("awards/admin/ballots_print.html", award_round=award_round, batch=batch,
                           rows=ballots.reveal_codes(current_user, batch, "打印"), url=url,
                           qr=certificates.qr_symbol(url, "vote-qr"), org_name=current_app.config["ORG_NAME"])
