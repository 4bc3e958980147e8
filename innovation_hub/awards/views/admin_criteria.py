"""评选管理 → 评分指标: a round's criteria, added, edited, removed and reordered before scoring starts."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from .. import queries, scoring, services
from ..forms import admin as forms
from ..models import AwardRound, Criterion
from .admin_site import PageRoutes, back, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


def _criteria_page(award_round: AwardRound, add_form: forms.CriterionForm | None = None,
                   edited: tuple[int, forms.CriterionForm] | None = None) -> str:
    edit_forms = {}
    for criterion in award_round.criteria:
        if edited and edited[0] == criterion.id:
            edit_forms[criterion.id] = edited[1]
        else:
            edit_forms[criterion.id] = forms.CriterionForm(formdata=None, prefix=f"c{criterion.id}")
            edit_forms[criterion.id].fill_from(criterion)
    criteria = queries.scoring_criteria(award_round)
    return render_template(
        "awards/admin/criteria.html", award_round=award_round, forms=edit_forms,
        add_form=add_form or forms.CriterionForm(formdata=None),
        editable=award_round.state in services.BEFORE_SCORING,
        full_marks=scoring.full_marks(criteria), weighted_max={c.id: scoring.full_marks([c]) for c in criteria},
    )


@routes.get("/<int:round_id>/criteria")
@roles_required(Role.ADMIN)
def criteria(round_id: int):
    return _criteria_page(round_or_404(round_id))


@routes.post("/<int:round_id>/criteria")
@roles_required(Role.ADMIN)
def criterion_add(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.CriterionForm()
    if not form.validate_on_submit():
        return invalid(form, _criteria_page, award_round, form)
    return run_service(lambda: services.add_criterion(current_user, award_round, form.to_data()),
                       lambda criterion: back(".criteria", award_round, f"已添加指标“{criterion.name}”"),
                       refusal(_criteria_page, award_round, form))


@routes.post("/<int:round_id>/criteria/<int:criterion_id>")
@roles_required(Role.ADMIN)
def criterion_edit(round_id: int, criterion_id: int):
    award_round = round_or_404(round_id)
    criterion = own_or_404(Criterion, criterion_id, award_round)
    form = forms.CriterionForm(prefix=f"c{criterion.id}")
    if not form.validate_on_submit():
        return invalid(form, _criteria_page, award_round, edited=(criterion.id, form))
    return run_service(lambda: services.update_criterion(current_user, criterion, form.to_data()),
                       lambda _: back(".criteria", award_round, f"已保存指标“{form.name.data}”"),
                       refusal(_criteria_page, award_round, None, (criterion.id, form)))


@routes.post("/<int:round_id>/criteria/<int:criterion_id>/remove")
@roles_required(Role.ADMIN)
def criterion_remove(round_id: int, criterion_id: int):
    award_round = round_or_404(round_id)
    criterion = own_or_404(Criterion, criterion_id, award_round)
    name = criterion.name
    return run_service(lambda: services.remove_criterion(current_user, criterion),
                       lambda _: back(".criteria", award_round, f"已删除指标“{name}”"),
                       refusal(_criteria_page, award_round))


@routes.post("/<int:round_id>/criteria/<int:criterion_id>/move")
@roles_required(Role.ADMIN)
def criterion_move(round_id: int, criterion_id: int):
    award_round = round_or_404(round_id)
    criterion = own_or_404(Criterion, criterion_id, award_round)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        return invalid(form, _criteria_page, award_round)
    order = [c.id for c in award_round.criteria]
    i = order.index(criterion.id)
    j = i - 1 if form.direction.data == "up" else i + 1
    if not 0 <= j < len(order):
        return back(".criteria", award_round)
    order[i], order[j] = order[j], order[i]
    return run_service(lambda: services.reorder_criteria(current_user, award_round, order),
                       lambda _: back(".criteria", award_round), refusal(_criteria_page, award_round))
