"""The administrator's award pages, part three: ranking, drill-down, exports, objections (routes of admin.bp)."""

from __future__ import annotations

import math
from collections import defaultdict
from io import BytesIO

from flask import abort, flash, render_template, send_file
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.models import Role
from ...extensions import db
from ...security import roles_required
from .. import exports, judging, public, queries
from ..forms import admin as forms
from ..models import (
    Assignment,
    AwardRound,
    Nomination,
    Objection,
)
from ..services import AwardError
from .admin import S, back, bp, dashboard_page, invalid, own_or_404, refused, round_or_404, run_service

# ---------------------------------------------------------------- ranking, drill-down, exports


@bp.get("/<int:round_id>/ranking")
@roles_required(Role.ADMIN)
def ranking(round_id: int):
    award_round = round_or_404(round_id)
    if award_round.state not in exports.RESULT_STATES:
        data, frozen = None, None
    else:
        data, frozen = exports.result_of(award_round)
    return render_template("awards/admin/ranking.html", award_round=award_round, data=data, frozen=frozen)


def _entry_page(award_round: AwardRound, nomination: Nomination, failed: tuple[int, forms.ReasonForm] | None = None):
    data, frozen = exports.result_of(award_round)
    result = next((e for e in data["entries"] if e["id"] == nomination.id), None)
    sheet = defaultdict(list)
    for row in queries.score_sheet(award_round):
        if row.entry_id == nomination.id:
            sheet[row.judge_number].append(row)
    totals = {n: math.fsum(r.weight * r.points for r in rows) for n, rows in sheet.items()}
    assigned = db.session.scalars(select(Assignment).where(Assignment.nomination_id == nomination.id)
                                  .options(selectinload(Assignment.scores)))
    numbers = queries.judge_numbers(award_round)
    return render_template(
        "awards/admin/entry.html", award_round=award_round, nomination=nomination, data=data, frozen=frozen,
        result=result, sheet=dict(sorted(sheet.items())), totals=totals, numbers=numbers,
        assignments=sorted(assigned, key=lambda a: numbers.get(a.judge_id, 0)), form=forms.ReasonForm(formdata=None),
        failed=failed, can_reopen=award_round.state in (S.SCORING, S.CLOSED),
    )


def _entry_of(award_round: AwardRound, achievement_id: int) -> Nomination:
    nomination = db.session.scalars(select(Nomination).where(
        Nomination.round_id == award_round.id, Nomination.achievement_id == achievement_id)).first()
    if nomination is None:
        abort(404)
    return nomination


@bp.get("/<int:round_id>/entries/<int:achievement_id>")
@roles_required(Role.ADMIN)
def entry(round_id: int, achievement_id: int):
    award_round = round_or_404(round_id)
    nomination = _entry_of(award_round, achievement_id)
    try:
        return _entry_page(award_round, nomination)
    except AwardError as error:
        return refused(error, dashboard_page, award_round)


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/reopen")
@roles_required(Role.ADMIN)
def score_reopen(round_id: int, assignment_id: int):
    award_round = round_or_404(round_id)
    row = own_or_404(Assignment, assignment_id, award_round)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        return invalid(form, _entry_page, award_round, row.nomination, (row.id, form))
    try:
        judging.reopen_score(current_user, row, form.reason.data)
    except AwardError as error:
        return refused(error, _entry_page, award_round, row.nomination, (row.id, form))
    flash(f"已重新开放评委 {queries.judge_numbers(award_round).get(row.judge_id)} 号对该成果的评分，"
          "评委修改后须重新提交", "success")
    return back(".entry", award_round, achievement_id=row.nomination.achievement_id)


@bp.get("/<int:round_id>/export/<any(scores, ranking, all):which>.xlsx")
@roles_required(Role.ADMIN)
def export(round_id: int, which: str):
    award_round = round_or_404(round_id)
    try:
        workbook = exports.build_workbook(award_round, which)
    except AwardError as error:
        return refused(error, dashboard_page, award_round)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=exports.filename(award_round, which))


# ---------------------------------------------------------------- objections and votes


def _objections_page(award_round: AwardRound, failed: tuple[int, forms.AnswerForm] | None = None) -> str:
    entries = {n.id: n for n in queries.nominations(award_round)}
    return render_template(
        "awards/admin/objections.html", award_round=award_round, objections=queries.objections(award_round),
        form=forms.AnswerForm(formdata=None), failed=failed, entries=entries,
        bursts=queries.vote_bursts(award_round) if award_round.public_vote else [],
        votes=queries.vote_counts(award_round) if award_round.public_vote else {},
        burst_threshold=queries.BURST_THRESHOLD, address_burst_threshold=queries.ADDRESS_BURST_THRESHOLD,
        burst_minutes=int(queries.BURST_WINDOW.total_seconds() // 60),
    )


@bp.get("/<int:round_id>/objections")
@roles_required(Role.ADMIN)
def objections(round_id: int):
    return _objections_page(round_or_404(round_id))


@bp.post("/<int:round_id>/objections/<int:objection_id>")
@roles_required(Role.ADMIN)
def objection_answer(round_id: int, objection_id: int):
    award_round = round_or_404(round_id)
    objection = own_or_404(Objection, objection_id, award_round)
    form = forms.AnswerForm()
    if not form.validate_on_submit():
        return invalid(form, _objections_page, award_round, (objection.id, form))
    return run_service(lambda: public.answer_objection(current_user, objection, form.answer.data),
                       f"已答复 {objection.name} 的异议", ".objections", _objections_page, award_round,
                       (objection.id, form))
