"""The administrator's award pages (评选管理), part one: the blueprint, shared helpers, rounds, criteria, transitions.
Part two (admin_review.py): 资格审核, judges, assignment, progress; part three (admin_results.py): ranking,
drill-down, exports, objections.

Thin views: load, validate the form, call one award service, flash, redirect. A refusal (AwardError) shows the
service's Chinese message on the page the administrator was on, with its 4xx code; nothing is changed.
"""

from __future__ import annotations

import math
from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ...accounts.models import Role, User
from ...extensions import db
from ...security import roles_required
from .. import lifecycle, publication, queries, services
from ..forms import admin as forms
from ..models import (
    Assignment,
    AwardRound,
    Criterion,
    Nomination,
    NominationState,
    RoundJudge,
    RoundState,
)
from ..services import AwardError

bp = Blueprint("awards_admin", __name__, url_prefix="/admin/awards")
S = RoundState


@bp.context_processor
def award_states() -> dict:
    return {"RoundState": RoundState, "NominationState": NominationState, "vote_schedule": publication.vote_schedule}


def round_or_404(round_id: int) -> AwardRound:
    return db.get_or_404(AwardRound, round_id)


def own_or_404(model, object_id: int, award_round: AwardRound):
    """A criterion, nomination, judge, assignment or objection of this round, else 404."""
    found = db.session.get(model, object_id)
    if found is None or found.round_id != award_round.id:
        abort(404)
    return found


def refused(error: AwardError, page, *args, **kwargs):
    """The service said no: its message on the page the administrator was on, with its 4xx code."""
    flash(error.description, "danger")
    return page(*args, **kwargs), error.code


def invalid(form, page, *args, **kwargs):
    """A form that did not validate: the page again, with the errors beside the fields (400)."""
    for name, errors in form.errors.items():
        if form[name].type == "HiddenField" or name == "csrf_token":
            flash("；".join(errors), "danger")
    return page(*args, **kwargs), 400


def back(endpoint: str, award_round: AwardRound, **values):
    return redirect(url_for(endpoint, round_id=award_round.id, **values))


def run_service(call, done: str, endpoint: str, page, award_round: AwardRound, *page_args):
    """Call the service; done: flash `done` and go to `endpoint`; refused: `page` with the reason (4xx)."""
    try:
        call()
    except AwardError as error:
        return refused(error, page, award_round, *page_args)
    flash(done, "success")
    return back(endpoint, award_round)


def judge_accounts(award_round: AwardRound) -> list[User]:
    taken = {j.user_id for j in award_round.judges}
    return [u for u in db.session.scalars(select(User).where(User.role == Role.JUDGE, User.active.is_(True))
                                          .order_by(User.username)) if u.id not in taken]


def judge_user(award_round: AwardRound, user_id) -> User:
    judge = next((j for j in award_round.judges if str(j.user_id) == str(user_id)), None)
    if judge is None:
        abort(404)
    return judge.user


# ---------------------------------------------------------------- rounds


