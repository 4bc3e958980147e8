"""评选管理 → 评审分配: which judge scores which entry (automatic and by hand) and the conflicts (回避) set."""

from __future__ import annotations

from collections import defaultdict

from flask import flash, render_template
from flask_login import current_user

from ...accounts.models import Role
from ...security import roles_required
from .. import assignment, queries
from ..forms import admin as forms
from ..models import Assignment, AwardRound, Nomination
from .admin_site import PageRoutes, S, back, invalid, judge_user, own_or_404, refusal, round_or_404
from .service_call import run_service

routes = PageRoutes()


def _assignment_page(award_round: AwardRound, assign_form: forms.AssignForm | None = None,
                     conflict_form: forms.ConflictForm | None = None) -> str:
    entries = queries.qualified(award_round)
    by_entry = defaultdict(list)
    for a in queries.round_assignments(award_round):
        by_entry[a.nomination_id].append(a)
    judges = list(award_round.judges)
    return render_template(
        "awards/admin/assignment.html", award_round=award_round, entries=entries, by_entry=by_entry,
        numbers=queries.judge_numbers(award_round), progress=queries.judge_progress(award_round),
        assign_form=assign_form or forms.AssignForm(formdata=None, entries=entries, judges=judges),
        conflict_form=conflict_form or forms.ConflictForm(formdata=None, entries=entries, judges=judges),
        can_assign=award_round.state in assignment.ASSIGNING,
        can_conflict=award_round.state in (*assignment.ASSIGNING, S.CLOSED),
    )


@routes.get("/<int:round_id>/assignments")
@roles_required(Role.ADMIN)
def assignments(round_id: int):
    return _assignment_page(round_or_404(round_id))


def _assigned(award_round: AwardRound):
    def answer(report: assignment.AssignReport):
        flash(f"自动分配完成：新分配 {report.created} 项，保留已评分的 {report.kept} 项，撤销 {report.removed} 项",
              "success")
        if report.short:
            flash(f"{len(report.short)} 项成果的可用评委不足 {award_round.judges_per_entry} 位："
                  + "；".join(f"《{title}》{given} 位" for _id, title, given in report.short[:20]), "warning")
        flash("各评委分配数：" + "，".join(f"{n} 号 {load} 项" for n, load in sorted(report.loads.items())), "info")
        return back(".assignments", award_round)
    return answer


@routes.post("/<int:round_id>/assignments/auto")
@roles_required(Role.ADMIN)
def assign_auto(round_id: int):
    award_round = round_or_404(round_id)
    return run_service(lambda: assignment.auto_assign(current_user, award_round), _assigned(award_round),
                       refusal(_assignment_page, award_round))


def _entry_judge_form(award_round: AwardRound, form_class):
    """An entry × judge form of the assignment page, offering the round's qualified entries and judges."""
    return form_class(entries=queries.qualified(award_round), judges=list(award_round.judges))


@routes.post("/<int:round_id>/assignments/assign")
@roles_required(Role.ADMIN)
def assign_one(round_id: int):
    award_round = round_or_404(round_id)
    form = _entry_judge_form(award_round, forms.AssignForm)
    if not form.validate_on_submit():
        return invalid(form, _assignment_page, award_round, form)
    nomination = own_or_404(Nomination, int(form.nomination.data), award_round)
    judge = judge_user(award_round, form.judge.data)
    number = queries.judge_numbers(award_round)[int(form.judge.data)]
    done = f"已将《{nomination.title}》分配给评委 {number} 号"
    return run_service(lambda: assignment.assign(current_user, nomination, judge),
                       lambda _: back(".assignments", award_round, done), refusal(_assignment_page, award_round, form))


@routes.post("/<int:round_id>/assignments/conflict")
@roles_required(Role.ADMIN)
def conflict_set(round_id: int):
    award_round = round_or_404(round_id)
    form = _entry_judge_form(award_round, forms.ConflictForm)
    if not form.validate_on_submit():
        return invalid(form, _assignment_page, award_round, None, form)
    nomination = own_or_404(Nomination, int(form.nomination.data), award_round)
    judge = judge_user(award_round, form.judge.data)
    done = f"已设定回避：《{nomination.title}》不再由该评委评审，请为它补足评委"
    return run_service(lambda: assignment.set_conflict(current_user, nomination, judge, form.reason.data),
                       lambda _: back(".assignments", award_round, done),
                       refusal(_assignment_page, award_round, None, form))


@routes.post("/<int:round_id>/assignments/<int:assignment_id>/unassign")
@roles_required(Role.ADMIN)
def unassign(round_id: int, assignment_id: int):
    award_round = round_or_404(round_id)
    row = own_or_404(Assignment, assignment_id, award_round)
    return run_service(lambda: assignment.unassign(current_user, row),
                       lambda _: back(".assignments", award_round, "已撤销该项分配"),
                       refusal(_assignment_page, award_round))
