"""评选管理: the list of rounds, a round's settings (new, edit), its dashboard and its stage changes."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from .. import lifecycle, queries, services
from ..forms import admin as forms
from ..models import AwardRound
from .admin_site import PageRoutes, S, back, invalid, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


@routes.get("/")
@roles_required(Role.ADMIN)
def round_list():
    return render_template("awards/admin/round_list.html", rounds=queries.rounds_newest_first(),
                           counts=queries.round_counts())


def _round_form_page(form: forms.RoundForm, award_round: AwardRound | None) -> str:
    return render_template("awards/admin/round_form.html", form=form, award_round=award_round)


def _form_refused(form: forms.RoundForm, award_round: AwardRound | None):
    """run_service's `refused` of the settings form: the reason above the form (400)."""
    def show(error):
        form.form_errors.append(error.description)
        return _round_form_page(form, award_round), 400
    return show


@routes.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def round_new():
    form = forms.RoundForm()
    if request.method == "GET":
        form.fill_defaults()
    elif form.validate_on_submit():
        return run_service(lambda: services.create_round(current_user, form.to_data()),
                           lambda award_round: back(".criteria", award_round,
                                                    f"已创建评选“{award_round.name}”。下一步：添加评分指标。"),
                           _form_refused(form, None))
    return _round_form_page(form, None), 400 if request.method == "POST" else 200


def _settings_saved(award_round: AwardRound):
    def answer(changed: list[str]):
        flash(f"已保存：{'、'.join(changed)}" if changed else "设置没有变化", "success" if changed else "info")
        return back(".dashboard", award_round)
    return answer


@routes.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def round_edit(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.RoundForm()
    if request.method == "GET":
        form.fill_from(award_round)
    form.freeze(award_round)
    if request.method == "POST" and form.validate_on_submit():
        return run_service(lambda: services.update_round(current_user, award_round, form.to_data()),
                           _settings_saved(award_round), _form_refused(form, award_round))
    return _round_form_page(form, award_round), 400 if request.method == "POST" else 200


def dashboard_page(award_round: AwardRound, transition_form: forms.TransitionForm | None = None,
                   offer_force: bool = False) -> str:
    steps = [(target, verb, lifecycle.TRANSITIONS[award_round.state, target].needs_reason)
             for target, verb in lifecycle.allowed_transitions(award_round.state)]
    progress = queries.judge_progress(award_round)
    return render_template(
        "awards/admin/dashboard.html", award_round=award_round, steps=steps,
        counts=queries.round_counts()[award_round.id],
        assigned=sum(p.assigned for p in progress), submitted=sum(p.submitted for p in progress),
        form=transition_form or forms.TransitionForm(formdata=None),
        missing=queries.missing_scores(award_round) if offer_force else [], offer_force=offer_force,
        unanswered=len(queries.objections(award_round, unanswered_only=True)),
    )


@routes.get("/<int:round_id>")
@roles_required(Role.ADMIN)
def dashboard(round_id: int):
    return dashboard_page(round_or_404(round_id))


def _transition_done(award_round: AwardRound, source, target):
    def answer(report: lifecycle.TransitionReport):
        flash(f"已{lifecycle.TRANSITIONS[source, target].verb}：{source.label} → {target.label}", "success")
        if report.missing:
            listed = "；".join(f"评委 {m.judge_number} 号《{m.title}》" for m in report.missing[:20])
            flash(f"未提交、不计入结果的评审 {len(report.missing)} 份：{listed}"
                  + ("等" if len(report.missing) > 20 else ""), "warning")
        for note in report.notes:
            flash(note, "info")
        return back(".dashboard", award_round)
    return answer


@routes.post("/<int:round_id>/transition")
@roles_required(Role.ADMIN)
def transition(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.TransitionForm()
    if not form.validate_on_submit():
        return invalid(form, dashboard_page, award_round, form)
    source, target, force = award_round.state, S(form.target.data), form.force.data == "1"

    def refused(error):
        # 结束评审 refused for missing scores: list them and ask again, this time with force.
        offer = (source, target) == (S.SCORING, S.CLOSED) and not force and award_round.state is S.SCORING
        return refusal(dashboard_page, award_round, form, offer_force=offer)(error)

    return run_service(
        lambda: lifecycle.change_state(current_user, award_round, target, force=force, reason=form.reason.data),
        _transition_done(award_round, source, target), refused)
