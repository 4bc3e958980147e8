"""评选管理 → 资格审核: a round's nominations with what to check against its conditions, qualified or not."""

from __future__ import annotations

from collections import defaultdict

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...accounts.models import Role
from ...models import RecordStatus
from ...security import roles_required
from .. import nominating, queries
from ..forms import admin as forms
from ..models import AwardRound, Nomination, NominationState
from .admin_site import PageRoutes, S, invalid, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


def _nominations_page(award_round: AwardRound, failed: tuple[int, forms.DecisionForm] | None = None) -> str:
    nominations = queries.nominations(award_round)
    per_studio = defaultdict(int)
    for n in nominations:
        per_studio[n.studio_id] += n.state is not NominationState.WITHDRAWN
    return render_template(
        "awards/admin/nominations.html", award_round=award_round, nominations=nominations,
        notes=_eligibility_notes(award_round, nominations, per_studio),
        form=forms.DecisionForm(formdata=None), failed=failed, can_decide=award_round.state is S.QUALIFYING,
    )


def _eligibility_notes(award_round: AwardRound, nominations: list[Nomination],
                       per_studio: dict[int, int]) -> dict[int, list[str]]:
    """nomination id → what the reviewer should check against the round's conditions (the checks made at
    nomination, again)."""
    earlier = nominating.earlier_excellence(award_round, [n.achievement_id for n in nominations])
    out = {}
    for nomination in nominations:
        achievement, notes = nomination.achievement, []
        if award_round.recent_years is not None and achievement.year < award_round.year - award_round.recent_years:
            notes.append(f"完成于 {achievement.year} 年，早于申报条件（近 {award_round.recent_years} 年）")
        if achievement.id in earlier:
            notes.append(f"已在“{earlier[achievement.id]}”中获评优秀")
        studio_count = per_studio[nomination.studio_id]
        if award_round.max_per_studio is not None and studio_count > award_round.max_per_studio:
            notes.append(f"本工作室推荐 {studio_count} 项，超过上限 {award_round.max_per_studio} 项")
        if achievement.status is not RecordStatus.APPROVED:
            notes.append(f"成果当前状态为“{achievement.status.label}”")
        out[nomination.id] = notes
    return out


@routes.get("/<int:round_id>/nominations")
@roles_required(Role.ADMIN)
def nominations(round_id: int):
    return _nominations_page(round_or_404(round_id))


def _decided(award_round: AwardRound, nomination: Nomination, ok: bool):
    def answer(_):
        flash(f"《{nomination.title}》资格审核{'通过' if ok else '不通过'}", "success")
        return redirect(url_for(".nominations", round_id=award_round.id) + f"#n{nomination.id}")
    return answer


@routes.post("/<int:round_id>/nominations/<int:nomination_id>")
@roles_required(Role.ADMIN)
def nomination_decide(round_id: int, nomination_id: int):
    award_round = round_or_404(round_id)
    nomination = own_or_404(Nomination, nomination_id, award_round)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        return invalid(form, _nominations_page, award_round, (nomination.id, form))
    ok = form.decision.data == "qualify"
    return run_service(lambda: nominating.qualify(current_user, nomination, ok, form.reason.data),
                       _decided(award_round, nomination, ok),
                       refusal(_nominations_page, award_round, (nomination.id, form)))
