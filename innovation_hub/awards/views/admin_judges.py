"""评选管理 → 评委: a round's judges (with their 工作单位), added and removed, with each one's progress."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...accounts.models import Role, User
from ...accounts.services import AccountError
from ...extensions import db
from ...security import roles_required
from .. import assignment, queries
from ..forms import admin as forms
from ..models import AwardRound, RoundJudge
from .admin_site import PageRoutes, S, back, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


def _judges_page(award_round: AwardRound, form: forms.JudgeForm | None = None) -> str:
    progress = {p.user_id: p for p in queries.judge_progress(award_round)}
    return render_template(
        "awards/admin/judges.html", award_round=award_round, progress=progress,
        form=form or forms.JudgeForm(formdata=None, accounts=queries.judge_accounts(award_round)),
        can_change=award_round.state in (S.DRAFT, S.NOMINATING, S.QUALIFYING, S.SCORING),
    )


@routes.get("/<int:round_id>/judges")
@roles_required(Role.ADMIN)
def judges(round_id: int):
    return _judges_page(round_or_404(round_id))


@routes.post("/<int:round_id>/judges")
@roles_required(Role.ADMIN)
def judge_add(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.JudgeForm(accounts=queries.judge_accounts(award_round))
    if not form.validate_on_submit():
        return invalid(form, _judges_page, award_round, form)
    user = db.session.get(User, int(form.user.data))
    try:
        return run_service(lambda: assignment.add_judge(current_user, award_round, user, unit=form.unit.data or ""),
                           lambda judge: back(".judges", award_round, f"已添加评委 {judge.number} 号：{user.name}"),
                           refusal(_judges_page, award_round, form))
    except AccountError as error:  # the unit typed on the form
        form.unit.errors.append(str(error))
        return _judges_page(award_round, form), 400


@routes.post("/<int:round_id>/judges/<int:judge_id>/remove")
@roles_required(Role.ADMIN)
def judge_remove(round_id: int, judge_id: int):
    award_round = round_or_404(round_id)
    judge = own_or_404(RoundJudge, judge_id, award_round)
    done = f"已移除评委 {judge.number} 号及其评审分配"
    return run_service(lambda: assignment.remove_judge(current_user, judge),
                       lambda _: back(".judges", award_round, done), refusal(_judges_page, award_round))
