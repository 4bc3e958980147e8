"""The administrator's award pages, part two: 资格审核, judges, assignment and progress (routes of admin.bp)."""

from __future__ import annotations

from collections import defaultdict

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...accounts.models import Role, User
from ...accounts.services import AccountError
from ...extensions import db
from ...models import RecordStatus
from ...security import roles_required
from .. import assignment, eligibility, queries
from ..forms import admin as forms
from ..models import (
    Assignment,
    AwardRound,
    Nomination,
    NominationState,
    RoundJudge,
    Score,
)
from ..services import AwardError
from .admin import S, back, bp, invalid, judge_accounts, judge_user, own_or_404, refused, round_or_404, run_service

# ---------------------------------------------------------------- 资格审核


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
    earlier = eligibility.earlier_excellence(award_round, [n.achievement_id for n in nominations])
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


@bp.get("/<int:round_id>/nominations")
@roles_required(Role.ADMIN)
def nominations(round_id: int):
    return _nominations_page(round_or_404(round_id))


@bp.post("/<int:round_id>/nominations/<int:nomination_id>")
@roles_required(Role.ADMIN)
def nomination_decide(round_id: int, nomination_id: int):
    award_round = round_or_404(round_id)
    nomination = own_or_404(Nomination, nomination_id, award_round)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        return invalid(form, _nominations_page, award_round, (nomination.id, form))
    ok = form.decision.data == "qualify"
    try:
        eligibility.qualify(current_user, nomination, ok, form.reason.data)
    except AwardError as error:
        return refused(error, _nominations_page, award_round, (nomination.id, form))
    flash(f"《{nomination.title}》资格审核{'通过' if ok else '不通过'}", "success")
    return redirect(url_for(".nominations", round_id=award_round.id) + f"#n{nomination.id}")


# ---------------------------------------------------------------- judges


def _judges_page(award_round: AwardRound, form: forms.JudgeForm | None = None) -> str:
    progress = {p.user_id: p for p in queries.judge_progress(award_round)}
    return render_template(
        "awards/admin/judges.html", award_round=award_round, progress=progress,
        form=form or forms.JudgeForm(formdata=None, accounts=judge_accounts(award_round)),
        can_change=award_round.state in (S.DRAFT, S.NOMINATING, S.QUALIFYING, S.SCORING),
    )


@bp.get("/<int:round_id>/judges")
@roles_required(Role.ADMIN)
def judges(round_id: int):
    return _judges_page(round_or_404(round_id))


@bp.post("/<int:round_id>/judges")
@roles_required(Role.ADMIN)
def judge_add(round_id: int):
    award_round = round_or_404(round_id)
    form = forms.JudgeForm(accounts=judge_accounts(award_round))
    if not form.validate_on_submit():
        return invalid(form, _judges_page, award_round, form)
    user = db.session.get(User, int(form.user.data))
    try:
        judge = assignment.add_judge(current_user, award_round, user, unit=form.unit.data or "")
    except AccountError as error:  # the unit typed on the form
        form.unit.errors.append(str(error))
        return _judges_page(award_round, form), 400
    except AwardError as error:
        return refused(error, _judges_page, award_round, form)
    flash(f"已添加评委 {judge.number} 号：{user.name}", "success")
    return back(".judges", award_round)


@bp.post("/<int:round_id>/judges/<int:judge_id>/remove")
@roles_required(Role.ADMIN)
def judge_remove(round_id: int, judge_id: int):
    award_round = round_or_404(round_id)
    judge = own_or_404(RoundJudge, judge_id, award_round)
    return run_service(lambda: assignment.remove_judge(current_user, judge),
                       f"已移除评委 {judge.number} 号及其评审分配",
                       ".judges", _judges_page, award_round)


# ---------------------------------------------------------------- assignment


def _assignment_page(award_round: AwardRound, assign_form: forms.AssignForm | None = None,
                     conflict_form: forms.ConflictForm | None = None) -> str:
    entries = queries.qualified(award_round)
    rows = db.session.scalars(select(Assignment).where(Assignment.round_id == award_round.id)
                              .options(selectinload(Assignment.scores)).order_by(Assignment.judge_id))
    by_entry = defaultdict(list)
    for a in rows:
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


@bp.get("/<int:round_id>/assignments")
@roles_required(Role.ADMIN)
def assignments(round_id: int):
    return _assignment_page(round_or_404(round_id))


