"""评选管理 → 排名: the ranking, one entry's drill-down to the judge × criterion scores (a score reopened from
there), and the xlsx exports."""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO

from flask import abort, render_template, send_file
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from .. import exports, judge_scores, queries, scoring
from ..forms import admin as forms
from ..models import Assignment, AwardRound, Nomination
from .admin_rounds import dashboard_page
from .admin_site import PageRoutes, S, back, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


@routes.get("/<int:round_id>/ranking")
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
    totals = {n: scoring.weighted_total((r.weight, r.points) for r in rows) for n, rows in sheet.items()}
    assigned = queries.entry_assignments(nomination)
    numbers = queries.judge_numbers(award_round)
    return render_template(
        "awards/admin/entry.html", award_round=award_round, nomination=nomination, data=data, frozen=frozen,
        result=result, sheet=dict(sorted(sheet.items())), totals=totals, numbers=numbers,
        assignments=sorted(assigned, key=lambda a: numbers.get(a.judge_id, 0)), form=forms.ReasonForm(formdata=None),
        failed=failed, can_reopen=award_round.state in (S.SCORING, S.CLOSED),
    )


def _entry_of(award_round: AwardRound, achievement_id: int) -> Nomination:
    nomination = queries.entry_of(award_round, achievement_id)
    if nomination is None:
        abort(404)
    return nomination


@routes.get("/<int:round_id>/entries/<int:achievement_id>")
@roles_required(Role.ADMIN)
def entry(round_id: int, achievement_id: int):
    award_round = round_or_404(round_id)
    nomination = _entry_of(award_round, achievement_id)
    return run_service(lambda: _entry_page(award_round, nomination), lambda page: page,
                       refusal(dashboard_page, award_round))


@routes.post("/<int:round_id>/assignments/<int:assignment_id>/reopen")
@roles_required(Role.ADMIN)
def score_reopen(round_id: int, assignment_id: int):
    award_round = round_or_404(round_id)
    row = own_or_404(Assignment, assignment_id, award_round)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        return invalid(form, _entry_page, award_round, row.nomination, (row.id, form))

    def reopened(_):
        number = queries.judge_numbers(award_round).get(row.judge_id)
        return back(".entry", award_round, f"已重新开放评委 {number} 号对该成果的评分，评委修改后须重新提交",
                    achievement_id=row.nomination.achievement_id)

    return run_service(lambda: judge_scores.reopen_score(current_user, row, form.reason.data), reopened,
                       refusal(_entry_page, award_round, row.nomination, (row.id, form)))


def _workbook_download(award_round: AwardRound, which: str):
    def send(workbook):
        buffer = BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        return send_file(buffer, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=exports.filename(award_round, which))
    return send


@routes.get("/<int:round_id>/export/<any(scores, ranking, all):which>.xlsx")
@roles_required(Role.ADMIN)
def export(round_id: int, which: str):
    award_round = round_or_404(round_id)
    return run_service(lambda: exports.build_workbook(award_round, which), _workbook_download(award_round, which),
                       refusal(dashboard_page, award_round))