def _round_counts() -> dict[int, dict[str, int]]:
    """Per round: nominations (not withdrawn), qualified entries, judges, assignments and submitted ones."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for round_id, state, n in db.session.execute(select(Nomination.round_id, Nomination.state, func.count())
                                                 .group_by(Nomination.round_id, Nomination.state)):
        if state is not NominationState.WITHDRAWN:
            counts[round_id]["nominated"] += n
        counts[round_id]["qualified"] += n if state is NominationState.QUALIFIED else 0
    for round_id, n in db.session.execute(select(RoundJudge.round_id, func.count()).group_by(RoundJudge.round_id)):
        counts[round_id]["judges"] = n
    for round_id, n, submitted in db.session.execute(
            select(Assignment.round_id, func.count(), func.count(Assignment.submitted_at)).join(Nomination)
            .where(Assignment.conflict.is_(False), Nomination.state == NominationState.QUALIFIED)
            .group_by(Assignment.round_id)):
        counts[round_id]["assigned"], counts[round_id]["submitted"] = n, submitted
    return counts


@bp.get("/")
@roles_required(Role.ADMIN)
def round_list():
    rounds = db.session.scalars(select(AwardRound).order_by(AwardRound.year.desc(), AwardRound.id.desc())).all()
    return render_template("awards/admin/round_list.html", rounds=rounds, counts=_round_counts())


def _round_form_page(form: forms.RoundForm, award_round: AwardRound | None) -> str:
    return render_template("awards/admin/round_form.html", form=form, award_round=award_round)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def round_new():
    form = forms.RoundForm()
    if request.method == "GET":
        form.fill_defaults()
    elif form.validate_on_submit():
        try:
            award_round = services.create_round(current_user, form.to_data())
        except AwardError as error:
            form.form_errors.append(error.description)
        else:
            flash(f"已创建评选“{award_round.name}”。下一步：添加评分指标。", "success")
            return back(".criteria", award_round)
    return _round_form_page(form, None), 400 if request.method == "POST" else 200


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def round_edit(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.RoundForm()
    if request.method == "GET":
        form.fill_from(award_round)
    form.freeze(award_round)
    if request.method == "POST" and form.validate_on_submit():
        try:
            changed = services.update_round(current_user, award_round, form.to_data())
        except AwardError as error:
            form.form_errors.append(error.description)
        else:
            flash(f"已保存：{'、'.join(changed)}" if changed else "设置没有变化", "success" if changed else "info")
            return back(".dashboard", award_round)
    return _round_form_page(form, award_round), 400 if request.method == "POST" else 200


def dashboard_page(award_round: AwardRound, transition_form: forms.TransitionForm | None = None,
                    offer_force: bool = False) -> str:
    steps = [(target, verb, lifecycle.TRANSITIONS[award_round.state, target].needs_reason)
             for target, verb in lifecycle.allowed_transitions(award_round.state)]
    progress = queries.judge_progress(award_round)
    return render_template(
        "awards/admin/dashboard.html", award_round=award_round, steps=steps, counts=_round_counts()[award_round.id],
        assigned=sum(p.assigned for p in progress), submitted=sum(p.submitted for p in progress),
        form=transition_form or forms.TransitionForm(formdata=None),
        missing=queries.missing_scores(award_round) if offer_force else [], offer_force=offer_force,
        unanswered=len(queries.objections(award_round, unanswered_only=True)),
    )


@bp.get("/<int:round_id>")
@roles_required(Role.ADMIN)
def dashboard(round_id: int):
    return dashboard_page(round_or_404(round_id))


@bp.post("/<int:round_id>/transition")
@roles_required(Role.ADMIN)
def transition(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.TransitionForm()
    if not form.validate_on_submit():
        return invalid(form, dashboard_page, award_round, form)
    source, target, force = award_round.state, S(form.target.data), form.force.data == "1"
    try:
        report = lifecycle.change_state(current_user, award_round, target, force=force, reason=form.reason.data)
    except AwardError as error:
        # 结束评审 refused for missing scores: list them and ask again, this time with force.
        offer = (source, target) == (S.SCORING, S.CLOSED) and not force and award_round.state is S.SCORING
        return refused(error, dashboard_page, award_round, form, offer_force=offer)
    flash(f"已{lifecycle.TRANSITIONS[source, target].verb}：{source.label} → {target.label}", "success")
    if report.missing:
        listed = "；".join(f"评委 {m.judge_number} 号《{m.title}》" for m in report.missing[:20])
        flash(f"未提交、不计入结果的评审 {len(report.missing)} 份：{listed}"
              + ("等" if len(report.missing) > 20 else ""), "warning")
    for note in report.notes:
        flash(note, "info")
    return back(".dashboard", award_round)


# ---------------------------------------------------------------- criteria


def _criteria_page(award_round: AwardRound, add_form: forms.CriterionForm | None = None,
                   edited: tuple[int, forms.CriterionForm] | None = None) -> str:
    edit_forms = {}
    for criterion in award_round.criteria:
        if edited and edited[0] == criterion.id:
            edit_forms[criterion.id] = edited[1]
        else:
            edit_forms[criterion.id] = forms.CriterionForm(formdata=None, prefix=f"c{criterion.id}")
            edit_forms[criterion.id].fill_from(criterion)
    return render_template(
        "awards/admin/criteria.html", award_round=award_round, forms=edit_forms,
        add_form=add_form or forms.CriterionForm(formdata=None),
        editable=award_round.state in services.BEFORE_SCORING,
        full_marks=math.fsum(float(c.weight) * c.max_points for c in award_round.criteria),
    )


@bp.get("/<int:round_id>/criteria")
@roles_required(Role.ADMIN)
def criteria(round_id: int):
    return _criteria_page(round_or_404(round_id))


@bp.post("/<int:round_id>/criteria")
@roles_required(Role.ADMIN)
def criterion_add(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.CriterionForm()
    if not form.validate_on_submit():
        return invalid(form, _criteria_page, award_round, form)
    try:
        criterion = services.add_criterion(current_user, award_round, form.to_data())
    except AwardError as error:
        return refused(error, _criteria_page, award_round, form)
    flash(f"已添加指标“{criterion.name}”", "success")
    return back(".criteria", award_round)


@bp.post("/<int:round_id>/criteria/<int:criterion_id>")
@roles_required(Role.ADMIN)
def criterion_edit(round_id: int, criterion_id: int):
    award_round = round_or_404(round_id)
    criterion = own_or_404(Criterion, criterion_id, award_round)
    form = forms.CriterionForm(prefix=f"c{criterion.id}")
    if not form.validate_on_submit():
        return invalid(form, _criteria_page, award_round, edited=(criterion.id, form))
    return run_service(lambda: services.update_criterion(current_user, criterion, form.to_data()),
                       f"已保存指标“{form.name.data}”", ".criteria", _criteria_page, award_round, None,
                       (criterion.id, form))


@bp.post("/<int:round_id>/criteria/<int:criterion_id>/remove")
@roles_required(Role.ADMIN)
def criterion_remove(round_id: int, criterion_id: int):
    award_round = round_or_404(round_id)
    criterion = own_or_404(Criterion, criterion_id, award_round)
    return run_service(lambda: services.remove_criterion(current_user, criterion), f"已删除指标“{criterion.name}”",
                       ".criteria", _criteria_page, award_round)


@bp.post("/<int:round_id>/criteria/<int:criterion_id>/move")
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
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        try:
            services.reorder_criteria(current_user, award_round, order)
        except AwardError as error:
            return refused(error, _criteria_page, award_round)
    return back(".criteria", award_round)
