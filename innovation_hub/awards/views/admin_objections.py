"""评选管理 → 异议与投票: objections filed during 公示 and their answers, the votes counted and vote bursts."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from .. import objections_votes, queries
from ..forms import admin as forms
from ..models import AwardRound, Objection
from .admin_site import PageRoutes, back, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


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


@routes.get("/<int:round_id>/objections")
@roles_required(Role.ADMIN)
def objections(round_id: int):
    return _objections_page(round_or_404(round_id))


@routes.post("/<int:round_id>/objections/<int:objection_id>")
@roles_required(Role.ADMIN)
def objection_answer(round_id: int, objection_id: int):
    award_round = round_or_404(round_id)
    objection = own_or_404(Objection, objection_id, award_round)
    form = forms.AnswerForm()
    if not form.validate_on_submit():
        return invalid(form, _objections_page, award_round, (objection.id, form))
    done = f"已答复 {objection.name} 的异议"
    return run_service(lambda: objections_votes.answer_objection(current_user, objection, form.answer.data),
                       lambda _: back(".objections", award_round, done),
                       refusal(_objections_page, award_round, (objection.id, form)))