@bp.post("/<int:round_id>/assignments/auto")
@roles_required(Role.ADMIN)
def assign_auto(round_id: int):
    award_round = round_or_404(round_id)
    try:
        report = assignment.auto_assign(current_user, award_round)
    except AwardError as error:
        return refused(error, _assignment_page, award_round)
    flash(f"自动分配完成：新分配 {report.created} 项，保留已评分的 {report.kept} 项，撤销 {report.removed} 项",
          "success")
    if report.short:
        flash(f"{len(report.short)} 项成果的可用评委不足 {award_round.judges_per_entry} 位："
              + "；".join(f"《{title}》{given} 位" for _id, title, given in report.short[:20]), "warning")
    flash("各评委分配数：" + "，".join(f"{n} 号 {load} 项" for n, load in sorted(report.loads.items())), "info")
    return back(".assignments", award_round)


def _entry_judge_form(award_round: AwardRound, form_class):
    """An entry × judge form of the assignment page, offering the round's qualified entries and judges."""
    return form_class(entries=queries.qualified(award_round), judges=list(award_round.judges))


@bp.post("/<int:round_id>/assignments/assign")
@roles_required(Role.ADMIN)
def assign_one(round_id: int):
    award_round = round_or_404(round_id)
    form = _entry_judge_form(award_round, forms.AssignForm)
    if not form.validate_on_submit():
        return invalid(form, _assignment_page, award_round, form)
    nomination = own_or_404(Nomination, int(form.nomination.data), award_round)
    judge = judge_user(award_round, form.judge.data)
    number = queries.judge_numbers(award_round)[int(form.judge.data)]
    return run_service(lambda: assignment.assign(current_user, nomination, judge),
                       f"已将《{nomination.title}》分配给评委 {number} 号", ".assignments",
                       _assignment_page, award_round, form)


@bp.post("/<int:round_id>/assignments/conflict")
@roles_required(Role.ADMIN)
def conflict_set(round_id: int):
    award_round = round_or_404(round_id)
    form = _entry_judge_form(award_round, forms.ConflictForm)
    if not form.validate_on_submit():
        return invalid(form, _assignment_page, award_round, None, form)
    nomination = own_or_404(Nomination, int(form.nomination.data), award_round)
    judge = judge_user(award_round, form.judge.data)
    return run_service(lambda: assignment.set_conflict(current_user, nomination, judge, form.reason.data),
                       f"已设定回避：《{nomination.title}》不再由该评委评审，请为它补足评委", ".assignments",
                       _assignment_page, award_round, None, form)


@bp.post("/<int:round_id>/assignments/<int:assignment_id>/unassign")
@roles_required(Role.ADMIN)
def unassign(round_id: int, assignment_id: int):
    award_round = round_or_404(round_id)
    row = own_or_404(Assignment, assignment_id, award_round)
    return run_service(lambda: assignment.unassign(current_user, row), "已撤销该项分配", ".assignments",
                       _assignment_page,
                       award_round)


# ---------------------------------------------------------------- progress


def _draft_counts(award_round: AwardRound) -> dict[int, int]:
    """judge user id → unsubmitted assignments that hold some scores."""
    return dict(db.session.execute(
        select(Assignment.judge_id, func.count(func.distinct(Assignment.id))).join(Score)
        .where(Assignment.round_id == award_round.id, Assignment.conflict.is_(False),
               Assignment.submitted_at.is_(None)).group_by(Assignment.judge_id)).all())


@bp.get("/<int:round_id>/progress")
@roles_required(Role.ADMIN)
def progress(round_id: int):
    award_round = round_or_404(round_id)
    entries = queries.entry_progress(award_round)
    ranking = queries.ranking(award_round) if award_round.criteria else None
    spreads = {r.entry_id: r.spread for r in ranking.entries} if ranking else {}
    titles = {n.id: n for n in queries.qualified(award_round)}
    return render_template(
        "awards/admin/progress.html", award_round=award_round, judges=queries.judge_progress(award_round),
        drafts=_draft_counts(award_round), entries=entries, spreads=spreads, nominations=titles,
        disputed=queries.disputed_entries(award_round), missing=queries.missing_scores(award_round),
        full_marks=ranking.full_marks if ranking else 0, dispute_share=queries.DISPUTE_SHARE,
    )
